#include "tests/support/speech_audio.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <vector>

namespace chorus::testing {
namespace {

std::string Le32(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }
std::string Le16(uint16_t v) { return {char(v), char(v >> 8)}; }

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    if (w == "<s>" || w == "</s>") continue;
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
    out.push_back(w);
  }
  return out;
}

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
    for (const auto& w : Words(line.substr(0, open))) joined += (joined.empty() ? "" : " ") + w;
    return joined;
  }
  return "";
}

double WordErrorRate(const std::string& reference, const std::string& hypothesis) {
  const auto r = Words(reference), h = Words(hypothesis);
  std::vector<size_t> row(h.size() + 1);
  for (size_t j = 0; j <= h.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= r.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= h.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (r[i - 1] == h[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return static_cast<double>(row[h.size()]) / static_cast<double>(std::max<size_t>(1, r.size()));
}

}  // namespace chorus::testing
