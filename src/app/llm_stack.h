// The LLM gateway's parts, built together by the composition root: the model catalog (config and
// database providers), the pooled upstream client, each user's own keys, the usage recorder and
// the gateway itself.
#pragma once

#include <memory>

#include "config/config.h"
#include "http/client/upstream.h"
#include "llm/gateway.h"
#include "llm/usage_recorder.h"
#include "services/model_catalog.h"
#include "services/provider_key_service.h"
#include "services/user_provider_keys.h"

namespace chorus::app {

struct LlmStack {
  static std::unique_ptr<LlmStack> Build(const config::Config& config, store::AsyncDb& db, BlockingPool& blocking,
                                         const auth::SecretBox& box, const http::client::UrlGuard& guard,
                                         services::ProviderKeyService& user_keys_service);

  std::unique_ptr<services::ModelCatalog> catalog;
  std::unique_ptr<http::client::UpstreamClient> upstream;
  std::unique_ptr<services::UserProviderKeys> user_keys;
  std::unique_ptr<llm::UsageRecorder> usage;
  std::unique_ptr<llm::Gateway> gateway;
};

}  // namespace chorus::app
