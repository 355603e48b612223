#include "app/transcribe_cli.h"

#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/transcript_formats.h"
#include "native/speech_module.h"
#include "media/audio_decoder.h"
#include "services/transcription_service.h"

namespace chorus::app {
namespace {

constexpr int kUsageError = 2;
constexpr int kFailure = 1;
using Clock = std::chrono::steady_clock;

// One line on standard error, redrawn in place: "name [#####.....] 50%  12.0/24.0 s  elapsed 3.1 s  eta 3.1 s".
class ProgressBar {
 public:
  ProgressBar(std::string name, double total_seconds) : name_(std::move(name)), total_(total_seconds) {}
  ~ProgressBar() { std::cerr << "\r\033[K" << std::flush; }

  void Draw(double done) {
    const auto now = Clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    std::string line = name_;
    if (total_ > 0) {
      const double share = std::min(1.0, done / total_);
      const int filled = static_cast<int>(share * 30);
      const double eta = share > 0 ? elapsed / share - elapsed : 0;
      line += fmt::format(" [{}{}] {:3.0f}%  {:.1f}/{:.1f} s  elapsed {:.1f} s  eta {:.1f} s", std::string(filled, '#'),
                          std::string(30 - filled, '.'), share * 100, done, total_, elapsed, eta);
    } else {
      line += fmt::format("  {:.1f} s of audio  elapsed {:.1f} s", done, elapsed);
    }
    std::cerr << "\r\033[K" << line << std::flush;
  }

 private:
  const std::string name_;
  const double total_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
};

// Headerless 16 kHz mono s16le samples read straight from the file (--raw).
Result<engines::Transcript> TranscribeRaw(engines::SttEngine& engine, const std::string& path,
                                          const TranscribeCliOptions& o, uint64_t size, bool show_progress) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(ErrorCode::kNotFound, "cannot read " + path);
  std::optional<ProgressBar> bar;
  if (show_progress) {
    bar.emplace(std::filesystem::path(path).filename().string(), static_cast<double>(size) / (2 * engines::kSttSampleRate));
  }
  engines::PcmSource pcm = [&in](std::span<int16_t> out) -> Result<size_t> {
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size_bytes()));
    return static_cast<size_t>(in.gcount()) / sizeof(int16_t);
  };
  engines::ProgressSink progress = [&bar](double done) {
    if (bar) bar->Draw(done);
    return true;
  };
  return engine.Transcribe(pcm, {.language = o.language}, progress);
}

Result<engines::Transcript> TranscribeFile(engines::SttEngine& engine, const std::string& path,
                                           const TranscribeCliOptions& o, bool show_progress) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Unexpected(ErrorCode::kNotFound, "cannot read " + path + ": " + ec.message());
  if (o.raw) return TranscribeRaw(engine, path, o, size, show_progress);
  const media::DecodeOptions decode{.sample_rate = engines::kSttSampleRate, .max_seconds = o.max_seconds};
  CHORUS_ASSIGN_OR_RETURN(auto decoder, media::AudioDecoder::Open(media::AudioSource::FileRange(path, 0, size), decode));
  std::optional<ProgressBar> bar;
  if (show_progress) bar.emplace(std::filesystem::path(path).filename().string(), decoder->info().declared_seconds);
  engines::PcmSource pcm = [&decoder](std::span<int16_t> out) { return decoder->Read(out); };
  engines::ProgressSink progress = [&bar](double done) {
    if (bar) bar->Draw(done);
    return true;
  };
  const engines::RecognitionSettings settings{.language = o.language};
  return engine.Transcribe(pcm, settings, progress);
}

}  // namespace

int Transcribe(const TranscribeCliOptions& o) {
  auto format = api::ParseTranscriptFormat(o.format, "format");
  // Offline: the local model only (whisper-1 is its alias here too).
  const services::SttModels offline{.engines = {{services::kLocalSttModel, nullptr}}};
  auto model = offline.Resolve(o.model);
  if (!format || !model) {
    std::cerr << "chorus: " << (!format ? format.error().message : model.error().message) << "\n";
    return kUsageError;
  }
  auto engine = native::OpenPocketSphinx({.model_dir = o.model_dir, .max_decoders = 1});
  if (!engine) {
    std::cerr << "chorus: " << engine.error().message << "\n";
    return kFailure;
  }
  const bool show_progress = ::isatty(STDERR_FILENO) == 1;
  const bool json = *format == api::TranscriptFormat::kJson || *format == api::TranscriptFormat::kVerboseJson;
  int status = 0;
  for (const auto& file : o.files) {
    auto transcript = TranscribeFile(**engine, file, o, show_progress);
    if (!transcript) {
      std::cerr << "chorus: " << file << ": " << transcript.error().message << "\n";
      status = kFailure;
      continue;
    }
    // Several files: JSON one object per line; the text formats under a header per file.
    if (o.files.size() > 1 && !json) std::cout << "==> " << file << " <==\n";
    const auto rendered = api::RenderTranscript(*transcript, *format, {.segments = true, .words = true});
    std::cout << rendered.body << (json ? "\n" : "") << std::flush;
  }
  return status;
}

}  // namespace chorus::app
