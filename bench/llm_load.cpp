// Load for the LLM gateway benchmark (issue 8): chat completions against an OpenAI-compatible base
// URL — the fake provider directly, or Chorus in front of it — so that the two can be compared.
//   open    a fixed request rate (open loop): latency counts from when each request was due, so a
//           slow server cannot hide its queueing (no coordinated omission)
//   closed  `connections` callers sending back to back: throughput
//   stream  streamed completions one after another: time to the first chunk and to the end
// One thread, pooled keep-alive connections (http/client's UpstreamClient). Prints one line.
// --path and --body send another request (bench/tts.sh times the first audio of /v1/audio/speech).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "http/client/upstream.h"

namespace {

namespace asio = boost::asio;
using chorus::Task;
using Clock = std::chrono::steady_clock;
using namespace chorus::http::client;

struct Options {
  std::string url;
  std::string token = "bench";
  std::string mode = "closed";
  std::string model = "gpt-4o-mini";
  int rate = 1000;
  int seconds = 5;
  int connections = 16;
  int requests = 300;  // stream mode
  std::string path = "/chat/completions";
  std::string body;  // empty: a one-message chat request
};

struct Results {
  std::vector<double> latency_ms;
  std::vector<double> first_chunk_ms;
  int errors = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

UpstreamRequest Request(const Options& o, bool stream) {
  UpstreamRequest r;
  r.path = o.path;
  r.headers = {{"Authorization", "Bearer " + o.token}, {"Content-Type", "application/json"}};
  if (!o.body.empty()) {
    r.body = o.body;
    return r;
  }
  r.body = fmt::format(R"({{"model":"{}","messages":[{{"role":"user","content":"Hello there"}}]{}}})", o.model,
                       stream ? R"(,"stream":true)" : "");
  return r;
}

double Since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// One request; returns the time to the first body piece, or a negative number on failure.
Task<double> Exchange(const UpstreamClient& client, const Endpoint& at, const UpstreamRequest& request,
                      Clock::time_point due) {
  UpstreamTimeouts timeouts;
  auto response = co_await client.Send(at, request, timeouts);
  if (!response || (*response)->status() != 200) co_return -1;
  double first = -1;
  for (;;) {
    auto piece = co_await (*response)->Read();
    if (!piece) co_return -1;
    if (first < 0) first = Since(due);
    if (piece->empty()) break;
  }
  co_return first;
}

Task<void> OpenLoopCaller(const UpstreamClient& client, const Endpoint& at, const Options& o, int index,
                          Clock::time_point start, Results& out) {
  const auto interval = std::chrono::duration<double>(static_cast<double>(o.connections) / o.rate);
  const auto end = start + std::chrono::seconds(o.seconds);
  const UpstreamRequest request = Request(o, false);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (int k = 0;; ++k) {
    const auto due = start + std::chrono::duration_cast<Clock::duration>(interval * (k + static_cast<double>(index) / o.connections));
    if (due >= end) break;
    timer.expires_at(due);
    co_await timer.async_wait(asio::use_awaitable);
    if (co_await Exchange(client, at, request, due) < 0) ++out.errors;
    else out.latency_ms.push_back(Since(due));
  }
}

Task<void> ClosedLoopCaller(const UpstreamClient& client, const Endpoint& at, const Options& o, Clock::time_point end,
                            Results& out) {
  const UpstreamRequest request = Request(o, false);
  while (Clock::now() < end) {
    const auto sent = Clock::now();
    if (co_await Exchange(client, at, request, sent) < 0) ++out.errors;
    else out.latency_ms.push_back(Since(sent));
  }
}

Task<void> StreamCaller(const UpstreamClient& client, const Endpoint& at, const Options& o, Results& out) {
  const UpstreamRequest request = Request(o, true);
  for (int i = 0; i < o.requests; ++i) {
    const auto sent = Clock::now();
    const double first = co_await Exchange(client, at, request, sent);
    if (first < 0) {
      ++out.errors;
      continue;
    }
    out.first_chunk_ms.push_back(first);
    out.latency_ms.push_back(Since(sent));
  }
}

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--url") o.url = value;
    else if (flag == "--token") o.token = value;
    else if (flag == "--mode") o.mode = value;
    else if (flag == "--model") o.model = value;
    else if (flag == "--rate") o.rate = std::stoi(value);
    else if (flag == "--seconds") o.seconds = std::stoi(value);
    else if (flag == "--connections") o.connections = std::stoi(value);
    else if (flag == "--requests") o.requests = std::stoi(value);
    else if (flag == "--path") o.path = value;
    else if (flag == "--body") o.body = value;
    else return false;
  }
  return !o.url.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, o)) {
    fmt::print(stderr, "usage: llm_load --url http://127.0.0.1:PORT/v1 [--mode open|closed|stream] [--rate N] "
                       "[--seconds N] [--connections N] [--requests N] [--token T] [--model M]\n");
    return 2;
  }
  auto at = ParseBaseUrl(o.url);
  if (!at) {
    fmt::print(stderr, "bad --url: {}\n", at.error().message);
    return 2;
  }
  asio::io_context io;
  UpstreamClient client;
  Results results;
  // A short warm-up opens the pooled connections.
  const auto warm_end = Clock::now() + std::chrono::milliseconds(300);
  Results ignored;
  for (int c = 0; c < o.connections; ++c) asio::co_spawn(io, ClosedLoopCaller(client, *at, o, warm_end, ignored), asio::detached);
  io.run();
  io.restart();
  const auto start = Clock::now();
  if (o.mode == "open") {
    for (int c = 0; c < o.connections; ++c) {
      asio::co_spawn(io, OpenLoopCaller(client, *at, o, c, start, results), asio::detached);
    }
  } else if (o.mode == "closed") {
    const auto end = start + std::chrono::seconds(o.seconds);
    for (int c = 0; c < o.connections; ++c) asio::co_spawn(io, ClosedLoopCaller(client, *at, o, end, results), asio::detached);
  } else {
    asio::co_spawn(io, StreamCaller(client, *at, o, results), asio::detached);
  }
  io.run();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const auto& l = results.latency_ms;
  fmt::print("{:<6} requests {:>7}  errors {:>4}  {:>9.0f} req/s  latency ms p50 {:.3f} p90 {:.3f} p99 {:.3f} max {:.3f}",
             o.mode, l.size(), results.errors, static_cast<double>(l.size()) / elapsed, Percentile(l, 0.5),
             Percentile(l, 0.9), Percentile(l, 0.99), Percentile(l, 1.0));
  if (!results.first_chunk_ms.empty()) {
    fmt::print("  first chunk ms p50 {:.3f} p99 {:.3f}", Percentile(results.first_chunk_ms, 0.5),
               Percentile(results.first_chunk_ms, 0.99));
  }
  fmt::print("\n");
  return 0;
}
