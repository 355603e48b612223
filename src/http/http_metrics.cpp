#include "http/http_metrics.h"

#include <fmt/format.h>

#include <array>

namespace chorus::http {

struct HttpMetrics::Slot {
  explicit Slot(int s) : status(s), latency(metrics::LatencyBuckets()) {}
  const int status;
  metrics::Counter count;
  metrics::Histogram latency;
};

struct HttpMetrics::RouteRow {
  static constexpr size_t kSlots = 12;  // distinct statuses per route; more share the last slot
  std::string route;
  Method method;
  std::array<std::atomic<Slot*>, kSlots> slots{};

  RouteRow(std::string r, Method m) : route(std::move(r)), method(m) {}
  ~RouteRow() {
    for (auto& s : slots) delete s.load();
  }

  Slot& For(int status) {
    for (size_t i = 0; i < kSlots; ++i) {
      Slot* slot = slots[i].load(std::memory_order_acquire);
      if (!slot) {
        auto* made = new Slot(i + 1 == kSlots ? 0 : status);  // status 0: "other"
        if (slots[i].compare_exchange_strong(slot, made, std::memory_order_acq_rel)) return *made;
        delete made;  // another thread claimed this slot first; `slot` now holds its pointer
      }
      if (slot->status == status || i + 1 == kSlots) return *slot;
    }
    return *slots.back().load();
  }
};

HttpMetrics::HttpMetrics(const Router& router) {
  for (const auto& route : router.routes()) {
    rows_.push_back(std::make_unique<RouteRow>(route->pattern, route->method));
  }
  for (int m = 0; m <= kMethodCount; ++m) {
    rows_.push_back(std::make_unique<RouteRow>("unmatched", static_cast<Method>(m)));
  }
}

HttpMetrics::~HttpMetrics() = default;

HttpMetrics::RouteRow& HttpMetrics::RowFor(size_t route_index, Method method) {
  const size_t routes = rows_.size() - (kMethodCount + 1);
  if (route_index < routes) return *rows_[route_index];
  return *rows_[routes + static_cast<size_t>(method)];
}

void HttpMetrics::Record(size_t route_index, Method method, int status, uint64_t bytes, double seconds) {
  Slot& slot = RowFor(route_index, method).For(status);
  slot.count.Add();
  slot.latency.Observe(seconds);
  response_bytes_.Add(bytes);
}

void HttpMetrics::Render(std::string& out) const {
  auto labels = [](const RouteRow& row, const Slot& slot) {
    std::string l = fmt::format("method=\"{}\",route=\"", MethodName(row.method));
    metrics::AppendLabelValue(l, row.route);
    l += slot.status == 0 ? "\",status=\"other\"" : fmt::format("\",status=\"{}\"", slot.status);
    return l;
  };
  metrics::AppendHeader(out, "chorus_http_requests_total", "counter", "HTTP requests answered.");
  for (const auto& row : rows_) {
    for (const auto& s : row->slots) {
      if (const Slot* slot = s.load(std::memory_order_acquire)) {
        fmt::format_to(std::back_inserter(out), "chorus_http_requests_total{{{}}} {}\n", labels(*row, *slot),
                       slot->count.Value());
      }
    }
  }
  metrics::AppendHeader(out, "chorus_http_request_duration_seconds", "histogram",
                        "Time from the request's arrival to the end of its response.");
  for (const auto& row : rows_) {
    for (const auto& s : row->slots) {
      if (const Slot* slot = s.load(std::memory_order_acquire)) {
        slot->latency.Render(out, "chorus_http_request_duration_seconds", labels(*row, *slot));
      }
    }
  }
  metrics::AppendHeader(out, "chorus_http_in_flight_requests", "gauge", "Requests being handled now.");
  fmt::format_to(std::back_inserter(out), "chorus_http_in_flight_requests {}\n", in_flight_.Value());
  metrics::AppendHeader(out, "chorus_http_connections_open", "gauge", "Client connections open now.");
  fmt::format_to(std::back_inserter(out), "chorus_http_connections_open {}\n", connections_.Value());
  metrics::AppendHeader(out, "chorus_http_connections_rejected_total", "counter",
                        "Connections refused because http.max_connections was reached.");
  fmt::format_to(std::back_inserter(out), "chorus_http_connections_rejected_total {}\n",
                 rejected_connections_.Value());
  metrics::AppendHeader(out, "chorus_http_response_bytes_total", "counter", "Response body bytes sent.");
  fmt::format_to(std::back_inserter(out), "chorus_http_response_bytes_total {}\n", response_bytes_.Value());
}

}  // namespace chorus::http
