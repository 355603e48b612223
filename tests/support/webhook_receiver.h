// A fake webhook receiver on loopback (test code only): it records every POST to /hook with its
// Chorus-Signature header and answers 500 to the first `failures` of them, then `status`.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chorus::http {
class Router;
class HttpMetrics;
class Dispatcher;
class Server;
}  // namespace chorus::http

namespace chorus::testing {

struct ReceivedWebhook {
  std::string body;
  std::string signature;
};

class WebhookReceiver {
 public:
  explicit WebhookReceiver(int failures = 0, int status = 200);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string Url() const;
  // What arrived so far, in order.
  std::vector<ReceivedWebhook> Received();
  // Waits until at least `n` deliveries arrived; false on timeout.
  bool WaitFor(size_t n, std::chrono::milliseconds timeout);

 private:
  const int failures_;
  const int status_;
  std::mutex mu_;
  std::vector<ReceivedWebhook> received_;  // guarded by mu_
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::HttpMetrics> metrics_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

// Whether `signature` ("t=<unix>,v1=<hex>") is the HMAC-SHA256 of "<t>.<body>" under `secret`.
bool SignatureVerifies(const std::string& secret, const std::string& signature, const std::string& body);

}  // namespace chorus::testing
