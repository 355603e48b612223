#include "engines/pocketsphinx_engine.h"

#include <pocketsphinx.h>
#include <sphinxbase/err.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <utility>

#include "base/log.h"
#include "base/strings.h"
#include "engines/utterance_splitter.h"

namespace chorus::engines {
namespace {

constexpr double kFrameSeconds = 0.01;
constexpr size_t kChunkSamples = static_cast<size_t>(PocketSphinxEngine::kChunkSeconds * kSttSampleRate);

struct ConfigDeleter {
  void operator()(cmd_ln_t* config) const { cmd_ln_free_r(config); }
};
struct DecoderDeleter {
  void operator()(ps_decoder_t* decoder) const { ps_free(decoder); }
};
using ConfigPtr = std::unique_ptr<cmd_ln_t, ConfigDeleter>;
using DecoderPtr = std::unique_ptr<ps_decoder_t, DecoderDeleter>;

struct ModelFiles {
  std::string acoustic;        // a folder
  std::string language_model;  // binary 3-gram
  std::string dictionary;      // pronunciations
};

ModelFiles FilesIn(const std::string& dir) {
  const std::filesystem::path root(dir);
  return {(root / "en-us").string(), (root / "en-us.lm.bin").string(), (root / "cmudict-en-us.dict").string()};
}

Status CheckModelFiles(const ModelFiles& files) {
  for (const std::string& path : {files.acoustic + "/mdef", files.language_model, files.dictionary}) {
    std::error_code ignored;
    if (!std::filesystem::is_regular_file(path, ignored)) {
      return Unexpected(ErrorCode::kUnavailable,
                        "The speech recognition model is incomplete: " + path + " is missing.");
    }
  }
  return Ok();
}

// The library's log callback. Its errors go to the Chorus log; its chatter (model parameters and
// per-utterance search statistics, hundreds of lines per decoder) does not. A fatal error is followed
// by the library calling exit(), so the log is flushed first.
void ForwardLibraryLog(void* /*user_data*/, err_lvl_t level, const char* format, ...) {
  if (level != ERR_ERROR && level != ERR_FATAL) return;
  char text[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  const log::Fields fields = {{"message", Trim(text)}};
  if (level == ERR_ERROR) {
    log::Warn("PocketSphinx reported an error", fields);
    return;
  }
  log::Error("PocketSphinx failed fatally and ends the process", fields);
  log::Shutdown();
}

// Once per process, before the first decoder (see Open in the header for why not -logfn).
void RouteLibraryLog() {
  static std::once_flag once;
  std::call_once(once, [] {
    err_set_callback(ForwardLibraryLog, nullptr);
    err_set_logfp(nullptr);  // the configuration dump is written to the log FILE, not through the callback
  });
}

Result<DecoderPtr> LoadDecoder(const ModelFiles& files) {
  // -remove_silence no: the library's silence removal shifts frame numbers (see the header).
  ConfigPtr config(cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", files.acoustic.c_str(), "-lm",
                               files.language_model.c_str(), "-dict", files.dictionary.c_str(), "-remove_silence", "no",
                               static_cast<const char*>(nullptr)));
  if (config == nullptr) return Unexpected(ErrorCode::kInternal, "PocketSphinx rejected its configuration.");
  DecoderPtr decoder(ps_init(config.get()));  // keeps its own reference to the configuration
  if (decoder == nullptr) {
    return Unexpected(ErrorCode::kUnavailable,
                      "The speech recognition model could not be loaded from " + files.acoustic + ".");
  }
  return decoder;
}

}  // namespace

// At most max_decoders decoders, loaded on demand and kept for reuse. Thread-safe.
class PocketSphinxDecoderPool {
 public:
  // A decoder on loan to one caller; it goes back to the pool when the lease ends.
  class Lease {
   public:
    Lease(PocketSphinxDecoderPool& pool, DecoderPtr decoder) : pool_(&pool), decoder_(std::move(decoder)) {}
    Lease(Lease&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)), decoder_(std::move(other.decoder_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Return(std::move(decoder_));
    }
    ps_decoder_t* Decoder() const { return decoder_.get(); }
    // The decoder failed and is not to be reused: it is freed, and the pool may load another.
    void Discard() { decoder_.reset(); }

   private:
    PocketSphinxDecoderPool* pool_;
    DecoderPtr decoder_;
  };

