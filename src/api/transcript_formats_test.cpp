#include "api/transcript_formats.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace chorus::api {
namespace {

namespace json = boost::json;

engines::Transcript Sample() {
  engines::Transcript t{.text = "go forward ten meters and --> stop", .language = "en", .duration = 3725.5};
  t.segments.push_back({.start = 0.25, .end = 1.5, .text = "go forward ten meters",
                        .words = {{"go", 0.25, 0.5, 0.9}, {"forward", 0.5, 1.0, 0.8}, {"ten", 1.0, 1.2, 0.7},
                                  {"meters", 1.2, 1.5, 0.6}},
                        .confidence = 0.75});
  t.segments.push_back({.start = 3723.0, .end = 3725.5, .text = "and --> stop\nnow",
                        .words = {{"and", 3723.0, 3724.0, 1.0}, {"stop", 3724.0, 3725.5, 0.5}},
                        .confidence = 0.75});
  return t;
}

TEST(TranscriptFormatsTest, CueTimesHaveHoursMinutesSecondsAndMilliseconds) {
  EXPECT_EQ(SrtTime(0), "00:00:00,000");
  EXPECT_EQ(SrtTime(3725.5), "01:02:05,500");
  EXPECT_EQ(VttTime(59.9996), "00:01:00.000");
  EXPECT_EQ(VttTime(-1), "00:00:00.000");
}

TEST(TranscriptFormatsTest, SrtNumbersCuesAndKeepsEachOnItsLines) {
  const auto srt = RenderTranscript(Sample(), TranscriptFormat::kSrt);
  EXPECT_EQ(srt.body,
            "1\n00:00:00,250 --> 00:00:01,500\ngo forward ten meters\n\n"
            "2\n01:02:03,000 --> 01:02:05,500\nand --> stop now\n\n");
}

TEST(TranscriptFormatsTest, VttHasItsHeaderAndNoArrowInsideACue) {
  const auto vtt = RenderTranscript(Sample(), TranscriptFormat::kVtt);
  EXPECT_EQ(vtt.content_type, "text/vtt; charset=utf-8");
  EXPECT_EQ(vtt.body,
            "WEBVTT\n\n00:00:00.250 --> 00:00:01.500\ngo forward ten meters\n\n"
            "01:02:03.000 --> 01:02:05.500\nand -> stop now\n\n");
}

TEST(TranscriptFormatsTest, VerboseJsonHasOpenAisShape) {
  const auto r = RenderTranscript(Sample(), TranscriptFormat::kVerboseJson, {.segments = true, .words = true});
  const json::object o = json::parse(r.body).as_object();
  EXPECT_EQ(o.at("task"), "transcribe");
  EXPECT_EQ(o.at("language"), "english");
  EXPECT_DOUBLE_EQ(o.at("duration").as_double(), 3725.5);
  const auto& segments = o.at("segments").as_array();
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[1].at("id").as_int64(), 1);
  EXPECT_EQ(segments[0].at("text"), "go forward ten meters");
  const auto& words = o.at("words").as_array();
  ASSERT_EQ(words.size(), 6u);
  EXPECT_EQ(words[1].at("word"), "forward");
  EXPECT_DOUBLE_EQ(words[1].at("start").as_double(), 0.5);

  const auto only_words = RenderTranscript(Sample(), TranscriptFormat::kVerboseJson, {.segments = false, .words = true});
  EXPECT_FALSE(json::parse(only_words.body).as_object().contains("segments"));
  const auto plain = RenderTranscript(Sample(), TranscriptFormat::kVerboseJson);
  EXPECT_FALSE(json::parse(plain.body).as_object().contains("words"));
}

TEST(TranscriptFormatsTest, JsonAndTextCarryTheText) {
  EXPECT_EQ(json::parse(RenderTranscript(Sample(), TranscriptFormat::kJson).body).at("text").as_string(), Sample().text);
  EXPECT_EQ(RenderTranscript(Sample(), TranscriptFormat::kText).body, Sample().text + "\n");
}

TEST(TranscriptFormatsTest, UnknownFormatsNameTheParameter) {
  EXPECT_EQ(ParseTranscriptFormat("txt").value(), TranscriptFormat::kText);
  auto bad = ParseTranscriptFormat("docx", "format");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().param, "format");
}

}  // namespace
}  // namespace chorus::api
