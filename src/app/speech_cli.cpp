#include "app/speech_cli.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/audio_routes.h"
#include "native/speech_module.h"
#include "services/speech_service.h"

namespace chorus::app {
namespace {

constexpr int kUsageError = 2;
constexpr int kFailure = 1;

bool WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace

int Speak(const SpeakOptions& o) {
  auto engine = native::OpenEspeak();
  if (!engine) {
    std::cerr << "chorus: " << engine.error().message << "\n";
    return kFailure;
  }
  std::string format = o.format;
  if (format.empty()) format = std::filesystem::path(o.output).extension().string().substr(0, 16);
  if (!format.empty() && format[0] == '.') format.erase(0, 1);
  services::SpeechRequest request{.model = "tts-1", .input = o.text, .voice = o.voice, .response_format = format,
                                  .speed = o.speed};
  auto plan = services::PlanSpeech(request, **engine);
  if (!plan) {
    std::cerr << "chorus: " << plan.error().message << (plan.error().param.empty() ? "" : " (" + plan.error().param + ")")
              << "\n";
    return kUsageError;
  }
  auto speech = services::SynthesizeTimed(*plan);
  if (!speech) {
    std::cerr << "chorus: " << speech.error().message << "\n";
    return kFailure;
  }
  if (!WriteFile(o.output, speech->audio)) {
    std::cerr << "chorus: cannot write " << o.output << "\n";
    return kFailure;
  }
  if (!o.timestamps.empty() &&
      !WriteFile(o.timestamps, boost::json::serialize(api::TimedSpeechJson(*speech, /*with_audio=*/false)))) {
    std::cerr << "chorus: cannot write " << o.timestamps << "\n";
    return kFailure;
  }
  std::cout << fmt::format("{}: {:.2f} s of {} audio\n", o.output, speech->duration_seconds, speech->content_type);
  return 0;
}

int Voices() {
  auto engine = native::OpenEspeak();
  if (!engine) {
    std::cerr << "chorus: " << engine.error().message << "\n";
    return kFailure;
  }
  std::cout << "OpenAI names: alloy ash ballad coral echo fable onyx nova sage shimmer verse\n";
  for (const auto& v : (*engine)->voices()) {
    std::cout << fmt::format("{:<24} {:<10} {}\n", v.id, v.language, v.name);
  }
  return 0;
}

}  // namespace chorus::app