  PocketSphinxDecoderPool(ModelFiles files, int max_decoders) : files_(std::move(files)), max_(max_decoders) {}

  // An idle decoder, else a newly loaded one while fewer than max_decoders exist, else waits for one.
  Result<Lease> Acquire() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty() || loaded_ < max_; });
    if (!idle_.empty()) {
      DecoderPtr decoder = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(decoder));
    }
    ++loaded_;  // counted while loading, so that no other caller loads one past the limit
    lock.unlock();
    Result<DecoderPtr> loaded = LoadDecoder(files_);  // ~0.4 s: not under the lock
    if (!loaded) {
      Return(nullptr);
      return Unexpected(std::move(loaded).error());
    }
    return Lease(*this, std::move(*loaded));
  }

  int Loaded() const {
    std::lock_guard lock(mutex_);
    return loaded_;
  }

 private:
  // A null decoder was discarded or failed to load: its place is free.
  void Return(DecoderPtr decoder) {
    {
      std::lock_guard lock(mutex_);
      if (decoder != nullptr) {
        idle_.push_back(std::move(decoder));
      } else {
        --loaded_;
      }
    }
    returned_.notify_one();
  }

  const ModelFiles files_;
  const int max_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<DecoderPtr> idle_;  // guarded by mutex_
  int loaded_ = 0;                // idle, on loan or loading; guarded by mutex_; never above max_
};

