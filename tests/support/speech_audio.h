// Speech for the speech-to-text tests, from Debian's pocketsphinx-testdata package.
#pragma once

#include <filesystem>
#include <string>

namespace chorus::testing {

inline const std::filesystem::path kSphinxTestData = "/usr/share/pocketsphinx/test/data";

// The whole file as bytes ("" when it cannot be read).
std::string ReadFileBytes(const std::filesystem::path& path);

// goforward.raw ("go forward ten meters", 16 kHz s16le mono) with a WAV header in front.
std::string GoForwardWav();

// The reference transcript of a librivox test file id (librivox/transcription, without the <s> markers).
std::string LibrivoxReference(const std::string& id);

}  // namespace chorus::testing
