// Process-level metrics read from /proc: resident memory, open file descriptors, start time.
#pragma once

#include <string>

namespace chorus::app {

void RenderProcessMetrics(std::string& out);
// Resident set size in bytes (from /proc/self/statm), or 0 if unreadable.
uint64_t ResidentBytes();

}  // namespace chorus::app