namespace {

// ---- Decoding -----------------------------------------------------------------------------------

// Silence, breath, noise and sentence markers: "<s>", "</s>", "<sil>", "[NOISE]", "++UH++".
bool IsFiller(std::string_view word) {
  return word.empty() || word.front() == '<' || word.front() == '[' || word.starts_with("++");
}

// "the(2)" (an alternative pronunciation) is "the".
std::string CleanWord(std::string_view word) {
  const size_t paren = word.find('(');
  if (paren != word.npos && paren > 0 && word.back() == ')') word = word.substr(0, paren);
  return ToLower(word);
}

RecognizedSegment SegmentOf(std::vector<RecognizedWord> words) {
  RecognizedSegment segment{.start = words.front().start, .end = words.back().end};
  double confidence_sum = 0;
  for (const RecognizedWord& w : words) {
    if (!segment.text.empty()) segment.text += ' ';
    segment.text += w.word;
    confidence_sum += w.confidence;
  }
  segment.confidence = confidence_sum / static_cast<double>(words.size());
  segment.words = std::move(words);
  return segment;
}

// Decodes one utterance as a whole (full_utt: cepstral mean normalisation over all of it). Nothing when
// only fillers were heard.
Result<std::optional<RecognizedSegment>> Decode(ps_decoder_t* ps, const Utterance& utterance) {
  if (ps_start_utt(ps) < 0 || ps_process_raw(ps, utterance.samples.data(), utterance.samples.size(), FALSE, TRUE) < 0 ||
      ps_end_utt(ps) < 0) {
    return Unexpected(ErrorCode::kInternal, "The speech recogniser (PocketSphinx) failed to decode the audio.");
  }
  const double offset = static_cast<double>(utterance.first_sample) / kSttSampleRate;
  const double end = offset + static_cast<double>(utterance.samples.size()) / kSttSampleRate;
  logmath_t* logmath = ps_get_logmath(ps);
  std::vector<RecognizedWord> words;
  for (ps_seg_t* seg = ps_seg_iter(ps); seg != nullptr; seg = ps_seg_next(seg)) {
    const char* word = ps_seg_word(seg);
    if (word == nullptr || IsFiller(word)) continue;
    int first_frame = 0;
    int last_frame = 0;  // inclusive
    ps_seg_frames(seg, &first_frame, &last_frame);
    const double probability = logmath_exp(logmath, ps_seg_prob(seg, nullptr, nullptr, nullptr));
    // Clamped so that a word never ends past the audio (the last frame may be partial).
    const double start = std::min(offset + first_frame * kFrameSeconds, end - kFrameSeconds);
    const double stop = std::max(offset + (last_frame + 1) * kFrameSeconds, start + kFrameSeconds);
    words.push_back({.word = CleanWord(word),
                     .start = start,
                     .end = std::min(stop, end),
                     .confidence = std::clamp(probability, 0.0, 1.0)});
  }
  if (words.empty()) return std::optional<RecognizedSegment>();
  return std::optional<RecognizedSegment>(SegmentOf(std::move(words)));
}

Transcript Assemble(std::vector<RecognizedSegment> segments, int64_t samples) {
  Transcript transcript{.language = "en", .duration = static_cast<double>(samples) / kSttSampleRate};
  double weighted = 0;
  double seconds = 0;
  for (const RecognizedSegment& segment : segments) {
    if (!transcript.text.empty()) transcript.text += ' ';
    transcript.text += segment.text;
    for (const RecognizedWord& w : segment.words) {
      weighted += w.confidence * (w.end - w.start);
      seconds += w.end - w.start;
    }
  }
  transcript.confidence = seconds > 0 ? weighted / seconds : 0;
  transcript.segments = std::move(segments);
  return transcript;
}

Status CheckLanguage(const std::string& language) {
  const std::string lower = ToLower(language);
  if (lower.empty() || lower == "en" || lower == "en-us") return Ok();
  return Unexpected(ErrorCode::kInvalidArgument,
                    "Speech recognition supports English (\"en\") only, not '" + language + "'.", "language");
}

int Frames(double seconds) { return static_cast<int>(std::lround(seconds * 100)); }

// One Transcribe call: reads the source, splits it, and decodes the utterances on a pooled decoder.
class Recognition {
 public:
  Recognition(PocketSphinxDecoderPool& pool, const PcmSource& source, const ProgressSink& progress)
      : pool_(pool), source_(source), progress_(progress) {}

  Result<Transcript> Run(const PocketSphinxOptions& options) {
    // Whether the audio is longer than a short clip decides how it is split, so that much is read first.
    const auto short_clip = static_cast<size_t>(options.short_clip_seconds * kSttSampleRate);
    std::vector<int16_t> head;
    bool more = true;
    while (more && head.size() <= short_clip) {
      CHORUS_ASSIGN_OR_RETURN(more, ReadChunk(head));
    }
    const SplitPolicy policy{.cut = more,
                             .pause_frames = Frames(options.pause_seconds),
                             .min_frames = Frames(options.min_utterance_seconds),
                             .max_frames = Frames(options.max_utterance_seconds)};
    UtteranceSplitter splitter(policy, QuietPercentileDb(head));
    std::vector<Utterance> done;
    splitter.Add(head, done);
    head = {};
    std::vector<int16_t> chunk;
    while (more) {
      CHORUS_TRY(DecodeAll(done));
      chunk.clear();
      CHORUS_ASSIGN_OR_RETURN(more, ReadChunk(chunk));
      splitter.Add(chunk, done);
    }
    splitter.Finish(done);
    CHORUS_TRY(DecodeAll(done));
    return Assemble(std::move(segments_), samples_read_);
  }

 private:
  // Appends up to one chunk from the source to `into`; false at the end of the audio.
  Result<bool> ReadChunk(std::vector<int16_t>& into) {
    const size_t old_size = into.size();
    into.resize(old_size + kChunkSamples);
    CHORUS_ASSIGN_OR_RETURN(const size_t count, source_(std::span<int16_t>(into).subspan(old_size)));
    if (count > kChunkSamples) return Unexpected(ErrorCode::kInternal, "The audio source overran its buffer.");
    into.resize(old_size + count);
    if (count == 0) return false;
    samples_read_ += static_cast<int64_t>(count);
    if (progress_ && !progress_(static_cast<double>(samples_read_) / kSttSampleRate)) {
      return Unexpected(ErrorCode::kCancelled, "The transcription was cancelled.");
    }
    return true;
  }

