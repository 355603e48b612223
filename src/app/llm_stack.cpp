#include "app/llm_stack.h"

namespace chorus::app {
namespace {

std::vector<llm::ProviderSpec> ConfiguredProviders(const config::Config& config) {
  std::vector<llm::ProviderSpec> specs;
  for (const auto& p : config.providers) {
    if (p.models.empty()) continue;  // a speech-to-text provider only
    llm::ProviderSpec spec{.name = p.name,
                           .kind = p.kind == "anthropic" ? llm::ProviderKind::kAnthropic : llm::ProviderKind::kOpenAi,
                           .base_url = p.base_url,
                           .api_key = p.api_key,
                           .from_config = true};
    for (const auto& [name, upstream] : p.models) {
      spec.models.push_back(llm::ModelSpec{name, upstream, p.input_price_per_million, p.output_price_per_million,
                                           p.weight});
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace

std::unique_ptr<LlmStack> LlmStack::Build(const config::Config& config, store::AsyncDb& db, BlockingPool& blocking,
                                          const auth::SecretBox& box, const http::client::UrlGuard& guard,
                                          services::ProviderKeyService& user_keys_service) {
  auto s = std::make_unique<LlmStack>();
  const auto& l = config.llm;
  s->catalog = std::make_unique<services::ModelCatalog>(db, box, ConfiguredProviders(config));
  s->upstream = std::make_unique<http::client::UpstreamClient>();
  s->user_keys = std::make_unique<services::UserProviderKeys>(db, blocking, box, guard, config.auth.credential_cache_ttl);
  user_keys_service.OnChange([keys = s->user_keys.get()](const std::string& user, const std::string& provider) {
    keys->Invalidate(user, provider);
  });
  s->usage = std::make_unique<llm::UsageRecorder>(db.database(), l.usage_flush_interval);
  s->gateway = std::make_unique<llm::Gateway>(
      s->catalog->registry(), *s->upstream, s->user_keys.get(), *s->usage,
      llm::GatewaySettings{.timeouts = {.connect = l.connect_timeout, .first_byte = l.first_byte_timeout,
                                        .idle = l.idle_timeout},
                           .answer_timeout = l.answer_timeout,
                           .max_response_bytes = l.max_response_bytes,
                           .max_attempts = l.max_attempts,
                           .fallback_backoff = l.fallback_backoff});
  return s;
}

}  // namespace chorus::app
