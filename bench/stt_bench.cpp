// Speech-to-text figures (issue 6) against the same engine's own CLI, pocketsphinx_continuous, on the
// librivox test files: real-time factor, word error rate, and the throughput of two concurrent
// recognitions against one. (Peak RSS against audio length is measured by bench/stt.sh on the binary.)
#include <fmt/format.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engines/pocketsphinx_engine.h"
#include "media/audio_decoder.h"
#include "tests/support/word_error_rate.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using namespace chorus;
namespace fs = std::filesystem;

const fs::path kLibrivox = "/usr/share/pocketsphinx/test/data/librivox";
const char* kIds[] = {"0870", "0880", "0890", "0920", "0930"};

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

fs::path FileOf(const char* id) { return kLibrivox / fmt::format("sense_and_sensibility_01_austen_64kb-{}.wav", id); }

double AudioSeconds(const fs::path& wav) { return static_cast<double>(fs::file_size(wav) - 44) / 32000; }

std::string Reference(const char* id) {
  std::ifstream in(kLibrivox / "transcription");
  for (std::string line; std::getline(in, line);) {
    if (line.find(id) != std::string::npos) return line.substr(0, line.rfind(" ("));
  }
  return "";
}

// Runs the CLI on `wav`; returns its wall time and writes its transcript to `text`.
double Cli(const fs::path& wav, std::string& text) {
  const fs::path out = fs::temp_directory_path() / fmt::format("stt-bench-{}.txt", getpid());
  std::vector<std::string> args = {"pocketsphinx_continuous", "-infile", wav.string(), "-logfn", "/dev/null"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    std::fprintf(stderr, "cannot run pocketsphinx_continuous (package pocketsphinx)\n");
    std::exit(1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const double seconds = Since(start);
  posix_spawn_file_actions_destroy(&actions);
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  fs::remove(out);
  return seconds;
}

// Decodes and recognises `source` as the service does; returns the wall time.
double Ours(engines::SttEngine& engine, const media::AudioSource& source, std::string& text) {
  const auto start = Clock::now();
  auto decoder = media::AudioDecoder::Open(source);
  if (!decoder) {
    std::fprintf(stderr, "decode: %s\n", decoder.error().message.c_str());
    std::exit(1);
  }
  engines::PcmSource pcm = [&](std::span<int16_t> out) { return (*decoder)->Read(out); };
  auto transcript = engine.Transcribe(pcm, {}, {});
  if (!transcript) {
    std::fprintf(stderr, "transcribe: %s\n", transcript.error().message.c_str());
    std::exit(1);
  }
  text = transcript->text;
  return Since(start);
}

template <typename F>
double BestOf(int n, F run) {
  double best = 1e9;
  for (int i = 0; i < n; ++i) best = std::min(best, run());
  return best;
}

// The five files one after another with half a second of silence between, as one WAV in memory.
std::string Concatenated(int repeats) {
  std::string pcm;
  for (int r = 0; r < repeats; ++r) {
    for (const char* id : kIds) {
      std::ifstream in(FileOf(id), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      pcm += ss.str().substr(44) + std::string(16000, '\0');
    }
  }
  auto le32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
  const auto size = static_cast<uint32_t>(pcm.size());
  return "RIFF" + le32(36 + size) + "WAVEfmt " + le32(16) + std::string("\x01\0\x01\0", 4) + le32(16000) + le32(32000) +
         std::string("\x02\0\x10\0", 4) + "data" + le32(size) + pcm;
}

}  // namespace

int main() {
  auto engine = engines::PocketSphinxEngine::Open({.max_decoders = 2});
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.error().message.c_str());
    return 1;
  }

  std::printf("%-6s %7s %9s %9s %7s %7s\n", "file", "audio s", "chorus s", "cli s", "WER", "cli WER");
  double audio = 0, ours_total = 0, cli_total = 0;
  size_t words = 0, ours_errors = 0, cli_errors = 0;
  for (const char* id : kIds) {
    const fs::path wav = FileOf(id);
    const auto reference = testing::ScoredWords(Reference(id));
    std::string ours_text, cli_text;
    const media::AudioSource source = media::AudioSource::FileRange(wav.string(), 0, fs::file_size(wav));
    const double ours = BestOf(3, [&] { return Ours(**engine, source, ours_text); });
    const double cli = BestOf(3, [&] { return Cli(wav, cli_text); });
    const size_t e_ours = testing::WordEditDistance(reference, testing::ScoredWords(ours_text));
    const size_t e_cli = testing::WordEditDistance(reference, testing::ScoredWords(cli_text));
    std::printf("%-6s %7.2f %9.3f %9.3f %7.3f %7.3f\n", id, AudioSeconds(wav), ours, cli,
                static_cast<double>(e_ours) / reference.size(), static_cast<double>(e_cli) / reference.size());
    audio += AudioSeconds(wav);
    ours_total += ours;
    cli_total += cli;
    words += reference.size();
    ours_errors += e_ours;
    cli_errors += e_cli;
  }
  // The CLI loads its model on every run: its load time, measured on a tenth of a second of audio.
  const fs::path tiny = fs::temp_directory_path() / fmt::format("stt-bench-tiny-{}.wav", getpid());
  {
    const std::string wav = Concatenated(1);
    std::string head = wav.substr(0, 44) + std::string(3200, '\0');
    const uint32_t size = 3200;
    for (int i = 0; i < 4; ++i) head[40 + i] = static_cast<char>(size >> (8 * i));
    std::ofstream(tiny, std::ios::binary) << head;
  }
  std::string ignored;
  const double cli_load = BestOf(3, [&] { return Cli(tiny, ignored); });
  fs::remove(tiny);
  const double cli_work = cli_total - cli_load * std::size(kIds);
  std::printf("\nreal-time factor: chorus %.3f (model loaded once)   cli %.3f with its model load per file, "
              "%.3f without (load %.2f s)\n",
              ours_total / audio, cli_total / audio, cli_work / audio, cli_load);
  std::printf("chorus time / cli time without load: %.2fx (target <= 1.1x)\n", ours_total / cli_work);
  std::printf("word error rate: chorus %.3f   cli %.3f   difference %+.1f points (target <= +1)\n",
              static_cast<double>(ours_errors) / words, static_cast<double>(cli_errors) / words,
              100.0 * (static_cast<double>(ours_errors) - static_cast<double>(cli_errors)) / words);

  // Throughput: one recognition of ~2 minutes of speech, then two at once (two decoders, 2 cores).
  const std::string long_wav = Concatenated(3);
  const media::AudioSource long_source = media::AudioSource::Memory(long_wav);
  const double long_audio = static_cast<double>(long_wav.size() - 44) / 32000;
  std::string text;
  (void)Ours(**engine, long_source, text);  // warms the caches and the second decoder's pages
  const double one = BestOf(3, [&] { return Ours(**engine, long_source, text); });
  const double two = BestOf(3, [&] {
    const auto start = Clock::now();
    std::thread other([&] {
      std::string t;
      (void)Ours(**engine, long_source, t);
    });
    std::string t;
    (void)Ours(**engine, long_source, t);
    other.join();
    return Since(start);
  });
  std::printf("\nconcurrency on %u cores, %.0f s of audio each (best of 3): one %.2f s, two at once %.2f s: "
              "%.2fx the throughput of one (target >= 1.8x)\n",
              std::thread::hardware_concurrency(), long_audio, one, two, 2 * one / two);
  return 0;
}
