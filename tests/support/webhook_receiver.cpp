#include "tests/support/webhook_receiver.h"

#include <gtest/gtest.h>

#include "auth/hmac.h"
#include "base/strings.h"
#include "http/dispatcher.h"
#include "http/server.h"

namespace chorus::testing {

WebhookReceiver::WebhookReceiver(int failures, int status)
    : failures_(failures), status_(status), router_(std::make_unique<http::Router>()) {
  EXPECT_TRUE(router_->Add({http::Method::kPost, "/hook", http::Access::kPublic,
                            [this](http::Request& r) -> Task<http::Response> {
                              size_t n = 0;
                              {
                                std::lock_guard lock(mu_);
                                received_.push_back({r.body(), std::string(r.Header("Chorus-Signature"))});
                                n = received_.size();
                              }
                              co_return http::Response::Text(static_cast<int>(n) <= failures_ ? 500 : status_, "");
                            },
                            ""}));
  metrics_ = std::make_unique<http::HttpMetrics>(*router_);
  dispatcher_ = std::make_unique<http::Dispatcher>(*router_, *metrics_, http::DispatcherSettings{.access_log = false});
  server_ = std::make_unique<http::Server>(http::ServerSettings{.port = 0, .handle_signals = false}, *dispatcher_);
  EXPECT_TRUE(server_->Listen());
  thread_ = std::thread([this] { server_->Run(); });
}

WebhookReceiver::~WebhookReceiver() {
  server_->RequestShutdown();
  thread_.join();
}

std::string WebhookReceiver::Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook"; }

std::vector<ReceivedWebhook> WebhookReceiver::Received() {
  std::lock_guard lock(mu_);
  return received_;
}

bool WebhookReceiver::WaitFor(size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      if (received_.size() >= n) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool SignatureVerifies(const std::string& secret, const std::string& signature, const std::string& body) {
  const auto comma = signature.find(",v1=");
  if (signature.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  const std::string t = signature.substr(2, comma - 2);
  return signature.substr(comma + 4) == HexEncode(auth::HmacSha256(secret, t + "." + body));
}

}  // namespace chorus::testing
