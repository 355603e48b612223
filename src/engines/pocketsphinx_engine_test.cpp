#include "engines/pocketsphinx_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/strings.h"
#include "tests/support/word_error_rate.h"

namespace chorus::engines {
namespace {

using chorus::testing::WordErrorRate;

constexpr std::string_view kTestData = "/usr/share/pocketsphinx/test/data/";
constexpr std::string_view kLibrivox = "/usr/share/pocketsphinx/test/data/librivox/";
constexpr std::array<std::string_view, 5> kLibrivoxIds = {
    "sense_and_sensibility_01_austen_64kb-0870", "sense_and_sensibility_01_austen_64kb-0880",
    "sense_and_sensibility_01_austen_64kb-0890", "sense_and_sensibility_01_austen_64kb-0920",
    "sense_and_sensibility_01_austen_64kb-0930"};

// Appends `words` to `text` with one space between. (Not `text += " " + w`: GCC 12's -Wrestrict warns
// about that falsely.)
void AppendWords(std::string& text, std::string_view words) {
  if (!text.empty()) text += ' ';
  text += words;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<int16_t> ToSamples(std::string_view bytes) {
  std::vector<int16_t> samples(bytes.size() / 2);
  std::memcpy(samples.data(), bytes.data(), samples.size() * 2);  // s16le on a little-endian machine
  return samples;
}

uint32_t Le32(std::string_view bytes, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)]);
  return v;
}

// The samples of the "data" chunk of a 16 kHz mono s16 RIFF WAVE file.
std::vector<int16_t> ReadWav(const std::string& path) {
  const std::string file = ReadFile(path);
  EXPECT_EQ(file.substr(0, 4), "RIFF");
  EXPECT_EQ(file.substr(8, 4), "WAVE");
  for (size_t at = 12; at + 8 <= file.size();) {
    const uint32_t size = Le32(file, at + 4);
    if (file.compare(at, 4, "fmt ") == 0) {
      EXPECT_EQ(Le32(file, at + 12), static_cast<uint32_t>(kSttSampleRate)) << path;
    }
    if (file.compare(at, 4, "data") == 0) return ToSamples(std::string_view(file).substr(at + 8, size));
    at += 8 + size + (size & 1);
  }
  ADD_FAILURE() << "no data chunk in " << path;
  return {};
}

std::vector<int16_t> GoForward() { return ToSamples(ReadFile(std::string(kTestData) + "goforward.raw")); }

std::vector<int16_t> Librivox(std::string_view id) { return ReadWav(std::string(kLibrivox).append(id) + ".wav"); }

// The reference text of a librivox file, without <s> and </s>.
std::string Reference(std::string_view id) {
  std::istringstream lines(ReadFile(std::string(kLibrivox) + "transcription"));
  const std::string tag = std::string("(").append(id).append(")");
  for (std::string line; std::getline(lines, line);) {
    if (line.find(tag) == line.npos) continue;
    std::istringstream words(line);
    std::string text;
    for (std::string w; words >> w && w.front() != '(';) {
      if (w == "<s>" || w == "</s>") continue;
      AppendWords(text, w);
    }
    return text;
  }
  ADD_FAILURE() << "no transcription for " << id;
  return "";
}

std::vector<int16_t> Silence(double seconds) {
  return std::vector<int16_t>(static_cast<size_t>(seconds * kSttSampleRate), 0);
}

void Append(std::vector<int16_t>& to, const std::vector<int16_t>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

// Hands out `pcm` at most `per_call` samples at a time.
PcmSource SourceOf(const std::vector<int16_t>& pcm, size_t per_call = SIZE_MAX) {
  return [&pcm, per_call, at = size_t{0}](std::span<int16_t> out) mutable -> Result<size_t> {
    const size_t n = std::min({out.size(), pcm.size() - at, per_call});
    std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(at), n, out.begin());
    at += n;
    return n;
  };
}

