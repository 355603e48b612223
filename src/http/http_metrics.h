// Request metrics per route, method and status, for /metrics: a counter and a latency histogram
// each, plus in-flight requests, open connections and response bytes. Recording is lock-free: each
// route owns a few status slots claimed with compare-and-swap on first use. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "http/router.h"

namespace chorus::http {

class HttpMetrics {
 public:
  // Sized for the routes of `router`, plus one row for requests that matched no route.
  explicit HttpMetrics(const Router& router);
  ~HttpMetrics();
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  // `route_index` is Request::route_index(): a route's position, or Request::kNoRoute.
  void Record(size_t route_index, Method method, int status, uint64_t bytes, double seconds);

  metrics::Gauge& in_flight() { return in_flight_; }
  metrics::Gauge& connections() { return connections_; }
  metrics::Counter& rejected_connections() { return rejected_connections_; }

  // Appends every family in the Prometheus text format.
  void Render(std::string& out) const;

 private:
  struct Slot;
  struct RouteRow;
  RouteRow& RowFor(size_t route_index, Method method);

  std::vector<std::unique_ptr<RouteRow>> rows_;  // one per route, then one per method for unmatched
  metrics::Gauge in_flight_;
  metrics::Gauge connections_;
  metrics::Counter rejected_connections_;
  metrics::Counter response_bytes_;
};

}  // namespace chorus::http
