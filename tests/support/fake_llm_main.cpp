// fake_llm: the fake LLM upstream as a process, for benchmarks and end-to-end tests.
//
//   fake_llm --port N --kind openai|anthropic [--delay-ms D]
//
// Prints "listening PORT" on standard output once it accepts connections (--port 0 picks a free
// port), then serves until SIGTERM or SIGINT.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/fake_llm.h"

namespace {

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

int Usage() {
  std::fprintf(stderr, "usage: fake_llm --port N --kind openai|anthropic [--delay-ms D]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using chorus::testing::FakeLlm;
  std::optional<int> port;
  std::optional<FakeLlm::Kind> kind;
  int delay_ms = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string_view value = argv[++i];
    if (arg == "--port") {
      port = ParseInt(value);
      if (!port || *port > 65535) return Usage();
    } else if (arg == "--kind") {
      if (value == "openai") kind = FakeLlm::Kind::kOpenAi;
      else if (value == "anthropic") kind = FakeLlm::Kind::kAnthropic;
      else return Usage();
    } else if (arg == "--delay-ms") {
      const auto parsed = ParseInt(value);
      if (!parsed) return Usage();
      delay_ms = *parsed;
    } else {
      return Usage();
    }
  }
  if (!port || !kind) return Usage();

  // Block the signals before the server thread starts (it inherits the mask), then wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    FakeLlm fake(*kind, static_cast<uint16_t>(*port));
    fake.SetDelay(std::chrono::milliseconds(delay_ms));
    std::printf("listening %u\n", static_cast<unsigned>(fake.port()));
    std::fflush(stdout);
    int received = 0;
    sigwait(&signals, &received);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_llm: %s\n", e.what());
    return 1;
  }
  return 0;
}