PocketSphinxEngine& SharedEngine() {
  static std::unique_ptr<PocketSphinxEngine> engine = [] {
    auto opened = PocketSphinxEngine::Open();
    EXPECT_TRUE(opened.has_value()) << (opened ? "" : opened.error().message);
    return opened ? std::move(*opened) : nullptr;
  }();
  if (engine == nullptr) std::abort();
  return *engine;
}

Result<Transcript> Transcribe(const std::vector<int16_t>& pcm, const RecognitionSettings& settings = {},
                              PocketSphinxEngine& engine = SharedEngine()) {
  return engine.Transcribe(SourceOf(pcm), settings, nullptr);
}

Transcript TranscribeOk(const std::vector<int16_t>& pcm, PocketSphinxEngine& engine = SharedEngine()) {
  Result<Transcript> t = Transcribe(pcm, {}, engine);
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
  return t ? std::move(*t) : Transcript{};
}

// The promises of stt_engine.h about times, texts and confidences.
void ExpectWellFormed(const Transcript& t) {
  std::string text;
  double previous_end = 0;
  for (const RecognizedSegment& s : t.segments) {
    EXPECT_GE(s.start, previous_end);
    EXPECT_LT(s.start, s.end);
    EXPECT_LE(s.end, t.duration);
    EXPECT_GE(s.confidence, 0);
    EXPECT_LE(s.confidence, 1);
    ASSERT_FALSE(s.words.empty());
    std::string words;
    double word_end = s.start;
    for (const RecognizedWord& w : s.words) {
      EXPECT_GE(w.start, word_end) << w.word;
      EXPECT_LT(w.start, w.end) << w.word;
      EXPECT_LE(w.end, s.end) << w.word;
      EXPECT_GE(w.confidence, 0);
      EXPECT_LE(w.confidence, 1);
      EXPECT_EQ(w.word, ToLower(w.word));
      EXPECT_EQ(w.word.find_first_of("()<>[]+ "), std::string::npos) << w.word;
      word_end = w.end;
      AppendWords(words, w.word);
    }
    EXPECT_EQ(s.text, words);
    AppendWords(text, s.text);
    previous_end = s.end;
  }
  EXPECT_EQ(t.text, text);
  EXPECT_EQ(t.language, "en");
}

TEST(PocketSphinxEngine, RecognisesGoForwardAsOneTimedSegment) {
  const std::vector<int16_t> pcm = GoForward();
  const Transcript t = TranscribeOk(pcm);
  EXPECT_EQ(t.text, "go forward ten meters");
  EXPECT_NEAR(t.duration, static_cast<double>(pcm.size()) / kSttSampleRate, 1e-9);
  ASSERT_EQ(t.segments.size(), 1u);
  ASSERT_EQ(t.segments[0].words.size(), 4u);
  EXPECT_NEAR(t.segments[0].words[0].start, 0.46, 0.05);  // "go": frame 46 when decoded by itself
  EXPECT_GT(t.confidence, 0.3);
  ExpectWellFormed(t);
}

TEST(PocketSphinxEngine, WordTimesCountLeadingSilence) {
  std::vector<int16_t> pcm = Silence(2.0);
  Append(pcm, GoForward());
  const Transcript t = TranscribeOk(pcm);
  EXPECT_EQ(t.text, "go forward ten meters");
  ASSERT_EQ(t.segments.size(), 1u);
  EXPECT_NEAR(t.segments[0].words[0].start, 2.46, 0.05);
  ExpectWellFormed(t);
}

TEST(PocketSphinxEngine, LibrivoxWordErrorRate) {
  // Measured with the generic en-us language model: 0.125 to 0.41 per file, 0.30 over the five.
  std::string reference;
  std::string hypothesis;
  for (std::string_view id : kLibrivoxIds) {
    const Transcript t = TranscribeOk(Librivox(id));
    ExpectWellFormed(t);
    EXPECT_LT(WordErrorRate(Reference(id), t.text), 0.5) << id << ": " << t.text;
    AppendWords(reference, Reference(id));
    AppendWords(hypothesis, t.text);
  }
  EXPECT_LT(WordErrorRate(reference, hypothesis), 0.35) << hypothesis;
}

