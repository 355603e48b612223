// Opens the speech-to-text engine on first use: a PocketSphinx decoder loads its models (~0.4 s,
// ~100 MB resident), which a node that never transcribes should not pay for at start-up or in idle
// memory. The languages are known without opening it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engines/stt_engine.h"

namespace chorus::app {

class LazySttEngine : public engines::SttEngine {
 public:
  using Factory = std::function<Result<std::unique_ptr<engines::SttEngine>>()>;
  LazySttEngine(std::vector<std::string> languages, Factory factory)
      : languages_(std::move(languages)), factory_(std::move(factory)) {}

  const std::vector<std::string>& languages() const override { return languages_; }
  Result<engines::Transcript> Transcribe(const engines::PcmSource& source, const engines::RecognitionSettings& settings,
                                         const engines::ProgressSink& progress) override {
    std::call_once(once_, [this] {
      auto made = factory_();
      if (made) engine_ = std::move(*made);
      else opened_ = Unexpected(made.error());
    });
    if (!engine_) return Unexpected(opened_.error());
    return engine_->Transcribe(source, settings, progress);
  }

 private:
  const std::vector<std::string> languages_;
  Factory factory_;
  std::once_flag once_;
  std::unique_ptr<engines::SttEngine> engine_;
  Status opened_ = Ok();
};

}  // namespace chorus::app
