// The LLM gateway through the real binary, on both databases, against fake providers on loopback:
// OpenAI-compatible calls whole and streamed, models, usage rows and totals, a user's own key,
// conversations, administrators' providers, and logs that hold no secrets.
#include <algorithm>
#include <fstream>
#include <thread>

#include "tests/integration/identity_fixture.h"
#include "tests/support/fake_llm.h"

namespace chorus::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kProviderKey = "sk-provider-secret-123";
constexpr const char* kSecretPrompt = "my very secret prompt";

class LlmTest : public IdentityTest {
 protected:
  void StartWith(const FakeLlm& fake) {
    const auto file = dir_.path() / "chorus.toml";
    std::ofstream(file) << "[providers.local]\nkind = \"openai\"\nbase_url = \"" << fake.BaseUrl()
                        << "\"\napi_key = \"env:LOCAL_KEY\"\nmodels = [\"gpt-4o-mini\"]\n"
                        << "input_price_per_million = 2\noutput_price_per_million = 10\n";
    Start({"--config", file.string(), "--set", "llm.usage_flush_interval=20ms"},
          {std::string("LOCAL_KEY=") + kProviderKey});
  }

  static json::object Chat(std::string_view content, bool stream = false) {
    json::object body{{"model", "gpt-4o-mini"},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", content}}}}};
    if (stream) body["stream"] = true;
    return body;
  }

  // Polls GET /api/v1/usage until `requests` calls are counted (rows are written in batches).
  json::value UsageWhen(const std::string& token, int64_t requests) {
    json::value usage;
    for (int i = 0; i < 100; ++i) {
      auto r = api().Get("/api/v1/usage", token);
      EXPECT_EQ(r.status, 200) << r.body;
      usage = r.json;
      if (r.status != 200 || usage.at("totals").at("requests").as_int64() >= requests) break;
      std::this_thread::sleep_for(20ms);
    }
    return usage;
  }
};

TEST_P(LlmTest, CompletesStreamsListsModelsAndMeters) {
  FakeLlm fake;
  StartWith(fake);
  const std::string token = SignUp("ann");

  auto whole = api().Post("/v1/chat/completions", Chat(kSecretPrompt), token);
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(whole.json.at("choices").at(0).at("message").at("content"), "Hello from fake");
  auto sent = fake.LastRequest();
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->authorization, std::string("Bearer ") + kProviderKey);
  for (const auto& [name, value] : sent->headers) {
    EXPECT_EQ(value.find(token), std::string::npos) << "the caller's credentials went upstream in " << name;
  }

  fake.SetDelay(10ms);  // the provider's events arrive apart (events that arrive together leave together)
  auto streamed = api().Post("/v1/chat/completions", Chat("stream it", true), token);
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_NE(streamed.raw.Header("Content-Type").find("text/event-stream"), std::string::npos);
  EXPECT_NE(streamed.body.find("chat.completion.chunk"), std::string::npos);
  EXPECT_NE(streamed.body.rfind("data: [DONE]"), std::string::npos);
  EXPECT_GE(streamed.raw.chunks.size(), 3u) << "relayed event by event";

  auto models = api().Get("/v1/models", token);
  ASSERT_EQ(models.status, 200) << models.body;
  std::vector<std::string> ids;
  for (const auto& m : models.json.at("data").as_array()) ids.emplace_back(m.at("id").as_string());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "gpt-4o-mini"), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "tts-1"), ids.end());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << "ordered by name, the local speech models among them";
  auto unknown = api().Post("/v1/chat/completions", json::object{{"model", "nope"}, {"messages", Chat("x").at("messages")}}, token);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.ErrorParam(), "model");
  auto bad = api().Post("/v1/chat/completions", json::object{{"model", "gpt-4o-mini"}, {"messages", json::array()}}, token);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.ErrorParam(), "messages");

  const json::value usage = UsageWhen(token, 2);
  EXPECT_EQ(usage.at("totals").at("requests"), 2);
  EXPECT_EQ(usage.at("totals").at("input_tokens"), 14);
  EXPECT_EQ(usage.at("totals").at("output_tokens"), 10);
  EXPECT_NEAR(usage.at("totals").at("cost").to_number<double>(), 2 * (7 * 2 + 5 * 10) / 1e6, 1e-9);
  EXPECT_EQ(usage.at("models").at(0).at("model"), "gpt-4o-mini");
  auto rows = Sql("SELECT provider, model, input_tokens, output_tokens, status FROM usage_logs");
  ASSERT_EQ(rows.size(), 2u) << "the unknown model and the bad request cost nothing";
  auto daily = Sql("SELECT request_count, input_tokens FROM usage_metrics WHERE service = 'llm'");
  ASSERT_EQ(daily.size(), 1u);
  EXPECT_EQ(daily[0].Int(0), 2);

  const std::string log = Log();
  EXPECT_EQ(log.find(kProviderKey), std::string::npos) << "the provider key was logged";
  EXPECT_EQ(log.find(token), std::string::npos) << "the caller's token was logged";
  EXPECT_EQ(log.find(kSecretPrompt), std::string::npos) << "a request body was logged";
}