  // Holds a decoder only while there is something to decode, not while the source is read: a source
  // that delivers in real time (a live stream) keeps a decoder busy ~30% of the time, and silence never
  // needs one. Decoding is the same on any decoder: with whole utterances (full_utt), cepstral mean
  // normalisation is computed per utterance and nothing carries over from the one before.
  Status DecodeAll(std::vector<Utterance>& utterances) {
    if (utterances.empty()) return Ok();
    CHORUS_ASSIGN_OR_RETURN(PocketSphinxDecoderPool::Lease lease, pool_.Acquire());
    for (const Utterance& utterance : utterances) {
      Result<std::optional<RecognizedSegment>> segment = Decode(lease.Decoder(), utterance);
      if (!segment) {
        lease.Discard();  // its state after a failure is unknown
        return Unexpected(std::move(segment).error());
      }
      if (*segment) segments_.push_back(std::move(**segment));
    }
    utterances.clear();
    return Ok();
  }

  PocketSphinxDecoderPool& pool_;
  const PcmSource& source_;
  const ProgressSink& progress_;
  int64_t samples_read_ = 0;
  std::vector<RecognizedSegment> segments_;
};

Status CheckOptions(const PocketSphinxOptions& o) {
  const auto invalid = [](std::string message) { return Unexpected(ErrorCode::kInvalidArgument, std::move(message)); };
  if (o.max_decoders < 1) return invalid("PocketSphinx needs at least one decoder.");
  if (!(o.short_clip_seconds > 0 && o.short_clip_seconds <= o.max_utterance_seconds)) {
    return invalid("The short clip limit must be positive and no longer than the longest utterance.");
  }
  if (!(o.pause_seconds >= 0.05)) return invalid("The pause that ends an utterance must be at least 50 ms.");
  if (!(o.max_utterance_seconds >= 1 && o.max_utterance_seconds <= 120)) {
    return invalid("The longest utterance must be between 1 and 120 seconds.");
  }
  if (!(o.min_utterance_seconds >= 0 && o.min_utterance_seconds <= o.max_utterance_seconds)) {
    return invalid("The shortest utterance that a pause ends must be between 0 and the longest.");
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<PocketSphinxEngine>> PocketSphinxEngine::Open(PocketSphinxOptions options) {
  CHORUS_TRY(CheckOptions(options));
  ModelFiles files = FilesIn(options.model_dir);
  CHORUS_TRY(CheckModelFiles(files));
  RouteLibraryLog();
  auto pool = std::make_unique<PocketSphinxDecoderPool>(std::move(files), options.max_decoders);
  {
    CHORUS_ASSIGN_OR_RETURN(PocketSphinxDecoderPool::Lease first, pool->Acquire());  // kept in the pool
  }
  return std::unique_ptr<PocketSphinxEngine>(new PocketSphinxEngine(std::move(options), std::move(pool)));
}

PocketSphinxEngine::PocketSphinxEngine(PocketSphinxOptions options, std::unique_ptr<PocketSphinxDecoderPool> pool)
    : options_(std::move(options)), pool_(std::move(pool)) {}

PocketSphinxEngine::~PocketSphinxEngine() = default;

int PocketSphinxEngine::LoadedDecodersForTest() const { return pool_->Loaded(); }

Result<Transcript> PocketSphinxEngine::Transcribe(const PcmSource& source, const RecognitionSettings& settings,
                                                  const ProgressSink& progress) {
  CHORUS_TRY(CheckLanguage(settings.language));
  return Recognition(*pool_, source, progress).Run(options_);
}

}  // namespace chorus::engines
