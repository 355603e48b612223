// The speech module's entry point (built into libchorus-speech.so only). Every other symbol of the
// module is hidden (--exclude-libs) and bound inside it (-Bsymbolic), so these names resolve to the
// real implementations, never to the binary's forwarders of the same names.
#include "native/speech_module.h"

namespace {

using namespace chorus;

Result<std::unique_ptr<engines::TtsEngine>> OpenEspeak() {
  CHORUS_ASSIGN_OR_RETURN(auto engine, engines::EspeakEngine::Open());
  return std::unique_ptr<engines::TtsEngine>(std::move(engine));
}

Result<std::unique_ptr<engines::SttEngine>> OpenPocketSphinx(const engines::PocketSphinxOptions& options) {
  CHORUS_ASSIGN_OR_RETURN(auto engine, engines::PocketSphinxEngine::Open(options));
  return std::unique_ptr<engines::SttEngine>(std::move(engine));
}

const native::SpeechModule kModule{
    .version = native::kSpeechModuleVersion,
    .size = sizeof(native::SpeechModule),
    .make_encoder = &media::AudioEncoder::Make,
    .open_decoder = &media::AudioDecoder::Open,
    .probe_audio = &media::ProbeAudio,
    .open_espeak = &OpenEspeak,
    .open_pocketsphinx = &OpenPocketSphinx,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const chorus::native::SpeechModule* chorus_speech_module() {
  return &kModule;
}
