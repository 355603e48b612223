#include "services/login_throttle.h"

namespace chorus::services {

void LoginThrottle::Prune(std::deque<Clock::time_point>& failures, Clock::time_point now) const {
  while (!failures.empty() && failures.front() + window_ <= now) failures.pop_front();
}

std::optional<std::chrono::seconds> LoginThrottle::RetryAfter(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return std::nullopt;
  const auto now = Clock::now();
  Prune(it->second, now);
  if (it->second.empty()) {
    failures_.erase(it);
    return std::nullopt;
  }
  if (static_cast<int>(it->second.size()) < max_) return std::nullopt;
  const auto wait = it->second.front() + window_ - now;
  return std::chrono::ceil<std::chrono::seconds>(wait);
}

void LoginThrottle::RecordFailure(const std::string& key) {
  std::lock_guard lock(mu_);
  auto& failures = failures_[key];
  const auto now = Clock::now();
  Prune(failures, now);
  failures.push_back(now);
  // Bound memory per key: only the newest max_ failures matter.
  while (static_cast<int>(failures.size()) > max_) failures.pop_front();
  // Bound memory overall: an attacker spraying names must not grow this without limit.
  if (failures_.size() > 100000) {
    for (auto i = failures_.begin(); i != failures_.end();) {
      Prune(i->second, now);
      i = i->second.empty() ? failures_.erase(i) : std::next(i);
    }
  }
}

void LoginThrottle::Clear(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

}  // namespace chorus::services
