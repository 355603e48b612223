#include "engines/espeak_engine.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>
#include <future>

#include "base/strings.h"

namespace chorus::engines {
namespace {

// Set while an EspeakEngine exists: the library's state is per process.
std::atomic<bool> g_engine_open{false};

// A WORD event as espeak reports it: 1-based code point position and length, time in ms.
struct RawWord {
  int position;
  int length;
  int audio_ms;
};

// The synthesis in progress on the espeak thread, for the callback (which has no context argument
// in synchronous mode other than per-event user data).
struct Job {
  const PcmSink& sink;
  SynthesisResult result;
  std::vector<RawWord> raw_words;
  bool sink_threw = false;
};
thread_local Job* t_job = nullptr;

int OnSynth(short* wav, int count, espeak_EVENT* events) {
  Job* job = t_job;
  if (job == nullptr) return 1;
  for (; events != nullptr && events->type != espeakEVENT_LIST_TERMINATED; ++events) {
    if (events->type == espeakEVENT_WORD) {
      job->raw_words.push_back({events->text_position, events->length, events->audio_position});
    }
  }
  if (wav == nullptr || count <= 0) return 0;
  job->result.samples += static_cast<size_t>(count);
  bool more = false;
  try {
    more = job->sink(std::span<const int16_t>(wav, static_cast<size_t>(count)));
  } catch (...) {  // must not unwind through the C library
    job->sink_threw = true;
    return 1;
  }
  if (!more) job->result.stopped = true;
  return more ? 0 : 1;
}

// Byte offset of each code point of `text`, plus text.size() at the end.
std::vector<size_t> CodePointOffsets(std::string_view text) {
  std::vector<size_t> offsets;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets.push_back(i);
  }
  offsets.push_back(text.size());
  return offsets;
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// espeak's word events as byte spans, in the shape WordEvent promises: strictly increasing offsets,
// no overlaps, non-decreasing times. espeak repeats or overlaps positions inside numbers ("1234" gave
// five events, four at the second digit): those that start inside the previous span are dropped, and
// so are those that span only spaces.
std::vector<WordEvent> ToWordEvents(std::string_view text, const std::vector<RawWord>& raw) {
  const std::vector<size_t> offsets = CodePointOffsets(text);
  const size_t code_points = offsets.size() - 1;
  std::vector<WordEvent> words;
  size_t covered_to = 0;  // end of the last kept span, in bytes
  for (const RawWord& r : raw) {
    if (r.position < 1 || static_cast<size_t>(r.position) > code_points) continue;
    const size_t first = static_cast<size_t>(r.position) - 1;
    const size_t last = std::min(code_points, first + static_cast<size_t>(std::max(r.length, 1)));
    const size_t begin = offsets[first];
    if (!words.empty() && begin < covered_to) continue;
    if (IsBlank(text.substr(begin, offsets[last] - begin))) continue;  // after an emoji, one came on a space
    double start = std::max(0, r.audio_ms) / 1000.0;
    if (!words.empty()) start = std::max(start, words.back().start_seconds);
    words.push_back({.text_offset = begin, .text_length = offsets[last] - begin, .start_seconds = start});
    covered_to = offsets[last];
  }
  return words;
}

std::string GenderName(unsigned char gender) {
  if (gender == 1) return "male";
  if (gender == 2) return "female";
  return "";
}

// The voices espeak finds, named by the file they come from ("gmw/en-US" is "en-us"), which is what
// espeak_SetVoiceByName matches. MBROLA voices need an external program and are left out.
std::vector<Voice> ListVoices() {
  std::vector<Voice> voices;
  const espeak_VOICE** list = espeak_ListVoices(nullptr);
  for (; list != nullptr && *list != nullptr; ++list) {
    const espeak_VOICE& v = **list;
    if (v.identifier == nullptr || std::strncmp(v.identifier, "mb/", 3) == 0) continue;
    const std::string_view file(v.identifier);
    const size_t slash = file.rfind('/');
    Voice voice{.id = ToLower(slash == file.npos ? file : file.substr(slash + 1)),
                .name = v.name != nullptr ? v.name : "",
                // languages: a priority byte, then a NUL-terminated name; the first is the main one.
                .language = v.languages != nullptr && v.languages[0] != 0 ? ToLower(v.languages + 1) : "",
                .gender = GenderName(v.gender)};
    voices.push_back(std::move(voice));
  }
  std::sort(voices.begin(), voices.end(), [](const Voice& a, const Voice& b) { return a.id < b.id; });
  return voices;
}

Unexpected Invalid(std::string message, std::string param) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(message), std::move(param));
}

}  // namespace