TEST_P(LlmTest, AUsersOwnKeyIsTheOneSentAndTheirHostIsGuarded) {
  FakeLlm fake;
  StartWith(fake);
  const std::string token = SignUp("bob");
  auto put = api().Call("PUT", "/api/v1/me/providers/local", R"({"api_key":"sk-bobs-own-key-1"})", token);
  ASSERT_EQ(put.status, 200) << put.body;
  ASSERT_EQ(api().Post("/v1/chat/completions", Chat("hi"), token).status, 200);
  EXPECT_EQ(fake.LastRequest()->authorization, "Bearer sk-bobs-own-key-1");
  // Again, from what the gateway remembered of bob's keys.
  ASSERT_EQ(api().Post("/v1/chat/completions", Chat("hi"), token).status, 200);
  EXPECT_EQ(fake.LastRequest()->authorization, "Bearer sk-bobs-own-key-1");
  // Another user's call is not answered from bob's entry.
  ASSERT_EQ(api().Post("/v1/chat/completions", Chat("hi"), SignUp("bea")).status, 200);
  EXPECT_NE(fake.LastRequest()->authorization, "Bearer sk-bobs-own-key-1");

  const std::string own_host = R"({"base_url":")" + fake.BaseUrl() + R"("})";
  ASSERT_EQ(api().Call("PUT", "/api/v1/me/providers/local", own_host, token).status, 200);
  const int before = fake.Requests();
  for (int call = 0; call < 2; ++call) {  // the second with bob's entry remembered: still guarded
    auto guarded = api().Post("/v1/chat/completions", Chat("hi"), token);
    EXPECT_EQ(guarded.status, 403) << "a user's loopback base URL does not pass the URL guard: " << guarded.body;
  }
  EXPECT_EQ(fake.Requests(), before);
}

TEST_P(LlmTest, ConversationsKeepEveryMessageAndTheirOwner) {
  FakeLlm fake;
  StartWith(fake);
  const std::string token = SignUp("cat");
  auto made = api().Post("/api/v1/conversations",
                         {{"title", "Trip"}, {"model", "gpt-4o-mini"}, {"system_prompt", "Be brief."}}, token);
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.Str("id");
  const std::string messages = "/api/v1/conversations/" + id + "/messages";

  auto first = api().Post(messages, {{"content", "Where to?"}}, token);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.Str("role"), "assistant");
  EXPECT_EQ(first.Str("content"), "Hello from fake");
  EXPECT_EQ(first.json.at("token_count"), 5);
  auto second = api().Post(messages, {{"content", "And then?"}}, token);
  ASSERT_EQ(second.status, 201) << second.body;
  const json::value sent = json::parse(fake.LastRequest()->body);
  const auto& history = sent.at("messages").as_array();
  ASSERT_EQ(history.size(), 4u) << "system, user, assistant, user";
  EXPECT_EQ(history[0].at("content"), "Be brief.");
  EXPECT_EQ(history[2].at("content"), "Hello from fake");

  auto streamed = api().Post(messages, {{"content", "Stream please"}, {"stream", true}}, token);
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_NE(streamed.body.find("data: [DONE]"), std::string::npos);
  // [DONE] comes once the reply is stored: the exchange is complete when the client reads it.
  json::value listed = api().Get(messages, token).json;
  const auto& all = listed.at("data").as_array();
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[0].at("content"), "Where to?");
  EXPECT_EQ(all[5].at("role"), "assistant");
  EXPECT_EQ(all[5].at("content"), "Hello from fake");

  const std::string other = SignUp("dan");
  EXPECT_EQ(api().Get("/api/v1/conversations/" + id, other).status, 404);
  EXPECT_EQ(api().Post(messages, {{"content", "sneaky"}}, other).status, 404);
  EXPECT_EQ(api().Call("DELETE", "/api/v1/conversations/" + id, {}, other).status, 404);
  EXPECT_EQ(api().Get(messages, token).json.at("data").as_array().size(), 6u) << "no side effect";
  EXPECT_EQ(api().Call("DELETE", "/api/v1/conversations/" + id, {}, token).status, 204);
  EXPECT_EQ(api().Get("/api/v1/conversations/" + id, token).status, 404);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM messages")[0].Int(0), 0);
}

