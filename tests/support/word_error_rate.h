// Word error rate: how the speech-to-text tests and benchmark score a transcript against its
// reference, with one definition (the engine's unit tests, the integration tests and stt_bench).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace chorus::testing {

// The words of a transcript as they are scored: split on whitespace, lower-cased, without the
// <s> and </s> markers of the pocketsphinx reference files.
std::vector<std::string> ScoredWords(const std::string& text);

// Word-level Levenshtein distance: substitutions, insertions and deletions.
size_t WordEditDistance(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis);

// WordEditDistance over the reference's length (a reference of no words counts as one).
double WordErrorRate(const std::string& reference, const std::string& hypothesis);

}  // namespace chorus::testing
