#include "llm/registry.h"

#include <gtest/gtest.h>

#include <map>

namespace chorus::llm {
namespace {

std::vector<ProviderSpec> TwoProviders() {
  return {ProviderSpec{.name = "a", .base_url = "http://127.0.0.1:1/v1", .api_key = "ka",
                       .models = {{.name = "m", .upstream_model = "m-a", .input_price_per_million = 1, .weight = 3},
                                  {.name = "only-a", .upstream_model = "x"}}},
          ProviderSpec{.name = "b", .kind = ProviderKind::kAnthropic, .base_url = "https://api.example.com/v1",
                       .models = {{.name = "m", .upstream_model = "m-b", .weight = 1}}}};
}

TEST(RegistryTest, MapsModelsToTheirDeployments) {
  auto registry = Registry::Build(TwoProviders());
  ASSERT_TRUE(registry) << registry.error().message;
  const ModelRoute* m = (*registry)->Find("m");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->deployments.size(), 2u);
  EXPECT_EQ(m->total_weight, 4);
  EXPECT_EQ(m->deployments[1].endpoint.scheme, "https");
  EXPECT_EQ(m->deployments[1].endpoint.path_prefix, "/v1");
  EXPECT_EQ((*registry)->Find("nope"), nullptr);
  EXPECT_EQ((*registry)->models().size(), 2u);
  EXPECT_DOUBLE_EQ(m->deployments[0].Cost(1'000'000, 5), 1.0);
}

TEST(RegistryTest, AttemptOrderFollowsWeightsAndTriesEveryDeployment) {
  auto registry = Registry::Build(TwoProviders());
  const ModelRoute& m = *(*registry)->Find("m");
  std::map<std::string, int> first;
  for (uint64_t r = 0; r < 400; ++r) {
    auto order = Registry::AttemptOrder(m, r);
    ASSERT_EQ(order.size(), 2u);
    EXPECT_NE(order[0], order[1]);
    ++first[order[0]->provider];
  }
  EXPECT_EQ(first["a"], 300);
  EXPECT_EQ(first["b"], 100);
}

TEST(RegistryTest, RefusesBadProviders) {
  auto specs = TwoProviders();
  specs[1].name.assign(specs[0].name);  // (assigning a literal trips GCC 12's -Wrestrict here)
  EXPECT_FALSE(Registry::Build(specs));
  specs = TwoProviders();
  specs[0].base_url = "ftp://example.com";
  EXPECT_FALSE(Registry::Build(specs));
  EXPECT_EQ(ParseKind("grpc").error().param, "kind");
}

}  // namespace
}  // namespace chorus::llm
