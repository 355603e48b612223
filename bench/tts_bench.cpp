// Text-to-speech figures (issue 7): synthesis to WAV against the espeak-ng command line for the same
// text, the share of encoding for mp3 and opus, and throughput with two concurrent requests.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "engines/espeak_engine.h"
#include "media/audio_encoder.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using namespace chorus;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string Text() {
  std::string text;
  while (text.size() < 3900) {
    text += "The committee met on Tuesday to discuss the new library, which opens next spring. "
            "Twelve speakers, 3 hours and 45 minutes: everyone agreed that it was worth the wait. ";
  }
  return text;
}

// Synthesises `text`, encoding to `format` unless it is null; returns seconds of audio.
double Speak(engines::TtsEngine& engine, const std::string& text, const media::AudioFormat* format) {
  std::unique_ptr<media::AudioEncoder> encoder;
  if (format) encoder = std::move(*media::AudioEncoder::Make(*format, engine.sample_rate()));
  // The sink runs on the engine's one thread: it only collects, and this thread encodes (as the
  // speech service does), so that concurrent requests encode in parallel.
  std::vector<int16_t> pcm;
  const engines::PcmSink sink = [&](std::span<const int16_t> samples) {
    pcm.insert(pcm.end(), samples.begin(), samples.end());
    return true;
  };
  auto result = engine.Synthesize(text, engines::SynthesisSettings{}, sink);
  std::string out;
  if (encoder) {
    (void)encoder->Write(pcm, out);
    (void)encoder->Finish(out);
  }
  return result ? static_cast<double>(result->samples) / engine.sample_rate() : 0;
}

double Cli(const std::string& text, const std::string& wav) {
  const auto start = Clock::now();
  std::vector<std::string> args = {"espeak-ng", "-v", "en-us", "-w", wav, text};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "espeak-ng", nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return Since(start);
}

template <typename F>
double Best(int runs, F f) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    f();
    best = std::min(best, Since(start));
  }
  return best;
}

// The best time of each of two runs taken in turns, so that a burst of load on this shared machine
// falls on both sides instead of on whichever ran during it.
template <typename F, typename G>
std::pair<double, double> BestInTurns(int runs, F f, G g) {
  std::pair<double, double> best{1e9, 1e9};
  for (int i = 0; i < runs; ++i) {
    best.first = std::min(best.first, Best(1, f));
    best.second = std::min(best.second, Best(1, g));
  }
  return best;
}

}  // namespace

int main() {
  auto opened = engines::EspeakEngine::Open();
  if (!opened) {
    fmt::print(stderr, "espeak-ng: {}\n", opened.error().message);
    return 1;
  }
  auto& engine = **opened;
  const std::string text = Text();
  const double audio = Speak(engine, text, nullptr);  // warm-up, and the audio length
  const media::AudioFormat wav = media::AudioFormat::kWav, mp3 = media::AudioFormat::kMp3,
                           opus = media::AudioFormat::kOpus;
  const double pcm_s = Best(5, [&] { Speak(engine, text, nullptr); });
  const std::string out = "/tmp/chorus-tts-bench.wav";
  const auto [wav_s, cli_s] = BestInTurns(7, [&] { Speak(engine, text, &wav); }, [&] { Cli(text, out); });
  std::remove(out.c_str());
  const double mp3_s = Best(5, [&] { Speak(engine, text, &mp3); });
  const double opus_s = Best(5, [&] { Speak(engine, text, &opus); });
  const double two_s = Best(3, [&] {
    std::thread other([&] { Speak(engine, text, &mp3); });
    Speak(engine, text, &mp3);
    other.join();
  });
  fmt::print("text {} characters, {:.1f} s of audio at {} Hz\n", text.size(), audio, engine.sample_rate());
  fmt::print("synthesis only      {:7.3f} s  ({:.0f}x real time)\n", pcm_s, audio / pcm_s);
  fmt::print("to WAV              {:7.3f} s  ({:.0f}x real time)\n", wav_s, audio / wav_s);
  fmt::print("espeak-ng CLI, WAV  {:7.3f} s  -> Chorus is {:.2f}x the CLI's speed (best of 7, taken in turns)\n",
             cli_s, cli_s / wav_s);
  fmt::print("to mp3              {:7.3f} s  (encoding {:.0f}% of the time)\n", mp3_s, 100 * (mp3_s - pcm_s) / mp3_s);
  fmt::print("to opus             {:7.3f} s  (encoding {:.0f}% of the time)\n", opus_s, 100 * (opus_s - pcm_s) / opus_s);
  fmt::print("2 concurrent mp3    {:7.3f} s  -> throughput {:.2f}x one request\n", two_s, 2 * mp3_s / two_s);
  return 0;
}
