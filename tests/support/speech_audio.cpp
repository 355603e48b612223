#include "tests/support/speech_audio.h"

#include "tests/support/word_error_rate.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <vector>

namespace chorus::testing {
namespace {

std::string Le32(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }
std::string Le16(uint16_t v) { return {char(v), char(v >> 8)}; }

}  // namespace

std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string GoForwardWav() {
  const std::string pcm = ReadFileBytes(kSphinxTestData / "goforward.raw");
  const auto size = static_cast<uint32_t>(pcm.size());
  return "RIFF" + Le32(36 + size) + "WAVEfmt " + Le32(16) + Le16(1) + Le16(1) + Le32(16000) + Le32(32000) + Le16(2) +
         Le16(16) + "data" + Le32(size) + pcm;
}

std::string LibrivoxReference(const std::string& id) {
  std::ifstream in(kSphinxTestData / "librivox" / "transcription");
  for (std::string line; std::getline(in, line);) {
    const auto open = line.rfind(" (");
    if (open == std::string::npos || line.compare(open + 2, id.size(), id) != 0) continue;
    std::string joined;
    for (const auto& w : ScoredWords(line.substr(0, open))) joined += (joined.empty() ? "" : " ") + w;
    return joined;
  }
  return "";
}

}  // namespace chorus::testing
