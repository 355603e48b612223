#include "engines/espeak_engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace chorus::engines {

// One engine for the whole test binary (espeak-ng allows one per process); alignment_test uses it too.
EspeakEngine& SharedEspeakForTest() {
  static std::unique_ptr<EspeakEngine> engine = [] {
    auto opened = EspeakEngine::Open();
    EXPECT_TRUE(opened.has_value()) << (opened ? "" : opened.error().message);
    return opened ? std::move(*opened) : nullptr;
  }();
  if (engine == nullptr) std::abort();
  return *engine;
}

namespace {

struct Collected {
  SynthesisResult result;
  std::vector<int16_t> pcm;
  size_t chunks = 0;
  double seconds = 0;
};

Collected Speak(std::string_view text, SynthesisSettings settings = {}) {
  EspeakEngine& engine = SharedEspeakForTest();
  Collected c;
  auto result = engine.Synthesize(text, settings, [&](std::span<const int16_t> samples) {
    c.pcm.insert(c.pcm.end(), samples.begin(), samples.end());
    ++c.chunks;
    return true;
  });
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
  if (result) c.result = std::move(*result);
  c.seconds = static_cast<double>(c.pcm.size()) / engine.sample_rate();
  return c;
}

std::string Spanned(std::string_view text, const WordEvent& w) {
  return std::string(text.substr(w.text_offset, w.text_length));
}

double Rms(const std::vector<int16_t>& pcm, size_t from, size_t count) {
  double sum = 0;
  size_t n = 0;
  for (size_t i = from; i < std::min(pcm.size(), from + count); ++i, ++n) sum += static_cast<double>(pcm[i]) * pcm[i];
  return n == 0 ? 0 : std::sqrt(sum / static_cast<double>(n));
}

TEST(EspeakEngine, OpensWithVoicesAndSampleRate) {
  EspeakEngine& engine = SharedEspeakForTest();
  EXPECT_EQ(engine.sample_rate(), 22050);
  for (const char* id : {"en-us", "en", "de", "fr"}) {
    bool found = false;
    for (const Voice& v : engine.voices()) found = found || v.id == id;
    EXPECT_TRUE(found) << id;
  }
  for (const Voice& v : engine.voices()) {
    if (v.id == "en-us") {
      EXPECT_EQ(v.name, "English (America)");
      EXPECT_EQ(v.language, "en-us");
    }
  }
}

TEST(EspeakEngine, SecondOpenInTheSameProcessIsUnavailable) {
  SharedEspeakForTest();
  auto second = EspeakEngine::Open();
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

TEST(EspeakEngine, SynthesizesAudioInChunksWithWordEvents) {
  const std::string text = "go forward ten meters";
  Collected c = Speak(text);
  EXPECT_FALSE(c.result.stopped);
  EXPECT_EQ(c.result.samples, c.pcm.size());
  EXPECT_GT(c.seconds, 1.0);
  EXPECT_LT(c.seconds, 3.0);
  EXPECT_GT(c.chunks, 10u);  // ~60 ms each, not all at once
  ASSERT_EQ(c.result.words.size(), 4u);
  const std::vector<std::string> expected = {"go", "forward", "ten", "meters"};
  const std::vector<size_t> offsets = {0, 3, 11, 15};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.result.words[i].text_offset, offsets[i]);
    EXPECT_EQ(Spanned(text, c.result.words[i]), expected[i]);
    if (i > 0) {
      EXPECT_GT(c.result.words[i].start_seconds, c.result.words[i - 1].start_seconds);
    }
    EXPECT_LT(c.result.words[i].start_seconds, c.seconds);
  }
  EXPECT_LT(c.result.words[0].start_seconds, 0.05);
}

TEST(EspeakEngine, ThereIsSpeechAtEachWordStart) {
  Collected c = Speak("go forward ten meters, then turn left at the red door");
  ASSERT_GE(c.result.words.size(), 10u);
  // 100 ms, not less: "ten", "turn" and "door" open with ~40 ms of closure silence before the burst,
  // and every word with ~10 ms of gap.
  const size_t window = 22050 / 10;
  for (const WordEvent& w : c.result.words) {
    const auto at = static_cast<size_t>(w.start_seconds * 22050);
    EXPECT_GT(Rms(c.pcm, at, window), 300) << "word at " << w.start_seconds << " s";
  }
  // The pause at the comma, just before "then", is silence by the same measure.
  const auto then = static_cast<size_t>(c.result.words[4].start_seconds * 22050);
  EXPECT_LT(Rms(c.pcm, then - window / 2, window / 2), 50);
}

TEST(EspeakEngine, ReportsUnicodeWordsAsByteOffsets) {
  const std::string text = "Ça coûte 5 €, naïve café";
  Collected c = Speak(text, {.voice = "fr"});
  ASSERT_EQ(c.result.words.size(), 6u);
  const std::vector<std::string> expected = {"Ça", "coûte", "5", "€", "naïve", "café"};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(Spanned(text, c.result.words[i]), expected[i]);
  EXPECT_EQ(c.result.words[3].text_offset, text.find("€"));
}