int EspeakEngine::WordsPerMinute(double speed) {
  const double wpm = std::round(kNormalWordsPerMinute * speed);
  return static_cast<int>(std::clamp(wpm, double{kMinWordsPerMinute}, double{kMaxWordsPerMinute}));
}

Result<std::unique_ptr<EspeakEngine>> EspeakEngine::Open(std::string data_path) {
  if (g_engine_open.exchange(true)) {
    return Unexpected(ErrorCode::kUnavailable, "espeak-ng is already open in this process.");
  }
  std::unique_ptr<EspeakEngine> engine(new EspeakEngine());  // releases g_engine_open when destroyed
  std::promise<Status> opened;
  engine->Post([&] { opened.set_value(engine->Initialize(data_path)); });
  CHORUS_TRY(opened.get_future().get());
  return engine;
}

EspeakEngine::EspeakEngine() : thread_([this] { Loop(); }) {}

EspeakEngine::~EspeakEngine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  g_engine_open.store(false);
}

void EspeakEngine::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void EspeakEngine::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and the queue is drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

Status EspeakEngine::Initialize(const std::string& data_path) {
  // DONT_EXIT: without it a failed initialisation calls exit().
  const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, kChunkMilliseconds,
                                     data_path.empty() ? nullptr : data_path.c_str(), espeakINITIALIZE_DONT_EXIT);
  if (rate <= 0) {
    return Unexpected(ErrorCode::kUnavailable,
                      "The speech engine (espeak-ng) could not start: its voice data is missing.");
  }
  espeak_SetSynthCallback(OnSynth);
  std::vector<Voice> voices = ListVoices();
  if (voices.empty()) return Unexpected(ErrorCode::kUnavailable, "The speech engine (espeak-ng) found no voices.");
  sample_rate_ = rate;
  voices_ = std::move(voices);
  return Ok();
}

Status EspeakEngine::Validate(std::string_view text, const SynthesisSettings& s) const {
  if (text.empty()) return Invalid("The text to speak is empty.", "input");
  if (!IsValidUtf8(text)) return Invalid("The text to speak is not valid UTF-8.", "input");
  if (text.find('\0') != text.npos) return Invalid("The text to speak contains a NUL character.", "input");
  if (!(s.speed >= 0.25 && s.speed <= 4.0)) return Invalid("The speed must be between 0.25 and 4.0.", "speed");
  if (s.pitch < 0 || s.pitch > 100) return Invalid("The pitch must be between 0 and 100.", "pitch");
  if (s.volume < 0 || s.volume > 200) return Invalid("The volume must be between 0 and 200.", "volume");
  const bool known = std::any_of(voices_.begin(), voices_.end(), [&](const Voice& v) { return v.id == s.voice; });
  if (!known) return Invalid("'" + s.voice + "' is not an espeak-ng voice.", "voice");
  return Ok();
}

Result<SynthesisResult> EspeakEngine::Synthesize(std::string_view text, const SynthesisSettings& settings,
                                                 const PcmSink& sink) {
  if (sample_rate_ <= 0) return Unexpected(ErrorCode::kUnavailable, "The speech engine is not open.");
  CHORUS_TRY(Validate(text, settings));
  const std::string copy(text);  // NUL-terminated for espeak
  std::promise<Result<SynthesisResult>> done;
  Post([&] { done.set_value(Run(copy, settings, sink)); });
  return done.get_future().get();
}

Result<SynthesisResult> EspeakEngine::Run(const std::string& text, const SynthesisSettings& settings,
                                          const PcmSink& sink) {
  // Every setting is applied on every job: the library remembers them between calls.
  if (espeak_SetVoiceByName(settings.voice.c_str()) != EE_OK) {
    return Invalid("'" + settings.voice + "' is not an espeak-ng voice.", "voice");
  }
  espeak_SetParameter(espeakRATE, WordsPerMinute(settings.speed), 0);
  espeak_SetParameter(espeakPITCH, settings.pitch, 0);
  espeak_SetParameter(espeakVOLUME, settings.volume, 0);

  Job job{.sink = sink};
  t_job = &job;
  const espeak_ERROR status =
      espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, nullptr);
  t_job = nullptr;
  if (job.sink_threw) return Unexpected(ErrorCode::kInternal, "The audio consumer failed during synthesis.");
  if (status != EE_OK) {
    return Unexpected(ErrorCode::kInternal, "The speech engine (espeak-ng) failed to synthesise the text.");
  }
  job.result.words = ToWordEvents(text, job.raw_words);
  return std::move(job.result);
}

}  // namespace chorus::engines
