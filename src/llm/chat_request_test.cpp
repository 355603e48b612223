// ValidateChatRequest: the checks of OpenAI's Chat Completions request that Chorus makes itself.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "llm/gateway.h"

namespace chorus::llm {
namespace {

namespace json = boost::json;

TEST(ValidateChatRequestTest, NamesTheBadField) {
  auto check = [](const char* text) { return ValidateChatRequest(json::parse(text).as_object()); };
  EXPECT_TRUE(check(R"({"model":"m","messages":[{"role":"user","content":"x"}]})"));
  EXPECT_EQ(check(R"({"messages":[{"role":"user","content":"x"}]})").error().param, "model");
  EXPECT_EQ(check(R"({"model":"m","messages":[]})").error().param, "messages");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})").error().param, "messages[0].role");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3})").error().param,
            "temperature");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":0})").error().param, "n");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})").error().param, "stream");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})").error().param,
            "messages[0].tool_call_id");
  // Every checked parameter, after a valid start; null means absent.
  const std::string ok = R"({"model":"m","messages":[{"role":"user","content":"x"}],)";
  for (const auto& [member, param] : std::vector<std::pair<std::string, std::string>>{
           {R"("top_p":1.5)", "top_p"},
           {R"("presence_penalty":-3)", "presence_penalty"},
           {R"("frequency_penalty":"high")", "frequency_penalty"},
           {R"("max_tokens":0)", "max_tokens"},
           {R"("max_completion_tokens":2.5)", "max_completion_tokens"},
           {R"("stop":["a",1])", "stop"},
           {R"("stop":{"a":1})", "stop"},
           {R"("max_tokens":9223372036854775808)", "max_tokens"},  // above INT64_MAX: a 400, not a throw
           {R"("n":18446744073709551615)", "n"},
           {R"("max_tokens":-9223372036854775808)", "max_tokens"},
           {R"("tools":{})", "tools"},
           {R"("response_format":"json")", "response_format"},
           {R"("stream_options":true)", "stream_options"}}) {
    auto bad = check((ok + member + "}").c_str());
    ASSERT_FALSE(bad) << member;
    EXPECT_EQ(bad.error().param, param) << member;
  }
  EXPECT_TRUE(check((ok + R"("temperature":null,"stop":"x","tools":[],"n":2,"max_tokens":10})").c_str()));
  EXPECT_TRUE(check((ok + R"("stop":["a","b","c","d","e"]})").c_str())) << "how many is the provider's rule";
  // The checks keep their order whatever the members' order: the model is named first.
  EXPECT_EQ(check(R"({"temperature":9,"messages":[{"role":"user","content":"x"}]})").error().param, "model");
}

}  // namespace
}  // namespace chorus::llm
