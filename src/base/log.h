// Structured logging. One line per event: a message plus key=value fields, rendered as text
// (`2026-11-26T14:07:45.123Z INFO request method=GET status=200`) or as one JSON object per line.
// Lines to standard error are handed to a background thread (spdlog's async logger); lines to a
// file go through stdio's buffer, written when it fills and flushed every second and on warnings.
// Either way a network thread does not wait on the disk for a line. Safe to call from any thread
// once Init has returned.
//
// Never log secrets, headers or bodies: the fields are chosen by the caller, one by one, for that.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace chorus::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

struct Settings {
  Level level = Level::kInfo;
  Format format = Format::kText;
  // File to append to; empty means standard error.
  std::string file;
  // Async keeps disk latency off the calling thread; tests and short CLI commands use sync.
  bool async = true;
};

struct Field {
  using Value = std::variant<std::string_view, int64_t, uint64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <typename I>
    requires std::is_integral_v<I>
  Field(std::string_view k, I v) : key(k) {
    if constexpr (std::is_signed_v<I>) value = static_cast<int64_t>(v);
    else value = static_cast<uint64_t>(v);
  }
  std::string_view key;
  Value value;
};

using Fields = std::initializer_list<Field>;

// Configures the process-wide logger. May be called again (tests, CLI) to reconfigure.
void Init(const Settings& settings);
// Flushes queued lines and stops the background thread. Call before exit.
void Shutdown();

bool Enabled(Level level);
void Write(Level level, std::string_view message, Fields fields = {});

// Renders one line without writing it (exposed for tests and for the benchmark).
std::string Render(Format format, Level level, std::string_view message, Fields fields);

inline void Debug(std::string_view m, Fields f = {}) { if (Enabled(Level::kDebug)) Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, Fields f = {}) { if (Enabled(Level::kInfo)) Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, Fields f = {}) { if (Enabled(Level::kWarn)) Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, Fields f = {}) { if (Enabled(Level::kError)) Write(Level::kError, m, f); }

// Parses "trace|debug|info|warn|error|off" and "text|json"; false on anything else.
bool ParseLevel(std::string_view text, Level* out);
bool ParseFormat(std::string_view text, Format* out);

}  // namespace chorus::log
