#include "app/process_metrics.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "app/version.h"
#include "base/metrics.h"

namespace chorus::app {
namespace {

const double kStartSeconds =
    std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

size_t OpenFds() {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void RenderProcessMetrics(std::string& out) {
  auto it = std::back_inserter(out);
  metrics::AppendHeader(out, "chorus_build_info", "gauge", "Version of this binary.");
  fmt::format_to(it, "chorus_build_info{{version=\"{}\",commit=\"{}\"}} 1\n", CHORUS_VERSION, CHORUS_GIT_COMMIT);
  metrics::AppendHeader(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  fmt::format_to(it, "process_resident_memory_bytes {}\n", ResidentBytes());
  metrics::AppendHeader(out, "process_open_fds", "gauge", "Open file descriptors.");
  fmt::format_to(it, "process_open_fds {}\n", OpenFds());
  metrics::AppendHeader(out, "process_start_time_seconds", "gauge", "Start time since the Unix epoch, in seconds.");
  fmt::format_to(it, "process_start_time_seconds {:.3f}\n", kStartSeconds);
}

}  // namespace chorus::app
