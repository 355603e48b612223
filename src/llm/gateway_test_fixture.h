// Test fixture of the gateway tests: a gateway over fake OpenAI-compatible and Anthropic providers
// on loopback (tests/support/fake_llm), a usage sink that records, an event sink that collects,
// and a user with their own key. Test code only.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "llm/gateway.h"
#include "llm/registry.h"
#include "tests/support/fake_llm.h"
#include "tests/support/run_task.h"

namespace chorus::llm::testing {

using namespace std::chrono_literals;
using chorus::testing::FakeLlm;
using chorus::testing::RunTask;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

class RecordingUsage : public UsageSink {
 public:
  void Record(UsageRecord record) override {
    std::lock_guard lock(mu_);
    records_.push_back(std::move(record));
  }
  std::vector<UsageRecord> records() {
    std::lock_guard lock(mu_);
    return records_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    records_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<UsageRecord> records_;
};

// Collects relayed events and how many came in each call, and counts keep-alives; goes away
// (returns false) after `hang_up_after` events, or at a keep-alive, when set.
class CollectingSink : public EventSink {
 public:
  explicit CollectingSink(int hang_up_after = -1) : hang_up_after_(hang_up_after) {}
  Task<bool> Send(std::span<const std::string> batch) override {
    batches.push_back(batch.size());
    for (const std::string& event : batch) {
      if (hang_up_after_ >= 0 && static_cast<int>(events.size()) >= hang_up_after_) co_return false;
      events.push_back(event);
      times.push_back(Clock::now());
    }
    co_return true;
  }
  Task<bool> KeepAlive() override {
    ++keepalives;
    co_return hang_up_after_ < 0;
  }
  std::vector<std::string> events;
  std::vector<Clock::time_point> times;
  std::vector<size_t> batches;
  int keepalives = 0;

 private:
  const int hang_up_after_;
};

class OwnKeys : public UserKeys {
 public:
  Task<Result<std::optional<UserKey>>> Find(const std::string& user_id, const std::string& provider, bool) override {
    if (user_id == "u-own" && provider == "primary") co_return std::optional<UserKey>(UserKey{.api_key = "sk-users-own"});
    co_return std::optional<UserKey>();
  }
};

inline ProviderSpec Provider(const std::string& name, const FakeLlm& fake, int weight = 1) {
  return ProviderSpec{.name = name,
                      .kind = fake.kind() == FakeLlm::Kind::kAnthropic ? ProviderKind::kAnthropic : ProviderKind::kOpenAi,
                      .base_url = fake.BaseUrl(),
                      .api_key = "sk-" + name,
                      .models = {{.name = "m", .upstream_model = "up-" + name, .input_price_per_million = 2,
                                  .output_price_per_million = 10, .weight = weight}}};
}

class GatewayTest : public ::testing::Test {
 protected:
  // Deployments are tried by descending weight (the weighted draw is fixed to its first ticket).
  void Use(std::vector<ProviderSpec> providers, GatewaySettings settings = {}) {
    settings.random = [] { return uint64_t{0}; };
    auto registry = Registry::Build(providers);
    ASSERT_TRUE(registry) << registry.error().message;
    // A test's outcomes may still hold settles that refer to the gateway being replaced: it and its
    // registry stay until the test ends.
    if (gateway_) {
      retired_.push_back(std::move(gateway_));
      retired_holders_.push_back(std::move(holder_));
    }
    holder_ = std::make_unique<RegistryHolder>(*registry);
    gateway_ = std::make_unique<Gateway>(*holder_, client_, &keys_, usage_, settings);
  }

  static ChatCall Call(bool stream = false, std::string user = "u1") {
    ChatCall call;
    call.user_id = std::move(user);
    call.body = json::parse(R"({"model":"m","messages":[{"role":"user","content":"Hi"}]})").as_object();
    if (stream) call.body["stream"] = true;
    call.collect_text = true;
    return call;
  }

  Result<ChatOutcome> Complete(ChatCall call) { return RunTask(gateway_->Complete(std::move(call))); }

  // Opens and relays a stream; the outcome's status is 0 when the stream could not be opened.
  ChatOutcome Stream(ChatCall call, CollectingSink& sink, Error* open_error = nullptr) {
    return RunTask([&]() -> Task<ChatOutcome> {
      auto opened = co_await gateway_->Open(std::move(call));
      if (!opened) {
        if (open_error) *open_error = opened.error();
        co_return ChatOutcome{.status = 0};
      }
      if ((*opened)->refused) co_return std::move(*(*opened)->refused);
      co_return co_await (*opened)->stream->Relay(sink);
    }());
  }

  http::client::UpstreamClient client_;
  OwnKeys keys_;
  RecordingUsage usage_;
  std::vector<std::unique_ptr<RegistryHolder>> retired_holders_;
  std::vector<std::unique_ptr<Gateway>> retired_;
  std::unique_ptr<RegistryHolder> holder_;
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace chorus::llm::testing
