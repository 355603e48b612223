#include "services/speech_service.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/time.h"
#include "store/usage_metrics.h"

#include <cstdlib>

namespace chorus::services {
namespace {

namespace asio = boost::asio;

struct OpenAiVoice {
  std::string_view name;
  std::string_view espeak_voice;
  int pitch;
};
constexpr OpenAiVoice kOpenAiVoices[] = {
    {"alloy", "en-us", 50}, {"ash", "en-us", 40},   {"ballad", "en", 45}, {"coral", "en-us", 65},
    {"echo", "en-us", 35},  {"fable", "en", 55},    {"onyx", "en-us", 20}, {"nova", "en-us", 70},
    {"sage", "en", 45},     {"shimmer", "en-us", 80}, {"verse", "en-us", 58}};

constexpr std::string_view kModels[] = {"tts-1", "tts-1-hd", "espeak-ng"};


bool Blank(std::string_view s) {
  for (unsigned char c : s) {
    if (!std::isspace(c)) return false;
  }
  return true;
}

Unexpected Bad(std::string message, std::string param) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(message), std::move(param));
}

// PCM handed from the engine's thread to the encoding thread.
class PcmQueue {
 public:
  void Push(std::span<const int16_t> samples) {
    std::lock_guard lock(mu_);
    pcm_.insert(pcm_.end(), samples.begin(), samples.end());
    ready_.notify_one();
  }
  // `total`: the samples synthesised, or -1 when synthesis failed.
  void Close(int64_t total) {
    std::lock_guard lock(mu_);
    closed_ = true;
    total_ = total;
    ready_.notify_one();
  }
  // Takes everything queued (waiting for some); false once closed and drained.
  bool Pop(std::vector<int16_t>& out) {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [this] { return closed_ || !pcm_.empty(); });
    if (pcm_.empty()) return false;
    out.swap(pcm_);
    pcm_.clear();
    return true;
  }
  int64_t total() {
    std::lock_guard lock(mu_);
    return total_;
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_;
  std::vector<int16_t> pcm_;  // guarded by mu_
  bool closed_ = false;       // guarded by mu_
  int64_t total_ = -1;        // guarded by mu_
};

// Chunks smaller than this are held back (a few ms of audio each would mean thousands of writes).
constexpr size_t kChunkBytes = 8 * 1024;
constexpr size_t kChannelChunks = 16;

}  // namespace

// The producer (the engine's thread) and the consumer (a network coroutine) meet in a channel; an
// empty chunk marks the end.
struct SpeechStream::Shared {
  explicit Shared(asio::any_io_executor ex) : channel(std::move(ex), kChannelChunks) {}
  asio::experimental::concurrent_channel<void(boost::system::error_code, std::string)> channel;
  std::atomic<bool> cancelled{false};
  std::atomic<bool> succeeded{false};

