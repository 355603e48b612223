// Counts failed logins per key (an account's login name, or a client address) in a sliding window.
// Past the limit, further attempts are refused until the oldest failure leaves the window — so a
// lock always clears on its own and the real owner is never locked out for good. In memory, per
// process: with several API nodes each enforces the limit on its own. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace chorus::services {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  LoginThrottle(int max_failures, std::chrono::milliseconds window) : max_(max_failures), window_(window) {}

  // When `key` is locked: how long until it may try again.
  std::optional<std::chrono::seconds> RetryAfter(const std::string& key);
  void RecordFailure(const std::string& key);
  void Clear(const std::string& key);

 private:
  void Prune(std::deque<Clock::time_point>& failures, Clock::time_point now) const;

  const int max_;
  const std::chrono::milliseconds window_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;  // guarded by mu_
};

}  // namespace chorus::services
