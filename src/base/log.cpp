#include "base/log.h"

#include <spdlog/async.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <ctime>
#include <mutex>
#include <vector>

#include "base/strings.h"

namespace chorus::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};
// Writers read g_current without a lock; Init/Shutdown (rare, at start-up and in tests) publish a new
// logger under g_mu and keep the replaced ones alive in g_retired until Shutdown, so a writer that
// loaded the old pointer never touches a freed logger.
std::mutex g_mu;
std::shared_ptr<spdlog::logger> g_logger;                 // guarded by g_mu
std::vector<std::shared_ptr<spdlog::logger>> g_retired;   // guarded by g_mu
std::atomic<spdlog::logger*> g_current{nullptr};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "info";
}

// UTC timestamp with milliseconds; the formatted second is cached per thread because a busy server
// logs tens of thousands of lines in the same second.
void AppendTimestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = time_point_cast<seconds>(now);
  const auto ms = duration_cast<milliseconds>(now - secs).count();
  thread_local int64_t cached_second = -1;
  thread_local char cached[32];
  const int64_t s = secs.time_since_epoch().count();
  if (s != cached_second) {
    std::time_t t = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = s;
  }
  out += cached;
  const char fraction[] = {'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                           static_cast<char>('0' + ms % 10), 'Z'};
  out.append(fraction, sizeof fraction);
}

// Integers by std::to_chars: the access log writes several per request.
template <typename I>
void AppendInteger(std::string& out, I value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// The bytes that make a text value need quotes: space, quote, '=', backslash and control bytes.
constexpr std::array<unsigned char, 256> kNeedsQuotes = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t[' '] = t['"'] = t['='] = t['\\'] = t[0x7f] = 1;
  return t;
}();

bool NeedsQuotes(std::string_view text) {
  unsigned char needs = text.empty() ? 1 : 0;
  for (const char c : text) needs |= kNeedsQuotes[static_cast<unsigned char>(c)];
  return needs != 0;
}

void AppendValueText(std::string& out, const Field::Value& v) {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (NeedsQuotes(x)) {
            out += '"';
            AppendJsonEscaped(out, x);
            out += '"';
          } else {
            out += x;
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_integral_v<T>) {
          AppendInteger(out, x);
        } else {
          fmt::format_to(std::back_inserter(out), "{}", x);
        }
      },
      v);
}

void AppendValueJson(std::string& out, const Field::Value& v) {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          out += '"';
          AppendJsonEscaped(out, x);
          out += '"';
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_integral_v<T>) {
          AppendInteger(out, x);
        } else {
          fmt::format_to(std::back_inserter(out), "{}", x);
        }
      },
      v);
}

// Lines are rendered whole by RenderInto; the sink only adds the line end (spdlog's pattern
// formatter, even for "%v", walks its flag list and stamps a time for every line).
class LineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<LineFormatter>(); }
};

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

void RenderInto(std::string& out, Format format, Level level, std::string_view message, Fields fields) {
  if (format == Format::kJson) {
    out += R"({"ts":")";
    AppendTimestamp(out);
    out += R"(","level":")";
    out += LevelName(level);
    out += R"(","msg":")";
    AppendJsonEscaped(out, message);
    out += '"';
    for (const Field& f : fields) {
      out += ",\"";
      AppendJsonEscaped(out, f.key);
      out += "\":";
      AppendValueJson(out, f.value);
    }
    out += '}';
  } else {
    AppendTimestamp(out);
    out += ' ';
    out += LevelName(level);
    out += ' ';
    out += message;
    for (const Field& f : fields) {
      out += ' ';
      out += f.key;
      out += '=';
      AppendValueText(out, f.value);
    }
  }
}

}  // namespace

std::string Render(Format format, Level level, std::string_view message, Fields fields) {
  std::string out;
  out.reserve(160);
  RenderInto(out, format, level, message, fields);
  return out;
}

void Init(const Settings& settings) {
  std::lock_guard lock(g_mu);
  if (g_logger) {
    g_logger->flush();
    g_retired.push_back(std::move(g_logger));
  }
  spdlog::sink_ptr sink;
  if (settings.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.file);
  }
  // A file is written through stdio's buffer: a line costs a lock and a copy, and the kernel sees
  // one write per buffer-full (into the page cache) plus a flush every second and on warnings.
  // spdlog's async logger wakes its thread for every line — a futex call and a context switch per
  // request, a fifth of the gateway's throughput when measured — so it is kept for standard error
  // only, which is unbuffered.
  const bool buffered_file = settings.async && !settings.file.empty();
  if (settings.async && !buffered_file) {
    // One background thread; a full queue makes writers wait rather than drop lines. The queue is
    // allocated up front (~330 bytes a slot), so it is sized for bursts, not for hours.
    if (!spdlog::thread_pool()) spdlog::init_thread_pool(1024, 1);
    g_logger = std::make_shared<spdlog::async_logger>("chorus", sink, spdlog::thread_pool(),
                                                      spdlog::async_overflow_policy::block);
  } else {
    g_logger = std::make_shared<spdlog::logger>("chorus", sink);
  }
  if (buffered_file) {
    spdlog::drop("chorus");
    spdlog::register_logger(g_logger);  // so that the periodic flush reaches it
    spdlog::flush_every(std::chrono::seconds(1));
  }
  g_logger->set_formatter(std::make_unique<LineFormatter>());  // lines are rendered by RenderInto()
  g_logger->set_level(spdlog::level::trace);
  g_logger->flush_on(spdlog::level::warn);
  g_level.store(settings.level, std::memory_order_relaxed);
  g_format.store(settings.format, std::memory_order_relaxed);
  g_current.store(g_logger.get(), std::memory_order_release);
}

void Shutdown() {
  std::lock_guard lock(g_mu);
  g_current.store(nullptr, std::memory_order_release);
  if (g_logger) g_logger->flush();
  g_logger.reset();
  g_retired.clear();
  spdlog::shutdown();
}

bool Enabled(Level level) {
  return level >= g_level.load(std::memory_order_relaxed) && level != Level::kOff;
}

void Write(Level level, std::string_view message, Fields fields) {
  spdlog::logger* logger = g_current.load(std::memory_order_acquire);
  // One buffer per thread, reused: a line costs no allocation once the buffer has grown.
  thread_local std::string line;
  line.clear();
  RenderInto(line, g_format.load(std::memory_order_relaxed), level, message, fields);
  if (logger) {
    logger->log(ToSpd(level), std::string_view(line));
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
  }
  if (line.capacity() > 64 * 1024) line = std::string();  // one huge line does not stay resident

}

bool ParseLevel(std::string_view text, Level* out) {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"error", Level::kError}, {"off", Level::kOff}};
  for (const auto& [name, level] : kLevels) {
    if (text == name) {
      *out = level;
      return true;
    }
  }
  return false;
}

bool ParseFormat(std::string_view text, Format* out) {
  if (text == "text") *out = Format::kText;
  else if (text == "json") *out = Format::kJson;
  else return false;
  return true;
}

}  // namespace chorus::log
