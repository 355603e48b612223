// The speech module: FFmpeg, espeak-ng and PocketSphinx, and the Chorus code over them (media/ and
// engines/ implementations), built as a shared object that the binary loads on first use.
//
// Why: linking those libraries maps ~150 shared objects into every process at start-up (FFmpeg alone
// pulls in its codecs' libraries), which more than doubled the idle memory of a node that never
// touches audio (14.8 MB -> 37 MB RSS) and slowed its start. Loaded on the first speech request,
// they cost nothing until then.
//
// The binary keeps the interfaces (media::AudioEncoder, media::AudioDecoder, engines::TtsEngine,
// engines::SttEngine) and links speech_loader.cpp, which defines the media factory functions
// (AudioEncoder::Make, AudioDecoder::Open, ProbeAudio) and OpenEspeak/OpenPocketSphinx below as calls
// through the table. Tests and benchmarks link the implementations directly
// (chorus_media_ffmpeg, chorus_engines_native) instead.
//
// The module and the binary are built together from one tree; the table's version and size must
// match or the module is refused.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "engines/espeak_engine.h"
#include "engines/pocketsphinx_engine.h"
#include "media/audio_decoder.h"
#include "media/audio_encoder.h"
#include "media/audio_probe.h"

namespace chorus::native {

// Bump on any change to SpeechModule or to the types it passes.
inline constexpr int kSpeechModuleVersion = 1;
// The module's file name; the binary looks for it in its own directory.
inline constexpr const char* kSpeechModuleFile = "libchorus-speech.so";

struct SpeechModule {
  int version;
  size_t size;  // sizeof(SpeechModule) where it was built
  Result<std::unique_ptr<media::AudioEncoder>> (*make_encoder)(media::AudioFormat format, int input_rate);
  Result<std::unique_ptr<media::AudioDecoder>> (*open_decoder)(media::AudioSource source,
                                                               const media::DecodeOptions& options);
  Result<media::AudioInfo> (*probe_audio)(std::string_view bytes);
  Result<std::unique_ptr<engines::TtsEngine>> (*open_espeak)();
  Result<std::unique_ptr<engines::SttEngine>> (*open_pocketsphinx)(const engines::PocketSphinxOptions& options);
};

// The engines, opened in the module (engines::EspeakEngine::Open, PocketSphinxEngine::Open). The
// binary sees them only through their interfaces: the concrete classes are final, so code that held
// one would call its destructor directly, and that lives in the module.
Result<std::unique_ptr<engines::TtsEngine>> OpenEspeak();
Result<std::unique_ptr<engines::SttEngine>> OpenPocketSphinx(const engines::PocketSphinxOptions& options);

// The loaded module's table (speech_loader.cpp): loaded once, on the first call. kUnavailable when
// the module cannot be found or loaded (the error names the paths tried), then and on every later call.
Result<const SpeechModule*> Speech();

}  // namespace chorus::native

// The module's one exported symbol.
extern "C" const chorus::native::SpeechModule* chorus_speech_module();
