#include "engines/alignment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engines/espeak_engine.h"

namespace chorus::engines {

EspeakEngine& SharedEspeakForTest();  // espeak_engine_test.cpp

namespace {

bool IsOneCodePoint(const std::string& s) {
  if (s.empty()) return false;
  size_t leads = 0;
  for (unsigned char c : s) leads += (c & 0xC0) != 0x80;
  return leads == 1 || s.size() == 1;  // one sequence, or one stray byte
}

// The contract of Align, whatever the events.
void ExpectInvariants(std::string_view text, const Alignment& a, double duration) {
  const CharacterAlignment& c = a.characters;
  ASSERT_EQ(c.characters.size(), c.start_times.size());
  ASSERT_EQ(c.characters.size(), c.end_times.size());
  std::string joined;
  for (size_t i = 0; i < c.characters.size(); ++i) {
    joined += c.characters[i];
    EXPECT_TRUE(IsOneCodePoint(c.characters[i])) << i;
    EXPECT_GE(c.start_times[i], 0.0);
    EXPECT_LE(c.end_times[i], duration);
    EXPECT_LE(c.start_times[i], c.end_times[i]) << i;
    if (i > 0) {
      EXPECT_GE(c.start_times[i], c.start_times[i - 1]) << i;
      EXPECT_GE(c.start_times[i], c.end_times[i - 1]) << i;  // no overlaps either
    }
  }
  EXPECT_EQ(joined, text);
  size_t from = 0;
  for (size_t i = 0; i < a.words.size(); ++i) {
    const WordTiming& w = a.words[i];
    EXPECT_FALSE(w.word.empty());
    const size_t at = text.find(w.word, from);
    EXPECT_NE(at, std::string_view::npos) << w.word;  // the words appear in order
    if (at != std::string_view::npos) from = at + w.word.size();
    EXPECT_GE(w.start, 0.0);
    EXPECT_LE(w.start, w.end);
    EXPECT_LE(w.end, duration);
    if (i > 0) {
      EXPECT_GE(w.start, a.words[i - 1].end);
    }
  }
}

void ExpectNear(const WordTiming& w, std::string_view word, double start, double end) {
  EXPECT_EQ(w.word, word);
  EXPECT_NEAR(w.start, start, 1e-9) << word;
  EXPECT_NEAR(w.end, end, 1e-9) << word;
}

TEST(Alignment, OneEventForTwoWordsIsSplitByCharacterCount) {
  const std::string text = "end of the road";
  const std::vector<WordEvent> events = {{0, 3, 0.0}, {4, 2, 0.3}, {11, 4, 0.8}};
  const Alignment a = Align(text, events, 1.2);
  ExpectInvariants(text, a, 1.2);
  ASSERT_EQ(a.words.size(), 4u);
  ExpectNear(a.words[0], "end", 0.0, 0.3);
  ExpectNear(a.words[1], "of", 0.3, 0.5);
  ExpectNear(a.words[2], "the", 0.5, 0.8);
  ExpectNear(a.words[3], "road", 0.8, 1.2);
  // The space after "end" takes no time, at the boundary.
  EXPECT_EQ(a.characters.characters[3], " ");
  EXPECT_DOUBLE_EQ(a.characters.start_times[3], 0.3);
  EXPECT_DOUBLE_EQ(a.characters.end_times[3], 0.3);
  EXPECT_NEAR(a.characters.end_times[4] - a.characters.start_times[4], 0.1, 1e-9);  // "o" of "of"
}

TEST(Alignment, PunctuationAndSpacesAroundWordsTakeNoTime) {
  const std::string text = "  (really)!  ";
  const Alignment a = Align(text, {{3, 6, 0.1}}, 1.0);
  ExpectInvariants(text, a, 1.0);
  ASSERT_EQ(a.words.size(), 1u);
  ExpectNear(a.words[0], "really", 0.1, 1.0);
  const CharacterAlignment& c = a.characters;
  for (size_t i : {0, 1, 2}) EXPECT_EQ(c.end_times[i], 0.0);  // before the first event: at 0
  for (size_t i = 9; i < c.characters.size(); ++i) EXPECT_EQ(c.start_times[i], 1.0) << i;
}

TEST(Alignment, WithoutEventsTheWholeTextSpansTheAudio) {
  const Alignment a = Align("hello world", {}, 1.0);
  ExpectInvariants("hello world", a, 1.0);
  ASSERT_EQ(a.words.size(), 2u);
  ExpectNear(a.words[0], "hello", 0.0, 0.5);
  ExpectNear(a.words[1], "world", 0.5, 1.0);
}

TEST(Alignment, ASymbolWithAnEventIsSpoken) {
  const std::string text = "salt & pepper";
  const Alignment a = Align(text, {{0, 4, 0.0}, {5, 1, 0.4}, {7, 6, 0.6}}, 1.2);
  ExpectInvariants(text, a, 1.2);
  ASSERT_EQ(a.words.size(), 3u);
  ExpectNear(a.words[1], "&", 0.4, 0.6);
  const Alignment dash = Align("well — known", {{0, 4, 0.0}, {5, 3, 0.3}, {9, 5, 0.5}}, 1.0);
  ASSERT_EQ(dash.words.size(), 3u);
  EXPECT_EQ(dash.words[1].word, "—");
}

TEST(Alignment, WordsSplitWhereAnEventStartsInsideAToken) {
  const std::string text = "it's 50% off";
  const Alignment a = Align(text, {{0, 2, 0.0}, {5, 2, 0.2}, {7, 1, 0.6}, {9, 3, 0.8}}, 1.0);
  ExpectInvariants(text, a, 1.0);
  ASSERT_EQ(a.words.size(), 4u);
  ExpectNear(a.words[0], "it's", 0.0, 0.2);
  ExpectNear(a.words[1], "50", 0.2, 0.6);
  ExpectNear(a.words[2], "%", 0.6, 0.8);
}

TEST(Alignment, AnEventOnASpaceIsIgnored) {
  const std::string text = "party 🎉 in";
  const Alignment a = Align(text, {{0, 5, 0.0}, {6, 4, 0.4}, {10, 1, 0.7}, {11, 2, 0.9}}, 1.0);
  ExpectInvariants(text, a, 1.0);
  ASSERT_EQ(a.words.size(), 3u);
  ExpectNear(a.words[1], "🎉", 0.4, 0.9);
}

TEST(Alignment, UnicodeCharactersAreCodePointsAndShareTheirWordsSpan) {
  const std::string text = "Ça coûte 5 €";
  const Alignment a = Align(text, {{0, 3, 0.0}, {4, 6, 0.2}, {11, 1, 0.5}, {13, 3, 0.7}}, 1.0);
  ExpectInvariants(text, a, 1.0);
  EXPECT_EQ(a.characters.characters.size(), 12u);
  EXPECT_EQ(a.characters.characters[0], "Ç");
  EXPECT_EQ(a.characters.characters[11], "€");
  ASSERT_EQ(a.words.size(), 4u);
  ExpectNear(a.words[1], "coûte", 0.2, 0.5);
  ExpectNear(a.words[3], "€", 0.7, 1.0);
}

TEST(Alignment, MessyEventsStillGiveAValidAlignment) {
  const std::string text = "Ça, \xFF broken\xE2\x82 text 1234.";
  const std::vector<WordEvent> events = {
      {1, 2, 0.2},     // inside "Ç": moves to its start
      {0, 2, 0.1},     // before the previous one: ignored
      {7, 6, NAN},     // no time: clamped
      {9, 3, 0.1},     // inside the previous span: ignored
      {21, 4, 5.0},    // past the audio: clamped to the end
      {22, 1, 0.9},    // inside "1234": ignored
      {1000, 3, 0.5},  // past the text: ignored
  };
  for (double duration : {0.0, 1.0, -1.0, double{NAN}}) {
    const Alignment a = Align(text, events, duration);
    ExpectInvariants(text, a, std::isnan(duration) ? 0.0 : std::max(0.0, duration));
  }
}

TEST(Alignment, EmptyTextGivesEmptyAlignment) {
  const Alignment a = Align("", {{0, 1, 0.0}}, 1.0);
  EXPECT_TRUE(a.characters.characters.empty());
  EXPECT_TRUE(a.words.empty());
}

TEST(Alignment, AlignCharactersAndAlignWordsAgreeWithAlign) {
  const std::string text = "go forward";
  const std::vector<WordEvent> events = {{0, 2, 0.0}, {3, 7, 0.2}};
  EXPECT_EQ(AlignCharacters(text, events, 1.0).end_times, Align(text, events, 1.0).characters.end_times);
  EXPECT_EQ(AlignWords(text, events, 1.0).size(), 2u);
}

// Real espeak-ng events over many kinds of text: the contract holds and each word starts in the audio.
TEST(Alignment, HoldsOverRealSynthesis) {
  struct Case {
    std::string text;
    std::string voice;
  };
  const std::vector<Case> cases = {
      {"go forward ten meters", "en-us"},
      {"  leading and trailing spaces   ", "en-us"},
      {"Hello, world! How are you? (Fine, thanks.)", "en-us"},
      {"The year 1984 had 365 days; pi is 3.14159 and 1,000,000 is a million.", "en-us"},
      {"Pneumonoultramicroscopicsilicovolcanoconiosis is a very long word.", "en"},
      {"Ça coûte 5 €, naïve café", "fr"},
      {"Größe, Übermut und Äpfel — schön!", "de"},
      {"end of the road... and \"quoted\" words -- with dashes", "en-us"},
      {"I'd say it's 50% off & free @ noon #1", "en-us"},
      {"?!", "en-us"},
      {"Emoji 🎉 in text", "en-us"},
  };
  EspeakEngine& engine = SharedEspeakForTest();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    size_t samples = 0;
    auto result = engine.Synthesize(c.text, {.voice = c.voice}, [&](std::span<const int16_t> s) {
      samples += s.size();
      return true;
    });
    ASSERT_TRUE(result.has_value()) << result.error().message;
    const double duration = static_cast<double>(samples) / engine.sample_rate();
    const Alignment a = Align(c.text, result->words, duration);
    ExpectInvariants(c.text, a, duration);
    for (const WordTiming& w : a.words) EXPECT_LT(w.start, duration) << w.word;
    for (const WordEvent& e : result->words) EXPECT_LT(e.start_seconds, duration);
  }
}

}  // namespace
}  // namespace chorus::engines
