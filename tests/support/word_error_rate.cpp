#include "tests/support/word_error_rate.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace chorus::testing {

std::vector<std::string> ScoredWords(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    if (w == "<s>" || w == "</s>") continue;
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
    out.push_back(std::move(w));
  }
  return out;
}

size_t WordEditDistance(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis) {
  // One row of the dynamic-programming table at a time.
  std::vector<size_t> row(hypothesis.size() + 1);
  for (size_t j = 0; j <= hypothesis.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= reference.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= hypothesis.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[hypothesis.size()];
}

double WordErrorRate(const std::string& reference, const std::string& hypothesis) {
  const auto r = ScoredWords(reference);
  return static_cast<double>(WordEditDistance(r, ScoredWords(hypothesis))) /
         static_cast<double>(std::max<size_t>(1, r.size()));
}

}  // namespace chorus::testing