  // Blocks the producer while the channel is full. False once the consumer has gone, or has not
  // taken anything for a minute (a stalled reader must not hold a thread for ever).
  bool Send(std::string chunk) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    for (;;) {
      if (cancelled.load()) return false;
      if (channel.try_send(boost::system::error_code(), chunk)) return true;
      if (std::chrono::steady_clock::now() > give_up) {
        cancelled.store(true);
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
};

SpeechStream::~SpeechStream() { shared_->cancelled.store(true); }

bool SpeechStream::ok() const { return shared_->succeeded.load(); }

Task<std::optional<std::string>> SpeechStream::Next() {
  auto [ec, chunk] = co_await shared_->channel.async_receive(asio::as_tuple(asio::use_awaitable));
  if (ec || chunk.empty()) co_return std::nullopt;
  co_return std::optional<std::string>(std::move(chunk));
}

Result<SpeechPlan> SpeechService::Plan(const SpeechRequest& r) const { return PlanSpeech(r, engine_, settings_); }

namespace {

// The voice of a request to the local engine: a configured (or OpenAI) name, or an engine voice id.
Status ResolveLocalVoice(const SpeechRequest& r, const engines::TtsEngine& engine, const TtsSettings& settings,
                         SpeechPlan& plan) {
  for (const auto& v : settings.voices) {
    if (v.name != r.voice) continue;
    // A configured name on a voice the engine lacks is refused here, not after a 200 has gone out.
    const bool known = std::any_of(engine.voices().begin(), engine.voices().end(),
                                   [&](const engines::Voice& e) { return e.id == v.engine_voice; });
    if (!known) {
      return Bad(fmt::format("The voice '{}' is configured on '{}', which the engine does not have.", v.name,
                             v.engine_voice),
                 "voice");
    }
    plan.settings.voice = v.engine_voice;
    plan.settings.pitch = v.pitch;
    return Ok();
  }
  for (const auto& v : engine.voices()) {
    if (v.id == r.voice) {
      plan.settings.voice = v.id;
      return Ok();
    }
  }
  return Bad(fmt::format("'{}' is not a voice here; GET /v1/audio/voices lists them.", r.voice), "voice");
}

// A provider's model takes its own voice names as they are.
Status ResolveUpstreamVoice(const SpeechRequest& r, const engines::TtsEngine& engine, SpeechPlan& plan) {
  for (const auto& v : engine.voices()) {
    if (v.id == r.voice) {
      plan.settings.voice = v.id;
      return Ok();
    }
  }
  return Bad(fmt::format("'{}' is not a voice of the model {}.", r.voice, r.model), "voice");
}

}  // namespace

Result<SpeechPlan> PlanSpeech(const SpeechRequest& r, engines::TtsEngine& engine, const TtsSettings& settings) {
  if (r.input.empty() || Blank(r.input)) return Bad("'input' must contain text.", "input");
  if (SpeechCharacters(r.input) > kMaxSpeechCharacters) {
    return Bad(fmt::format("'input' is longer than {} characters.", kMaxSpeechCharacters), "input");
  }
  const auto upstream = settings.upstream.find(r.model);
  const bool local = std::find(std::begin(kModels), std::end(kModels), r.model) != std::end(kModels);
  if (!local && upstream == settings.upstream.end()) {
    std::string names = "tts-1, tts-1-hd, espeak-ng";
    for (const auto& [name, e] : settings.upstream) names += ", " + name;
    return Bad(fmt::format("The model '{}' is not a speech model here ({}).", r.model, names), "model");
  }
  if (!(r.speed >= 0.25 && r.speed <= 4.0)) return Bad("'speed' must be between 0.25 and 4.0.", "speed");
  SpeechPlan plan{.model = r.model, .input = r.input, .timestamps = r.timestamps};
  plan.engine = local ? &engine : upstream->second;
  plan.settings.speed = r.speed;
  std::string format = r.response_format;
  if (format == "json") {
    plan.timestamps = true;
    format = "mp3";
  }
  auto parsed = media::ParseAudioFormat(format);
  if (!parsed) return Unexpected(parsed.error());
  plan.format = *parsed;
  CHORUS_TRY(local ? ResolveLocalVoice(r, engine, settings, plan) : ResolveUpstreamVoice(r, *plan.engine, plan));
  return plan;
}

std::vector<std::string> SpeechService::VoiceNames() const {
  std::vector<std::string> names;
  for (const auto& v : settings_.voices) names.push_back(v.name);
  for (const auto& v : engine_.voices()) names.push_back(v.id);
  return names;
}

// The engine has one synthesis thread; encoding (most of the work: bench/tts_bench) must not run
// there, or concurrent requests would queue behind each other's encoders. The engine's sink only
// queues PCM (at most the whole input: 4,096 characters are a few minutes of audio); this thread
// encodes it and feeds the stream. Returns the seconds of audio, or -1 when it did not complete.
double SpeechService::Produce(const SpeechPlan& plan, SpeechStream::Shared& shared) {
  engines::TtsEngine& engine = *plan.engine;
  auto encoder = media::AudioEncoder::Make(plan.format, engine.sample_rate());
  if (!encoder) return -1;
  PcmQueue queue;
  std::thread synthesis([&] {
    const engines::PcmSink sink = [&](std::span<const int16_t> samples) {
      queue.Push(samples);
      return !shared.cancelled.load();
    };
    auto result = engine.Synthesize(plan.input, plan.settings, sink);
    queue.Close(result && !result->stopped ? static_cast<int64_t>(result->samples) : -1);
  });
  std::string pending;
  bool ok = true;
  std::vector<int16_t> pcm;
  while (queue.Pop(pcm)) {
    ok = ok && (*encoder)->Write(pcm, pending).has_value();
    if (ok && pending.size() >= kChunkBytes) {
      ok = shared.Send(std::move(pending));
      pending.clear();
    }
    if (!ok) shared.cancelled.store(true);  // stops the synthesis at its next chunk
  }
  synthesis.join();
  const int64_t samples = queue.total();
  if (!ok || samples < 0 || !(*encoder)->Finish(pending)) return -1;
  if (!pending.empty() && !shared.Send(std::move(pending))) return -1;
  shared.succeeded.store(true);
  return static_cast<double>(samples) / engine.sample_rate();
}

Task<std::unique_ptr<SpeechStream>> SpeechService::Stream(const Caller& caller, SpeechPlan plan) {
  auto executor = co_await asio::this_coro::executor;
  auto shared = std::make_shared<SpeechStream::Shared>(executor);
  const std::string user_id = caller.user_id;
  const std::string model = plan.model;
  const size_t characters = SpeechCharacters(plan.input);
  auto produce = [this, shared, plan = std::move(plan)]() -> double {
    const double seconds = Produce(plan, *shared);
    // The end marker is sent here, on the blocking thread: Send may wait for room in the channel,
    // which only the network coroutine (that must not block) makes.
    shared->Send(std::string());
    return seconds;
  };
  // Encoding runs on a blocking thread; this coroutine waits for it and meters it.
  auto run = [this, produce = std::move(produce), user_id, model, characters]() mutable -> Task<void> {
    const double seconds = co_await blocking_.Run(std::move(produce));
    if (seconds >= 0) co_await Meter(user_id, model, characters, seconds);
  };
  asio::co_spawn(executor, std::move(run), asio::detached);
  co_return std::make_unique<SpeechStream>(std::move(shared));
}

Result<TimedSpeech> SynthesizeTimed(const SpeechPlan& plan) {
  engines::TtsEngine& engine = *plan.engine;
  std::vector<int16_t> pcm;
  const engines::PcmSink sink = [&](std::span<const int16_t> samples) {
    pcm.insert(pcm.end(), samples.begin(), samples.end());
    return true;
  };
  CHORUS_ASSIGN_OR_RETURN(auto result, engine.Synthesize(plan.input, plan.settings, sink));
  TimedSpeech out;
  out.duration_seconds = static_cast<double>(pcm.size()) / engine.sample_rate();
  CHORUS_ASSIGN_OR_RETURN(auto encoder, media::AudioEncoder::Make(plan.format, engine.sample_rate()));
  CHORUS_TRY(encoder->Write(pcm, out.audio));
  CHORUS_TRY(encoder->Finish(out.audio));
  out.content_type = std::string(media::ContentType(plan.format));
  out.alignment = engines::AlignCharacters(plan.input, result.words, out.duration_seconds);
  out.words = engines::AlignWords(plan.input, result.words, out.duration_seconds);
  return out;
}

Task<Result<TimedSpeech>> SpeechService::SynthesizeWithTimings(const Caller& caller, SpeechPlan plan) {
  auto work = [&plan] { return SynthesizeTimed(plan); };
  auto timed = co_await blocking_.Run(std::move(work));
  if (timed) co_await Meter(caller.user_id, plan.model, SpeechCharacters(plan.input), timed->duration_seconds);
  co_return timed;
}

Task<void> SpeechService::Meter(std::string user_id, std::string model, size_t characters, double seconds) {
  auto added = co_await db_.Write([&](store::Connection& c) {
    return MeterSpeech(c, settings_, user_id, model, characters, seconds);
  });
  (void)added;  // metering must not fail a response that was already sent
}

Status MeterSpeech(store::Connection& conn, const TtsSettings& settings, const std::string& user_id,
                   const std::string& model, size_t characters, double seconds) {
  const store::UsageIncrement inc{
      .audio_seconds = seconds,
      .characters = static_cast<int64_t>(characters),
      .cost = PriceOf(settings.price_per_million_characters, model) * static_cast<double>(characters) / 1e6};
  return store::usage_metrics::Add(conn, user_id, "tts", NowTimestamp().substr(0, 10), inc);
}

size_t SpeechCharacters(std::string_view input) {
  size_t n = 0;
  for (unsigned char c : input) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<VoiceMapping> DefaultVoices() {
  std::vector<VoiceMapping> voices;
  for (const auto& v : kOpenAiVoices) voices.push_back({std::string(v.name), std::string(v.espeak_voice), v.pitch});
  return voices;
}

Result<TtsSettings> MakeTtsSettings(const std::vector<std::string>& voices, const std::vector<std::string>& prices) {
  TtsSettings settings;
  CHORUS_ASSIGN_OR_RETURN(settings.price_per_million_characters, ParsePriceTable(prices, "tts.prices"));
  for (const auto& entry : voices) {
    const auto eq = entry.find('=');
    const auto colon = entry.find(':', eq == std::string::npos ? 0 : eq);
    const std::string name = entry.substr(0, eq);
    const std::string voice = eq == std::string::npos ? "" : entry.substr(eq + 1, colon - eq - 1);
    int pitch = 50;
    if (colon != std::string::npos) {
      char* end = nullptr;
      const std::string number = entry.substr(colon + 1);
      pitch = static_cast<int>(std::strtol(number.c_str(), &end, 10));
      if (number.empty() || *end != '\0' || pitch < 0 || pitch > 100) pitch = -1;
    }
    if (name.empty() || voice.empty() || pitch < 0) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        fmt::format("tts.voices: \"{}\" is not name=voice or name=voice:pitch (0-100)", entry));
    }
    std::erase_if(settings.voices, [&](const VoiceMapping& v) { return v.name == name; });
    settings.voices.push_back({name, voice, pitch});
  }
  return settings;
}

}  // namespace chorus::services
