#include "media/audio_decoder.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "media/audio_encoder.h"
#include "media/audio_probe.h"

namespace chorus::media {
namespace {

namespace fs = std::filesystem;

constexpr int kInputRate = 22050;
// Long enough that ±2% covers what ADTS cannot mark: AAC's 1,024 priming samples (46 ms at 22,050 Hz)
// and the padded last frame, which decoders play.
constexpr double kSeconds = 5.0;
constexpr int kOutputRate = 16000;

// A 200 Hz -> 2 kHz sweep: energy across the speech band, and no two stretches alike.
std::vector<int16_t> Sweep(double seconds, int rate) {
  std::vector<int16_t> samples(static_cast<size_t>(seconds * rate));
  const double rise = (2000.0 - 200.0) / seconds;
  for (size_t i = 0; i < samples.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double phase = 2.0 * std::numbers::pi * (200.0 * t + rise * t * t / 2);
    samples[i] = static_cast<int16_t>(12000.0 * std::sin(phase));
  }
  return samples;
}

std::string Encode(AudioFormat format, const std::vector<int16_t>& samples, int rate) {
  std::string out;
  auto encoder = AudioEncoder::Make(format, rate);
  EXPECT_TRUE(encoder.has_value()) << encoder.error().message;
  if (!encoder) return out;
  EXPECT_TRUE((*encoder)->Write(samples, out).has_value());
  EXPECT_TRUE((*encoder)->Finish(out).has_value());
  return out;
}

const std::string& SweepIn(AudioFormat format) {
  static std::map<AudioFormat, std::string> cache;
  auto [it, added] = cache.try_emplace(format);
  if (added) it->second = Encode(format, Sweep(kSeconds, kInputRate), kInputRate);
  return it->second;
}

// A canonical 44-byte PCM WAV header followed by `interleaved` 16-bit samples.
std::string Wav(const std::vector<int16_t>& interleaved, int rate, int channels) {
  std::string out;
  auto u16 = [&out](uint32_t v) {
    for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto u32 = [&out](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  const auto data_bytes = static_cast<uint32_t>(interleaved.size() * 2);
  out += "RIFF";
  u32(36 + data_bytes);
  out += "WAVEfmt ";
  u32(16);
  u16(1);  // PCM
  u16(static_cast<uint32_t>(channels));
  u32(static_cast<uint32_t>(rate));
  u32(static_cast<uint32_t>(rate * channels * 2));
  u16(static_cast<uint32_t>(channels * 2));
  u16(16);
  out += "data";
  u32(data_bytes);
  for (int16_t s : interleaved) u16(static_cast<uint16_t>(s));
  return out;
}

struct Decoded {
  std::vector<int16_t> pcm;
  DecodedInfo info;
  std::optional<Error> error;  // from Open or from a Read
  double seconds_decoded = 0;  // the decoder's own count

  double seconds(int rate = kOutputRate) const { return static_cast<double>(pcm.size()) / rate; }
  double rms() const {
    double sum = 0;
    for (int16_t s : pcm) sum += static_cast<double>(s) * s;
    return pcm.empty() ? 0 : std::sqrt(sum / static_cast<double>(pcm.size()));
  }
};

Decoded DecodeAll(const AudioSource& source, const DecodeOptions& options = {}, size_t chunk = 4096) {
  Decoded decoded;
  auto decoder = AudioDecoder::Open(source, options);
  if (!decoder) {
    decoded.error = decoder.error();
    return decoded;
  }
  decoded.info = (*decoder)->info();
  std::vector<int16_t> buffer(chunk);
  while (true) {
    auto count = (*decoder)->Read(buffer);
    if (!count) {
      decoded.error = count.error();
      break;
    }
    if (*count == 0) break;
    decoded.pcm.insert(decoded.pcm.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*count));
  }
  decoded.seconds_decoded = (*decoder)->seconds_decoded();
  return decoded;
}

Decoded DecodeBytes(std::string_view bytes, const DecodeOptions& options = {}) {
  return DecodeAll(AudioSource::Memory(bytes), options);
}

std::string ErrorText(const Decoded& d) { return d.error ? d.error->message : std::string("no error"); }

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "chorus-audio-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  fs::path Write(const std::string& name, std::string_view bytes) const {
    const fs::path file = path_ / name;
    std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return file;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool HaveFfmpegCli() { return std::system("ffmpeg -version > /dev/null 2>&1") == 0; }

// Runs the ffmpeg command-line tool on `in`; returns what it wrote to `out`, empty on failure.
std::string RunFfmpeg(const fs::path& in, const std::string& args, const fs::path& out) {
  const std::string command =
      "ffmpeg -nostdin -hide_banner -loglevel error -y -i '" + in.string() + "' " + args + " '" + out.string() + "'";
  if (std::system(command.c_str()) != 0) return {};
  return ReadFile(out);
}

// --- every format the encoder writes --------------------------------------------------------------

struct FormatCase {
  AudioFormat format;
  const char* container;
  const char* codec;
};

class DecodeEncoderOutput : public testing::TestWithParam<FormatCase> {};

TEST_P(DecodeEncoderOutput, DecodesTo16kHzMonoAtTheInputDuration) {
  const FormatCase& c = GetParam();
  const std::string& bytes = SweepIn(c.format);
  const Decoded d = DecodeBytes(bytes);
  ASSERT_FALSE(d.error) << ErrorText(d);
  EXPECT_EQ(d.info.format_name, c.container);
  EXPECT_EQ(d.info.codec, c.codec);
  EXPECT_EQ(d.info.source_channels, 1);
  EXPECT_NEAR(d.seconds(), kSeconds, kSeconds * 0.02);
  EXPECT_DOUBLE_EQ(d.seconds_decoded, d.seconds());
  EXPECT_GT(d.rms(), 4000.0) << "the sweep's energy must survive";
  // Resampling keeps the duration of what the codec decodes, flushed tail included.
  auto probed = ProbeAudio(bytes);
  ASSERT_TRUE(probed.has_value()) << probed.error().message;
  EXPECT_NEAR(d.seconds(), probed->duration_seconds, probed->duration_seconds * 0.01);
  std::printf("  %-4s %6zu bytes at %d Hz -> %.4f s at 16 kHz (decoded at source rate: %.4f s), rms %.0f\n",
              std::string(Extension(c.format)).c_str(), bytes.size(), d.info.source_sample_rate, d.seconds(),
              probed->duration_seconds, d.rms());
}

INSTANTIATE_TEST_SUITE_P(
    Formats, DecodeEncoderOutput,
    testing::Values(FormatCase{AudioFormat::kMp3, "mp3", "mp3"}, FormatCase{AudioFormat::kOpus, "ogg", "opus"},
                    FormatCase{AudioFormat::kAac, "aac", "aac"}, FormatCase{AudioFormat::kFlac, "flac", "flac"},
                    FormatCase{AudioFormat::kWav, "wav", "pcm_s16le"}),
    [](const testing::TestParamInfo<FormatCase>& param) { return std::string(Extension(param.param.format)); });

TEST(AudioDecoder, ResamplesToOtherRates) {
  for (int rate : {8000, 22050, 48000}) {
    SCOPED_TRACE(rate);
    const Decoded d = DecodeBytes(SweepIn(AudioFormat::kFlac), {.sample_rate = rate});
    ASSERT_FALSE(d.error) << ErrorText(d);
    EXPECT_NEAR(d.seconds(rate), kSeconds, kSeconds * 0.01);
  }
}

// --- containers the encoder does not write, made by the ffmpeg tool -------------------------------

TEST(AudioDecoder, DecodesContainersFromTheFfmpegTool) {
  if (!HaveFfmpegCli()) GTEST_SKIP() << "the ffmpeg command-line tool is not installed";
  TempDir dir;
  const fs::path wav = dir.Write("in.wav", SweepIn(AudioFormat::kWav));
  struct Case {
    const char* file;
    const char* args;
    const char* container;
    const char* codec;
  };
  const Case cases[] = {
      {"stereo.m4a", "-ac 2 -ar 44100 -c:a aac -b:a 96k", "mov,mp4,m4a,3gp,3g2,mj2", "aac"},
      {"voice.webm", "-c:a libopus -b:a 32k", "matroska,webm", "opus"},
      {"voice.opus", "-c:a libopus -b:a 32k", "ogg", "opus"},
      {"voice.ogg", "-ac 2 -c:a libvorbis", "ogg", "vorbis"},
      {"tagged.mp3", "-ar 44100 -c:a libmp3lame -b:a 64k -metadata title=x", "mp3", "mp3"},
      {"voice.mkv", "-c:a flac", "matroska,webm", "flac"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string bytes = RunFfmpeg(wav, c.args, dir.path() / c.file);
    ASSERT_FALSE(bytes.empty()) << "ffmpeg failed";
    const Decoded d = DecodeBytes(bytes);
    ASSERT_FALSE(d.error) << ErrorText(d);
    EXPECT_EQ(d.info.format_name, c.container);
    EXPECT_EQ(d.info.codec, c.codec);
    EXPECT_NEAR(d.seconds(), kSeconds, kSeconds * 0.02);
    EXPECT_GT(d.rms(), 4000.0);
    EXPECT_GT(d.info.declared_seconds, 0.0);
    std::printf("  %-10s %d ch at %d Hz -> %.4f s, rms %.0f\n", c.file, d.info.source_channels,
                d.info.source_sample_rate, d.seconds(), d.rms());
  }
}

// --- sources -------------------------------------------------------------------------------------

// An upload inside a stored multipart body: bytes before and after the part must never be read.
TEST(AudioDecoder, DecodesAByteRangeOfALargerFile) {
  TempDir dir;
  for (AudioFormat format : {AudioFormat::kMp3, AudioFormat::kWav, AudioFormat::kOpus}) {
    SCOPED_TRACE(Extension(format));
    const std::string& audio = SweepIn(format);
    // Garbage that looks like audio: mp3 frame syncs before, a WAV header and ID3v1 tag after.
    std::string before = "--boundary\r\nContent-Type: audio/mpeg\r\n\r\n";
    for (int i = 0; i < 300; ++i) before += "\xff\xfb\x90\x64";
    const std::string after =
        "\r\n--boundary--\r\n" + Wav(std::vector<int16_t>(16000, 9000), 16000, 1) + "TAG" + std::string(125, 'x');
    const fs::path body = dir.Write("body", before + audio + after);
    const Decoded ranged = DecodeAll(AudioSource::FileRange(body.string(), before.size(), audio.size()));
    const Decoded in_memory = DecodeBytes(audio);
    ASSERT_FALSE(ranged.error) << ErrorText(ranged);
    EXPECT_EQ(ranged.pcm, in_memory.pcm);
  }
}

TEST(AudioDecoder, ReadsInSmallChunksAsInLargeOnes) {
  for (AudioFormat format : {AudioFormat::kMp3, AudioFormat::kOpus, AudioFormat::kWav}) {
    SCOPED_TRACE(Extension(format));
    const Decoded small = DecodeAll(AudioSource::Memory(SweepIn(format)), {}, 100);
    const Decoded large = DecodeAll(AudioSource::Memory(SweepIn(format)), {}, 1 << 16);
    ASSERT_FALSE(small.error) << ErrorText(small);
    ASSERT_FALSE(large.error) << ErrorText(large);
    EXPECT_EQ(small.pcm, large.pcm);
  }
}

TEST(AudioDecoder, DecodesTheLibrivoxRecordings) {
  const fs::path dir = "/usr/share/pocketsphinx/test/data/librivox";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "pocketsphinx-testdata is not installed";
  int files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".wav") continue;
    SCOPED_TRACE(entry.path().filename().string());
    ++files;
    const auto size = static_cast<uint64_t>(entry.file_size());
    const Decoded d = DecodeAll(AudioSource::FileRange(entry.path().string(), 0, size));
    ASSERT_FALSE(d.error) << ErrorText(d);
    EXPECT_EQ(d.info.source_sample_rate, 16000);
    EXPECT_EQ(d.info.source_channels, 1);
    // Already 16 kHz mono s16: every sample passes through unchanged in number.
    auto probed = ProbeAudio(ReadFile(entry.path()));
    ASSERT_TRUE(probed.has_value());
    EXPECT_NEAR(d.seconds(), probed->duration_seconds, 1.0 / 16000);
    EXPECT_GT(d.rms(), 100.0);
  }
  EXPECT_GT(files, 0);
}

// WAV often has no channel order; the downmix must not depend on one.
TEST(AudioDecoder, DownmixesAnyChannelCountToMono) {
  for (int channels : {2, 3, 6}) {
    SCOPED_TRACE(channels);
    const std::vector<int16_t> tone = Sweep(2.0, 44100);
    std::vector<int16_t> interleaved(tone.size() * static_cast<size_t>(channels), 0);
    for (size_t i = 0; i < tone.size(); ++i) interleaved[i * static_cast<size_t>(channels)] = tone[i];
    const Decoded d = DecodeBytes(Wav(interleaved, 44100, channels));
    ASSERT_FALSE(d.error) << ErrorText(d);
    EXPECT_EQ(d.info.source_channels, channels);
    EXPECT_NEAR(d.seconds(), 2.0, 0.02);
    // The mean of one sweep and silent channels.
    EXPECT_NEAR(d.rms(), 12000.0 / std::sqrt(2.0) / channels, 12000.0 / channels * 0.1);
  }
}

TEST(AudioDecoder, DecodersOnDifferentThreadsAreIndependent) {
  const std::string& bytes = SweepIn(AudioFormat::kOpus);
  const Decoded expected = DecodeBytes(bytes);
  std::vector<Decoded> results(4);
  std::vector<std::thread> threads;
  for (Decoded& result : results) {
    threads.emplace_back([&result, &bytes] { result = DecodeBytes(bytes); });
  }
  for (std::thread& t : threads) t.join();
  for (const Decoded& result : results) EXPECT_EQ(result.pcm, expected.pcm);
}

// --- limits --------------------------------------------------------------------------------------

TEST(AudioDecoder, StopsOnceDecodedAudioPassesTheLimit) {
  // The WAV says "unknown length", the FLAC "total samples unknown": only decoded samples count. 5 s of
  // audio under a 1 s limit.
  for (AudioFormat format : {AudioFormat::kWav, AudioFormat::kFlac, AudioFormat::kMp3}) {
    SCOPED_TRACE(Extension(format));
    auto decoder = AudioDecoder::Open(AudioSource::Memory(SweepIn(format)), {.max_seconds = 1.0});
    ASSERT_TRUE(decoder.has_value()) << decoder.error().message;
    std::vector<int16_t> buffer(1000);
    Result<size_t> read = size_t{0};
    while ((read = (*decoder)->Read(buffer)) && *read > 0) {
    }
    ASSERT_FALSE(read.has_value()) << "all of the audio was read under a 1 s limit";
    EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(read.error().param, "file");
    EXPECT_EQ(read.error().message, "audio is longer than the limit of 1 second");
    EXPECT_LE((*decoder)->seconds_decoded(), 1.0);
    EXPECT_GT((*decoder)->seconds_decoded(), 0.8);
    auto again = (*decoder)->Read(buffer);
    ASSERT_FALSE(again.has_value()) << "errors are sticky";
    EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(AudioDecoder, AcceptsAudioJustUnderTheLimit) {
  const Decoded d = DecodeBytes(SweepIn(AudioFormat::kWav), {.max_seconds = kSeconds + 0.01});
  EXPECT_FALSE(d.error) << ErrorText(d);
}

TEST(AudioDecoder, RejectsOptionsOutOfRange) {
  const std::string& bytes = SweepIn(AudioFormat::kWav);
  for (DecodeOptions options : {DecodeOptions{.sample_rate = 0}, DecodeOptions{.sample_rate = 500000},
                                DecodeOptions{.max_seconds = 0}, DecodeOptions{.max_seconds = -1}}) {
    auto decoder = AudioDecoder::Open(AudioSource::Memory(bytes), options);
    ASSERT_FALSE(decoder.has_value());
    EXPECT_EQ(decoder.error().code, ErrorCode::kInvalidArgument);
  }
}

// --- hostile and broken input --------------------------------------------------------------------

void ExpectRejected(const Decoded& d, ErrorCode code, std::string_view says = {}) {
  ASSERT_TRUE(d.error) << "decoded " << d.seconds() << " s";
  EXPECT_EQ(d.error->code, code) << d.error->message;
  EXPECT_EQ(d.error->param, "file");
  if (!says.empty()) {
    EXPECT_NE(d.error->message.find(says), std::string::npos) << d.error->message;
  }
}

TEST(AudioDecoder, RejectsEmptyInput) {
  ExpectRejected(DecodeBytes(""), ErrorCode::kInvalidArgument, "empty");
  TempDir dir;
  const fs::path file = dir.Write("upload", "some bytes around nothing");
  ExpectRejected(DecodeAll(AudioSource::FileRange(file.string(), 5, 0)), ErrorCode::kInvalidArgument, "empty");
}

TEST(AudioDecoder, RejectsWhatIsNotAudio) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "This is a text file somebody renamed to speech.wav.\n";
  ExpectRejected(DecodeBytes(text), ErrorCode::kUnsupportedMedia, "not audio");
  ExpectRejected(DecodeBytes(Encode(AudioFormat::kPcm, Sweep(kSeconds, kInputRate), kInputRate)),
                 ErrorCode::kUnsupportedMedia);
  ExpectRejected(DecodeBytes("RIFF"), ErrorCode::kUnsupportedMedia);
}

// If these demuxers ran, they would read the named files: here the files exist and are valid audio,
// so only the refusal itself stops them.
TEST(AudioDecoder, RefusesPlaylistsAndConcatScripts) {
  TempDir dir;
  const fs::path wav = dir.Write("real.wav", SweepIn(AudioFormat::kWav));
  const std::string scripts[] = {
      "ffconcat version 1.0\nfile '/etc/passwd'\n",
      "ffconcat version 1.0\nfile '" + wav.string() + "'\n",
      "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://" + wav.string() + "\n#EXT-X-ENDLIST\n",
      "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/a.wav\n#EXT-X-ENDLIST\n",
      "#EXTM3U\n#EXTINF:3,\n" + wav.string() + "\n",
  };
  for (const std::string& script : scripts) {
    SCOPED_TRACE(script);
    ExpectRejected(DecodeBytes(script), ErrorCode::kUnsupportedMedia);
    const fs::path file = dir.Write("upload.m3u8", script);
    ExpectRejected(DecodeAll(AudioSource::FileRange(file.string(), 0, script.size())), ErrorCode::kUnsupportedMedia);
  }
}

TEST(AudioDecoder, TruncatedMp3DecodesWhatIsThere) {
  const std::string& mp3 = SweepIn(AudioFormat::kMp3);
  const Decoded d = DecodeBytes(std::string_view(mp3).substr(0, mp3.size() / 2));
  ASSERT_FALSE(d.error) << ErrorText(d);
  EXPECT_NEAR(d.seconds(), kSeconds / 2, kSeconds * 0.05);
}

TEST(AudioDecoder, WavHeaderWithoutSamplesIsRejected) {
  const std::string& wav = SweepIn(AudioFormat::kWav);
  // 40 bytes: the header stops inside the data chunk's header. 44: a complete header, no samples.
  ExpectRejected(DecodeBytes(std::string_view(wav).substr(0, 40)), ErrorCode::kInvalidArgument, "damaged");
  ExpectRejected(DecodeBytes(std::string_view(wav).substr(0, 44)), ErrorCode::kInvalidArgument, "no audio");
}

// Cut and corrupted at many places, every format either decodes (part of) its audio or says why;
// never a crash, a hang, or audio longer than it was.
TEST(AudioDecoder, SurvivesTruncationAndCorruption) {
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  for (AudioFormat format :
       {AudioFormat::kMp3, AudioFormat::kOpus, AudioFormat::kAac, AudioFormat::kFlac, AudioFormat::kWav}) {
    SCOPED_TRACE(Extension(format));
    const std::string& bytes = SweepIn(format);
    std::vector<std::string> inputs;
    for (size_t cut : {size_t{1}, size_t{7}, size_t{30}, size_t{100}, bytes.size() / 10, bytes.size() / 3}) {
      inputs.push_back(bytes.substr(0, cut));
    }
    for (int i = 0; i < 8; ++i) {
      std::string damaged = bytes;
      for (int j = 0; j < 20; ++j) damaged[next() % damaged.size()] = static_cast<char>(next());
      inputs.push_back(std::move(damaged));
    }
    for (const std::string& input : inputs) {
      const Decoded d = DecodeBytes(input);
      if (d.error) {
        EXPECT_TRUE(d.error->code == ErrorCode::kInvalidArgument || d.error->code == ErrorCode::kUnsupportedMedia)
            << d.error->message;
        EXPECT_EQ(d.error->param, "file");
      }
      EXPECT_LE(d.seconds(), kSeconds * 1.2);
    }
  }
  std::string noise(64 * 1024, '\0');
  for (char& c : noise) c = static_cast<char>(next() >> 24);
  const Decoded d = DecodeBytes(noise);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->code, ErrorCode::kUnsupportedMedia);
}

TEST(AudioDecoder, FileProblemsAreInternalErrors) {
  TempDir dir;
  const fs::path file = dir.Write("short", SweepIn(AudioFormat::kWav));
  const uint64_t size = fs::file_size(file);
  for (const AudioSource& source :
       {AudioSource::FileRange((dir.path() / "missing").string(), 0, 100),
        AudioSource::FileRange(file.string(), 0, size + 1), AudioSource::FileRange(file.string(), size + 10, 1)}) {
    auto decoder = AudioDecoder::Open(source);
    ASSERT_FALSE(decoder.has_value());
    EXPECT_EQ(decoder.error().code, ErrorCode::kInternal);
    EXPECT_EQ(decoder.error().message.find(dir.path().string()), std::string::npos) << "no paths in messages";
  }
}

}  // namespace
}  // namespace chorus::media
