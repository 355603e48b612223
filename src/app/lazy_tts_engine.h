// Opens the speech engine on first use: espeak-ng loads its voice data (a few megabytes) and starts
// a thread, which a node that never speaks should not pay for at start-up or in idle memory.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "engines/tts_engine.h"

namespace chorus::app {

class LazyTtsEngine : public engines::TtsEngine {
 public:
  using Factory = std::function<Result<std::unique_ptr<engines::TtsEngine>>()>;
  explicit LazyTtsEngine(Factory factory) : factory_(std::move(factory)) {}

  int sample_rate() const override { return Get() ? engine_->sample_rate() : 0; }
  const std::vector<engines::Voice>& voices() const override {
    static const std::vector<engines::Voice> kNone;
    return Get() ? engine_->voices() : kNone;
  }
  Result<engines::SynthesisResult> Synthesize(std::string_view text, const engines::SynthesisSettings& settings,
                                              const engines::PcmSink& sink) override {
    if (!Get()) return Unexpected(opened_.error());
    return engine_->Synthesize(text, settings, sink);
  }

 private:
  bool Get() const {
    std::call_once(once_, [this] {
      auto made = factory_();
      if (made) engine_ = std::move(*made);
      else opened_ = Unexpected(made.error());
    });
    return engine_ != nullptr;
  }

  Factory factory_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<engines::TtsEngine> engine_;
  mutable Status opened_ = Ok();
};

}  // namespace chorus::app
