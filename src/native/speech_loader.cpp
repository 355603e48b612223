// The binary's side of the speech module (see speech_module.h): finds and loads it once, and defines
// the media/ and engines/ factory functions as calls into it.
#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "base/log.h"
#include "native/speech_module.h"

namespace chorus::native {
namespace {

// Next to the binary (an installed or copied chorus), else where the build tree put it.
std::vector<std::string> Candidates() {
  std::vector<std::string> paths;
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    paths.push_back((std::filesystem::path(self).parent_path() / kSpeechModuleFile).string());
  }
#ifdef CHORUS_SPEECH_MODULE_BUILD_PATH
  if (paths.empty() || paths.front() != CHORUS_SPEECH_MODULE_BUILD_PATH) paths.push_back(CHORUS_SPEECH_MODULE_BUILD_PATH);
#endif
  return paths;
}

Result<const SpeechModule*> Load() {
  std::string tried;
  for (const auto& path : Candidates()) {
    if (!std::filesystem::exists(path)) {
      tried += " " + path + " (missing)";
      continue;
    }
    // RTLD_LOCAL: the module's libraries stay out of the global symbol namespace.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      tried += " " + path + " (" + ::dlerror() + ")";
      continue;
    }
    using Entry = const SpeechModule* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, "chorus_speech_module"));
    const SpeechModule* module = entry ? entry() : nullptr;
    if (module == nullptr || module->version != kSpeechModuleVersion || module->size != sizeof(SpeechModule)) {
      tried += " " + path + " (built from another version of Chorus)";
      continue;
    }
    log::Debug("speech module loaded", {{"path", path}});
    return module;  // never unloaded: engines and their threads live as long as the process
  }
  return Unexpected(ErrorCode::kUnavailable, "Speech is unavailable: the speech module was not found or not loaded:" + tried);
}

}  // namespace

Result<const SpeechModule*> Speech() {
  static const Result<const SpeechModule*> loaded = Load();
  return loaded;
}

}  // namespace chorus::native

namespace chorus::media {

Result<std::unique_ptr<AudioEncoder>> AudioEncoder::Make(AudioFormat format, int input_rate) {
  CHORUS_ASSIGN_OR_RETURN(const native::SpeechModule* module, native::Speech());
  return module->make_encoder(format, input_rate);
}

Result<std::unique_ptr<AudioDecoder>> AudioDecoder::Open(AudioSource source, const DecodeOptions& options) {
  CHORUS_ASSIGN_OR_RETURN(const native::SpeechModule* module, native::Speech());
  return module->open_decoder(std::move(source), options);
}

Result<AudioInfo> ProbeAudio(std::string_view bytes) {
  CHORUS_ASSIGN_OR_RETURN(const native::SpeechModule* module, native::Speech());
  return module->probe_audio(bytes);
}

}  // namespace chorus::media

namespace chorus::native {

Result<std::unique_ptr<engines::TtsEngine>> OpenEspeak() {
  CHORUS_ASSIGN_OR_RETURN(const SpeechModule* module, Speech());
  return module->open_espeak();
}

Result<std::unique_ptr<engines::SttEngine>> OpenPocketSphinx(const engines::PocketSphinxOptions& options) {
  CHORUS_ASSIGN_OR_RETURN(const SpeechModule* module, Speech());
  return module->open_pocketsphinx(options);
}

}  // namespace chorus::native