TEST(PocketSphinxEngine, LongAudioIsSplitAtPausesWithAbsoluteTimes) {
  // The five files twice with 2 s of silence between them: ~65 s, past the short-clip limit.
  std::vector<int16_t> pcm;
  std::vector<std::pair<double, double>> speech;  // where each file lies, in seconds
  std::string reference;
  for (int round = 0; round < 2; ++round) {
    for (std::string_view id : kLibrivoxIds) {
      if (!pcm.empty()) Append(pcm, Silence(2.0));
      const double start = static_cast<double>(pcm.size()) / kSttSampleRate;
      Append(pcm, Librivox(id));
      speech.emplace_back(start, static_cast<double>(pcm.size()) / kSttSampleRate);
      AppendWords(reference, Reference(id));
    }
  }
  const Transcript t = TranscribeOk(pcm);
  ExpectWellFormed(t);
  EXPECT_NEAR(t.duration, speech.back().second, 1e-9);
  EXPECT_GE(t.segments.size(), 5u);
  EXPECT_LT(WordErrorRate(reference, t.text), 0.35) << t.text;
  // Every word lies inside the file it was heard in: times are absolute, not per utterance.
  for (const RecognizedSegment& s : t.segments) {
    for (const RecognizedWord& w : s.words) {
      const bool inside = std::any_of(speech.begin(), speech.end(), [&](const auto& span) {
        return w.start >= span.first - 0.05 && w.end <= span.second + 0.05;
      });
      EXPECT_TRUE(inside) << w.word << " " << w.start << "-" << w.end;
    }
  }
}

TEST(PocketSphinxEngine, UnpausedSpeechIsCutAtItsQuietestFrame) {
  // No pause is long enough to cut at, so 7.1 s of speech must be cut where it is quietest.
  auto opened = PocketSphinxEngine::Open(
      {.max_decoders = 1, .short_clip_seconds = 2, .pause_seconds = 10, .max_utterance_seconds = 3});
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  const std::string_view id = kLibrivoxIds[0];
  const Transcript t = TranscribeOk(Librivox(id), **opened);
  ExpectWellFormed(t);
  EXPECT_GE(t.segments.size(), 3u);
  for (const RecognizedSegment& s : t.segments) EXPECT_LE(s.end - s.start, 3.0) << s.text;
  EXPECT_LT(WordErrorRate(Reference(id), t.text), 0.6) << t.text;
}

TEST(PocketSphinxEngine, SilenceGivesAnEmptyTranscript) {
  for (double seconds : {0.0, 0.005, 3.0, 45.0}) {
    const Transcript t = TranscribeOk(Silence(seconds));
    EXPECT_EQ(t.text, "") << seconds;
    EXPECT_TRUE(t.segments.empty()) << seconds;
    EXPECT_EQ(t.confidence, 0) << seconds;
    EXPECT_NEAR(t.duration, seconds, 1e-3);
  }
}

TEST(PocketSphinxEngine, SmallReadsGiveTheSameResult) {
  const std::vector<int16_t> pcm = GoForward();
  auto t = SharedEngine().Transcribe(SourceOf(pcm, 1001), {}, nullptr);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->text, "go forward ten meters");
}

TEST(PocketSphinxEngine, AcceptsEnglishOnly) {
  EXPECT_EQ(SharedEngine().languages(), std::vector<std::string>{"en"});
  const std::vector<int16_t> pcm = Silence(0.5);
  for (const char* language : {"", "en", "en-us", "en-US", "EN"}) {
    auto t = Transcribe(pcm, {.language = language});
    ASSERT_TRUE(t.has_value()) << language;
    EXPECT_EQ(t->language, "en");
  }
  for (const char* language : {"fr", "de", "en-gb-x", "english"}) {
    auto t = Transcribe(pcm, {.language = language});
    ASSERT_FALSE(t.has_value()) << language;
    EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(t.error().param, "language");
  }
}

