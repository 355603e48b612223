// Process metrics in the Prometheus text exposition format (version 0.0.4).
//
// Written by hand: Debian 12 packages no Prometheus client library, and the hot path needs only
// relaxed atomic increments, which a few dozen lines give. Counters and histograms are lock-free
// and safe from any thread. A Registry holds collectors; each renders whole metric families
// (HELP, TYPE and samples) so that components keep their own label sets.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chorus::metrics {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Cumulative histogram over fixed upper bounds (the +Inf bucket is implicit).
class Histogram {
 public:
  explicit Histogram(std::span<const double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value);
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }

  // Appends `name_bucket{labels,le="..."}`, `name_sum{labels}` and `name_count{labels}` lines.
  // `labels` is a rendered label list without braces (may be empty).
  void Render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  const std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> buckets_;  // per bound, not cumulative; last is +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};  // sum in millionths, so it stays an integer atomic
};

// Bucket bounds in seconds for request latencies: 50 µs to 10 s.
std::span<const double> LatencyBuckets();

// Appends a label value escaped as the format requires (backslash, quote, newline).
void AppendLabelValue(std::string& out, std::string_view value);
// Appends "# HELP name help\n# TYPE name type\n".
void AppendHeader(std::string& out, std::string_view name, std::string_view type, std::string_view help);

class Registry {
 public:
  using Collector = std::function<void(std::string& out)>;

  // Collectors run in the order they were added, on the thread that renders.
  void Add(Collector collector);
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<Collector> collectors_;  // guarded by mu_
};

}  // namespace chorus::metrics
