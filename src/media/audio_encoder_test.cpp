#include "media/audio_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <numbers>
#include <vector>

#include "media/audio_probe.h"

namespace chorus::media {
namespace {

constexpr int kInputRate = 22050;
constexpr double kSeconds = 2.0;

std::vector<int16_t> Sine(double seconds, int rate, double hz = 440.0) {
  std::vector<int16_t> samples(static_cast<size_t>(seconds * rate));
  for (size_t i = 0; i < samples.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    samples[i] = static_cast<int16_t>(12000.0 * std::sin(2.0 * std::numbers::pi * hz * t));
  }
  return samples;
}

struct Encoded {
  std::string bytes;
  size_t header = 0;         // bytes out of an empty first Write: the container header alone
  size_t before_finish = 0;  // bytes that came out of Write, before Finish
  double first_audio = -1;   // seconds of input written when encoded audio first came out
};

// Feeds `samples` in chunks of ~50 ms, the way a speech engine hands over its output.
Encoded EncodeInChunks(AudioFormat format, const std::vector<int16_t>& samples, int rate) {
  Encoded result;
  auto encoder = AudioEncoder::Make(format, rate);
  EXPECT_TRUE(encoder.has_value()) << encoder.error().message;
  if (!encoder) return result;
  EXPECT_TRUE((*encoder)->Write({}, result.bytes).has_value());
  result.header = result.bytes.size();
  const size_t chunk = static_cast<size_t>(rate) / 20;
  std::span<const int16_t> rest(samples);
  while (!rest.empty()) {
    const size_t n = std::min(chunk, rest.size());
    Status written = (*encoder)->Write(rest.first(n), result.bytes);
    EXPECT_TRUE(written.has_value()) << written.error().message;
    rest = rest.subspan(n);
    if (result.first_audio < 0 && result.bytes.size() > result.header) {
      result.first_audio = static_cast<double>(samples.size() - rest.size()) / rate;
    }
  }
  result.before_finish = result.bytes.size();
  Status finished = (*encoder)->Finish(result.bytes);
  EXPECT_TRUE(finished.has_value()) << finished.error().message;
  return result;
}

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

struct Case {
  AudioFormat format;
  const char* container;  // ProbeAudio's format_name
  const char* codec;
};

class EncodeEveryFormat : public testing::TestWithParam<Case> {};

TEST_P(EncodeEveryFormat, StreamsBeforeFinishAndDecodesToTheInputDuration) {
  const Case& c = GetParam();
  const Encoded out = EncodeInChunks(c.format, Sine(kSeconds, kInputRate), kInputRate);
  ASSERT_FALSE(out.bytes.empty());
  // Encoded audio, not just the header, comes out while writing: the output streams.
  EXPECT_GT(out.before_finish, out.header);
  EXPECT_GE(out.first_audio, 0.0);
  EXPECT_LE(out.first_audio, 0.5);
  auto info = ProbeAudio(out.bytes);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->format_name, c.container);
  EXPECT_EQ(info->codec, c.codec);
  EXPECT_EQ(info->channels, 1);
  EXPECT_NEAR(info->duration_seconds, kSeconds, kSeconds * 0.05);
  std::printf(
      "  %-4s %6zu bytes: header %zu, %zu before Finish, first audio out after %.2f s "
      "of input; decodes to %.4f s at %d Hz\n",
      std::string(Extension(c.format)).c_str(), out.bytes.size(), out.header, out.before_finish, out.first_audio,
      info->duration_seconds, info->sample_rate);
}

INSTANTIATE_TEST_SUITE_P(Formats, EncodeEveryFormat,
                         testing::Values(Case{AudioFormat::kMp3, "mp3", "mp3"}, Case{AudioFormat::kOpus, "ogg", "opus"},
                                         Case{AudioFormat::kAac, "aac", "aac"},
                                         Case{AudioFormat::kFlac, "flac", "flac"},
                                         Case{AudioFormat::kWav, "wav", "pcm_s16le"}),
                         [](const testing::TestParamInfo<Case>& param) {
                           return std::string(Extension(param.param.format));
                         });

// Every input rate a speech engine might produce. AAC in ADTS has no way to mark its 1,024 priming
// samples, so decoders play them: at 8 kHz that alone is 0.128 s, hence the absolute tolerance.
TEST(AudioEncoder, EveryFormatAcceptsCommonInputRates) {
  for (int rate : {8000, 16000, 24000, 44100, 48000}) {
    for (AudioFormat format :
         {AudioFormat::kMp3, AudioFormat::kOpus, AudioFormat::kAac, AudioFormat::kFlac, AudioFormat::kWav}) {
      SCOPED_TRACE(std::string(Extension(format)) + " at " + std::to_string(rate));
      const Encoded out = EncodeInChunks(format, Sine(kSeconds, rate), rate);
      auto info = ProbeAudio(out.bytes);
      ASSERT_TRUE(info.has_value()) << info.error().message;
      EXPECT_NEAR(info->duration_seconds, kSeconds, 0.2);
    }
  }
}

TEST(AudioEncoder, PcmIsRaw24kHzLittleEndian) {
  const Encoded out = EncodeInChunks(AudioFormat::kPcm, Sine(kSeconds, kInputRate), kInputRate);
  EXPECT_EQ(out.header, 0u);
  EXPECT_GT(out.before_finish, 0u);
  const double expected = kSeconds * 24000 * 2;
  EXPECT_NEAR(static_cast<double>(out.bytes.size()), expected, expected * 0.01);
  EXPECT_EQ(out.bytes.size() % 2, 0u);
  EXPECT_FALSE(ProbeAudio(out.bytes).has_value()) << "headerless data must not be guessed at";
  auto encoder = AudioEncoder::Make(AudioFormat::kPcm, 16000);
  ASSERT_TRUE(encoder.has_value());
  EXPECT_EQ((*encoder)->output_rate(), 24000);
}

TEST(AudioEncoder, WavHeaderDeclaresUnknownSizesForStreaming) {
  const Encoded out = EncodeInChunks(AudioFormat::kWav, Sine(kSeconds, kInputRate), kInputRate);
  ASSERT_GE(out.bytes.size(), 44u);
  const std::string unknown(4, '\xff');
  EXPECT_EQ(out.bytes.substr(0, 4), "RIFF");
  EXPECT_EQ(out.bytes.substr(4, 4), unknown);
  EXPECT_EQ(out.bytes.substr(8, 8), "WAVEfmt ");
  EXPECT_EQ(out.bytes.substr(36, 4), "data");
  EXPECT_EQ(out.bytes.substr(40, 4), unknown);
  EXPECT_EQ(out.bytes.size(), 44u + static_cast<size_t>(kSeconds * kInputRate) * 2);
}

TEST(AudioEncoder, HeaderOnlyStreamsAreValid) {
  for (AudioFormat format : {AudioFormat::kMp3, AudioFormat::kOpus, AudioFormat::kAac, AudioFormat::kFlac,
                             AudioFormat::kWav, AudioFormat::kPcm}) {
    SCOPED_TRACE(Extension(format));
    auto encoder = AudioEncoder::Make(format, kInputRate);
    ASSERT_TRUE(encoder.has_value()) << encoder.error().message;
    std::string out;
    EXPECT_TRUE((*encoder)->Write({}, out).has_value());
    EXPECT_TRUE((*encoder)->Finish(out).has_value());
  }
}

TEST(AudioEncoder, CallsAfterFinishFail) {
  auto encoder = AudioEncoder::Make(AudioFormat::kMp3, kInputRate);
  ASSERT_TRUE(encoder.has_value());
  std::string out;
  ASSERT_TRUE((*encoder)->Finish(out).has_value());
  const std::vector<int16_t> samples(100);
  Status again = (*encoder)->Write(samples, out);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE((*encoder)->Finish(out).has_value());
}

TEST(AudioEncoder, RejectsUnusableInputRates) {
  for (int rate : {0, -1, 999, 1'000'000}) {
    auto encoder = AudioEncoder::Make(AudioFormat::kOpus, rate);
    ASSERT_FALSE(encoder.has_value()) << rate;
    EXPECT_EQ(encoder.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(AudioFormatNames, RoundTripWithContentTypes) {
  const std::pair<AudioFormat, std::string_view> expected[] = {
      {AudioFormat::kMp3, "audio/mpeg"},  {AudioFormat::kOpus, "audio/ogg"}, {AudioFormat::kAac, "audio/aac"},
      {AudioFormat::kFlac, "audio/flac"}, {AudioFormat::kWav, "audio/wav"},  {AudioFormat::kPcm, "audio/pcm"}};
  for (const auto& [format, content_type] : expected) {
    auto parsed = ParseAudioFormat(Extension(format));
    ASSERT_TRUE(parsed.has_value()) << Extension(format);
    EXPECT_EQ(*parsed, format);
    EXPECT_EQ(ContentType(format), content_type);
  }
}

TEST(AudioFormatNames, UnknownNameNamesTheParameter) {
  for (std::string_view name : {"ogg", "MP3", "", "wave"}) {
    auto parsed = ParseAudioFormat(name);
    ASSERT_FALSE(parsed.has_value()) << name;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().param, "response_format");
  }
}

TEST(ProbeAudio, RefusesEmptyAndUnrecognisedData) {
  EXPECT_EQ(ProbeAudio("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ProbeAudio(std::string(4096, 'x')).has_value());
  // Playlists and concat lists would make FFmpeg open other files or URLs; probing never does.
  EXPECT_FALSE(ProbeAudio("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
                          "file:///etc/passwd\n#EXT-X-ENDLIST\n")
                   .has_value());
  // concat opens relative names itself, past io_open: only the container whitelist stops it.
  EXPECT_FALSE(ProbeAudio("ffconcat version 1.0\nfile a.wav\n").has_value());
}

// Not a benchmark gate: prints seconds of audio encoded per CPU second for the report.
TEST(AudioEncoder, EncodeSpeed) {
  constexpr double kLong = 30.0;
  const std::vector<int16_t> samples = Sine(kLong, kInputRate);
  for (AudioFormat format : {AudioFormat::kMp3, AudioFormat::kOpus, AudioFormat::kAac, AudioFormat::kFlac}) {
    const double start = CpuSeconds();
    const Encoded out = EncodeInChunks(format, samples, kInputRate);
    const double cpu = CpuSeconds() - start;
    ASSERT_FALSE(out.bytes.empty());
    std::printf("  %-4s %.0f s of %d Hz audio in %.3f CPU s: %.0fx real time, %.1f kbit/s\n",
                std::string(Extension(format)).c_str(), kLong, kInputRate, cpu, kLong / cpu,
                static_cast<double>(out.bytes.size()) * 8 / kLong / 1000);
  }
}

}  // namespace
}  // namespace chorus::media