TEST(EspeakEngine, NumbersAndElidedWordsGiveCleanEvents) {
  const std::string text = "  the end of the road. And 1234 more, (really)!  ";
  Collected c = Speak(text);
  std::vector<std::string> words;
  for (size_t i = 0; i < c.result.words.size(); ++i) {
    words.push_back(Spanned(text, c.result.words[i]));
    if (i == 0) continue;
    const WordEvent& prev = c.result.words[i - 1];
    EXPECT_GE(c.result.words[i].text_offset, prev.text_offset + prev.text_length);
    EXPECT_GE(c.result.words[i].start_seconds, prev.start_seconds);
  }
  // espeak says "of the" with one event and reads "1234" as several words at one place.
  EXPECT_EQ(words, (std::vector<std::string>{"the", "end", "of", "road", "And", "1234", "more", "really"}));
  // After an emoji espeak reports a word on the following space; it is dropped.
  const std::string emoji = "Emoji 🎉 in text";
  words.clear();
  for (const WordEvent& w : Speak(emoji).result.words) words.push_back(Spanned(emoji, w));
  EXPECT_EQ(words, (std::vector<std::string>{"Emoji", "🎉", "in", "text"}));
}

TEST(EspeakEngine, RejectsBadRequestsWithTheParamAtFault) {
  EspeakEngine& engine = SharedEspeakForTest();
  const PcmSink sink = [](std::span<const int16_t>) { return true; };
  struct Case {
    std::string text;
    std::string param;  // the one at fault
  };
  const std::vector<Case> cases = {
      {"hello", "voice"}, {"", "input"},      {"bad \xC3", "input"}, {std::string("a\0b", 3), "input"},
      {"hello", "speed"}, {"hello", "pitch"}, {"hello", "volume"}};
  for (const Case& c : cases) {
    SynthesisSettings settings;
    if (c.param == "voice") settings.voice = "xx-nope";
    if (c.param == "speed") settings.speed = std::nan("");
    if (c.param == "pitch") settings.pitch = 101;
    if (c.param == "volume") settings.volume = -1;
    auto result = engine.Synthesize(c.text, settings, sink);
    ASSERT_FALSE(result.has_value()) << c.param;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().param, c.param);
  }
}

TEST(EspeakEngine, SinkReturningFalseStopsEarlyAndTheEngineRecovers) {
  EspeakEngine& engine = SharedEspeakForTest();
  size_t received = 0;
  auto result = engine.Synthesize("this sentence is long enough to need many chunks of audio", {},
                                  [&](std::span<const int16_t> samples) {
                                    received += samples.size();
                                    return received < 3000;
                                  });
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->stopped);
  EXPECT_EQ(result->samples, received);
  EXPECT_LT(received, 6000u);
  Collected after = Speak("go forward ten meters");
  EXPECT_FALSE(after.result.stopped);
  EXPECT_EQ(after.result.words.size(), 4u);
  EXPECT_GT(after.seconds, 1.0);
}

TEST(EspeakEngine, AThrowingSinkIsAnInternalError) {
  auto result = SharedEspeakForTest().Synthesize(
      "hello", {}, [](std::span<const int16_t>) -> bool { throw std::runtime_error("consumer bug"); });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInternal);
}

TEST(EspeakEngine, SpeedChangesTheLength) {
  const double normal = Speak("go forward ten meters").seconds;
  const double fast = Speak("go forward ten meters", {.speed = 2.0}).seconds;
  const double slow = Speak("go forward ten meters", {.speed = 0.5}).seconds;
  EXPECT_GT(slow, normal * 1.5);
  EXPECT_TRUE(SharedEspeakForTest().Synthesize("hi", {.speed = 0.1}, [](auto) { return true; }).error().param ==
              "speed");
  EXPECT_LT(fast, normal * 0.7);
  EXPECT_EQ(EspeakEngine::WordsPerMinute(1.0), 175);
  EXPECT_EQ(EspeakEngine::WordsPerMinute(0.25), 80);
  EXPECT_EQ(EspeakEngine::WordsPerMinute(4.0), 450);
}

TEST(EspeakEngine, ConcurrentCallersQueueAndAllSucceed) {
  constexpr int kRounds = 5;
  std::vector<std::vector<Collected>> per_thread(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const bool english = t == 0;
        per_thread[t].push_back(
            Speak(english ? "go forward ten meters" : "Ça coûte 5 €", {.voice = english ? "en-us" : "fr"}));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 2; ++t) {
    ASSERT_EQ(per_thread[t].size(), size_t{kRounds});
    for (const Collected& c : per_thread[t]) {
      EXPECT_FALSE(c.result.stopped);
      EXPECT_GT(c.seconds, 0.5);
      EXPECT_EQ(c.result.words.size(), 4u);
    }
  }
}

}  // namespace
}  // namespace chorus::engines
