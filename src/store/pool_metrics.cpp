#include "store/pool_metrics.h"

#include <fmt/format.h>

#include "base/metrics.h"

namespace chorus::store {

void RenderPoolMetrics(const Database& db, std::string& out) {
  const auto pools = db.Stats();
  auto it = std::back_inserter(out);
  metrics::AppendHeader(out, "chorus_db_connections", "gauge", "Database connections by pool and state.");
  for (const auto& p : pools) {
    fmt::format_to(it, "chorus_db_connections{{pool=\"{}\",state=\"in_use\"}} {}\n", p.name, p.in_use);
    fmt::format_to(it, "chorus_db_connections{{pool=\"{}\",state=\"idle\"}} {}\n", p.name, p.open - p.in_use);
  }
  metrics::AppendHeader(out, "chorus_db_connections_max", "gauge", "Connections each pool may open.");
  for (const auto& p : pools) fmt::format_to(it, "chorus_db_connections_max{{pool=\"{}\"}} {}\n", p.name, p.max);
  metrics::AppendHeader(out, "chorus_db_waiting", "gauge", "Callers waiting for a free connection.");
  for (const auto& p : pools) fmt::format_to(it, "chorus_db_waiting{{pool=\"{}\"}} {}\n", p.name, p.waiting);
  metrics::AppendHeader(out, "chorus_db_acquire_waits_total", "counter", "Acquisitions that had to wait.");
  for (const auto& p : pools) {
    fmt::format_to(it, "chorus_db_acquire_waits_total{{pool=\"{}\"}} {}\n", p.name, p.waits_total);
  }
  metrics::AppendHeader(out, "chorus_db_acquire_timeouts_total", "counter",
                        "Acquisitions that gave up after the busy timeout.");
  for (const auto& p : pools) {
    fmt::format_to(it, "chorus_db_acquire_timeouts_total{{pool=\"{}\"}} {}\n", p.name, p.timeouts_total);
  }
}

}  // namespace chorus::store