TEST(PocketSphinxEngine, ReportsProgressAndStopsWhenAsked) {
  const std::vector<int16_t> pcm = GoForward();
  std::vector<double> reported;
  auto done = SharedEngine().Transcribe(SourceOf(pcm), {}, [&](double seconds) {
    reported.push_back(seconds);
    return true;
  });
  ASSERT_TRUE(done.has_value());
  ASSERT_GE(reported.size(), 5u);  // 2.8 s in 0.5 s chunks
  EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
  EXPECT_NEAR(reported.back(), done->duration, 1e-9);

  int calls = 0;
  auto stopped = SharedEngine().Transcribe(SourceOf(pcm), {}, [&](double) { return ++calls < 2; });
  ASSERT_FALSE(stopped.has_value());
  EXPECT_EQ(stopped.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(calls, 2);
}

TEST(PocketSphinxEngine, ReturnsTheSourcesError) {
  PcmSource failing = [](std::span<int16_t>) -> Result<size_t> {
    return Unexpected(ErrorCode::kDataLoss, "corrupt input");
  };
  auto t = SharedEngine().Transcribe(failing, {}, nullptr);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(t.error().message, "corrupt input");
}

TEST(PocketSphinxEngine, ConcurrentCallsShareAtMostMaxDecoders) {
  // Three callers, two decoders: all succeed, the third waits for a decoder.
  const std::vector<int16_t> go = GoForward();
  const std::string_view id = kLibrivoxIds[4];
  const std::vector<int16_t> librivox = Librivox(id);
  std::vector<Transcript> results(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = TranscribeOk(i == 1 ? librivox : go); });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(results[0].text, "go forward ten meters");
  EXPECT_LT(WordErrorRate(Reference(id), results[1].text), 0.2) << results[1].text;
  EXPECT_EQ(results[2].text, "go forward ten meters");
  EXPECT_LE(SharedEngine().LoadedDecodersForTest(), 2);
  EXPECT_GE(SharedEngine().LoadedDecodersForTest(), 1);
}

TEST(PocketSphinxEngine, CallsTakeTurnsOnOneDecoderWithoutAffectingEachOther) {
  // Past the short-clip limit, each call takes the decoder per batch of utterances, so two calls
  // interleave on one decoder; each must come out as it does alone.
  auto opened = PocketSphinxEngine::Open({.max_decoders = 1, .short_clip_seconds = 2});
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  PocketSphinxEngine& engine = **opened;
  std::vector<int16_t> first = GoForward();
  std::vector<int16_t> second;
  for (std::string_view id : {kLibrivoxIds[1], kLibrivoxIds[4]}) {
    Append(first, Silence(1.0));
    Append(first, Librivox(id));
    Append(second, Librivox(id));
    Append(second, Silence(1.0));
  }
  const Transcript first_alone = TranscribeOk(first, engine);
  const Transcript second_alone = TranscribeOk(second, engine);
  EXPECT_GE(first_alone.segments.size(), 3u);
  Transcript first_together;
  Transcript second_together;
  std::thread other([&] { second_together = TranscribeOk(second, engine); });
  first_together = TranscribeOk(first, engine);
  other.join();
  EXPECT_EQ(first_together.text, first_alone.text);
  EXPECT_EQ(second_together.text, second_alone.text);
  EXPECT_EQ(engine.LoadedDecodersForTest(), 1);
}

TEST(PocketSphinxEngine, MissingModelIsUnavailable) {
  auto opened = PocketSphinxEngine::Open({.model_dir = "/nonexistent/model"});
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
}

TEST(PocketSphinxEngine, RejectsOptionsOutOfRange) {
  for (const PocketSphinxOptions& options :
       {PocketSphinxOptions{.max_decoders = 0}, PocketSphinxOptions{.short_clip_seconds = 40},
        PocketSphinxOptions{.pause_seconds = 0}}) {
    auto opened = PocketSphinxEngine::Open(options);
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace chorus::engines