TEST_P(LlmTest, AnExchangeThatFailsStoresNothing) {
  FakeLlm fake;
  StartWith(fake);
  const std::string token = SignUp("fay");
  auto made = api().Post("/api/v1/conversations", {{"model", "gpt-4o-mini"}}, token);
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string messages = "/api/v1/conversations/" + made.Str("id") + "/messages";
  auto stored = [&] { return api().Get(messages, token).json.at("data").as_array().size(); };

  fake.SetMode(FakeLlm::Mode::kFail500);
  EXPECT_EQ(api().Post(messages, {{"content", "Hello?"}}, token).status, 502);
  EXPECT_EQ(stored(), 0u) << "the user's message is withdrawn: sending it again does not repeat it";

  fake.SetMode(FakeLlm::Mode::kRefuse);
  fake.SetRefusal(400, R"({"error":{"message":"This model's maximum context length is 8192 tokens.",)"
                       R"("type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
  auto refused = api().Post(messages, {{"content", "Hello?"}}, token);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("maximum context length"), std::string::npos) << "the provider's own words";
  EXPECT_EQ(stored(), 0u);
  auto refused_stream = api().Post(messages, {{"content", "Hello?"}, {"stream", true}}, token);
  EXPECT_EQ(refused_stream.status, 400) << refused_stream.body;
  EXPECT_EQ(stored(), 0u);

  fake.SetMode(FakeLlm::Mode::kCloseAfterHeaders);  // the stream breaks after it began
  auto broken = api().Post(messages, {{"content", "Hello?"}, {"stream", true}}, token);
  EXPECT_EQ(broken.status, 200);
  EXPECT_NE(broken.body.find("\"error\""), std::string::npos) << broken.body;
  EXPECT_EQ(stored(), 0u) << "withdrawn before the error event went out";
  ASSERT_EQ(api().Post(messages, {{"content", "Hello?"}, {"stream", true}}, token).status, 200)
      << "sending it again at once is not refused (kCloseAfterHeaders still)";

  fake.SetMode(FakeLlm::Mode::kNormal);
  ASSERT_EQ(api().Post(messages, {{"content", "Hello?"}}, token).status, 201);
  EXPECT_EQ(stored(), 2u);
}

TEST_P(LlmTest, AdministratorsManageProvidersWithSealedKeys) {
  FakeLlm fake, extra;
  StartWith(fake);
  const std::string admin = AdminToken();
  const std::string user = SignUp("eve");
  const std::string body = R"({"kind":"openai","base_url":")" + extra.BaseUrl() +
                           R"(","api_key":"sk-extra-admin-key","models":[{"name":"extra-model","upstream_model":"x-1","input_price_per_million":1}]})";
  EXPECT_EQ(api().Call("PUT", "/api/v1/admin/providers/extra", body, user).status, 403);
  auto put = api().Call("PUT", "/api/v1/admin/providers/extra", body, admin);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body.find("sk-extra"), std::string::npos) << "a key is never shown back";
  EXPECT_EQ(api().Call("PUT", "/api/v1/admin/providers/local", body, admin).status, 409) << "declared in the file";

  auto call = api().Post("/v1/chat/completions", json::object{{"model", "extra-model"}, {"messages", Chat("x").at("messages")}}, user);
  ASSERT_EQ(call.status, 200) << call.body;
  EXPECT_EQ(extra.LastRequest()->authorization, "Bearer sk-extra-admin-key");
  EXPECT_EQ(json::parse(extra.LastRequest()->body).at("model"), "x-1");
  auto stored = Sql("SELECT credentials_ciphertext FROM providers WHERE name = 'extra'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].BlobBytes(0).find("sk-extra"), std::string::npos) << "sealed at rest";

  auto listed = api().Get("/api/v1/admin/providers", admin);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json.at("data").as_array().size(), 2u);
  EXPECT_EQ(api().Call("DELETE", "/api/v1/admin/providers/extra", {}, admin).status, 204);
  EXPECT_EQ(api().Post("/v1/chat/completions", json::object{{"model", "extra-model"}, {"messages", Chat("x").at("messages")}}, user).status,
            404);
}

CHORUS_INSTANTIATE_FOR_BACKENDS(LlmTest);

}  // namespace
}  // namespace chorus::testing
