// Conversations against a real database (both kinds) and a fake provider on loopback: one exchange
// at a time per conversation (held while it runs, for the lease past a crash), a conversation deleted while its reply is written, and a streamed
// reply dropped before it was relayed.
#include "services/conversation_service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

#include "llm/gateway_test_fixture.h"
#include "tests/support/migrated_db.h"
#include "tests/support/run_task.h"

namespace chorus::services {
namespace {

using namespace std::chrono_literals;
using chorus::testing::FakeLlm;
using chorus::testing::RunTask;
namespace json = boost::json;

class ConversationServiceTest : public chorus::testing::MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    async_ = std::make_unique<store::AsyncDb>(db(), blocking_);
    auto registry = llm::Registry::Build({llm::testing::Provider("primary", fake_)});
    ASSERT_TRUE(registry) << registry.error().message;
    holder_ = std::make_unique<llm::RegistryHolder>(*registry);
    gateway_ = std::make_unique<llm::Gateway>(*holder_, client_, nullptr, usage_, llm::GatewaySettings{});
    alice_ = {.user_id = MakeUser("alice"), .access_role = "user", .account_type = "registered"};
  }

  std::unique_ptr<ConversationService> Service(std::chrono::milliseconds lease = 1min,
                                               std::chrono::milliseconds heartbeat = 20s) {
    return std::make_unique<ConversationService>(*async_, *gateway_, lease, heartbeat);
  }

  std::string NewConversation(ConversationService& s) {
    auto made = RunTask(s.Create(alice_, {.model = "m"}));
    EXPECT_TRUE(made) << made.error().message;
    return made ? made->id : std::string();
  }

  int64_t Messages(const std::string& conversation) {
    return Count("messages", "conversation_id = '" + conversation + "'");
  }

  // Waits (a bounded while) until the conversation holds `n` messages.
  bool WaitForMessages(const std::string& conversation, int64_t n) {
    for (int i = 0; i < 200; ++i) {
      if (Messages(conversation) == n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  // Sends a message on a thread of its own, the model answering after `delay`, into `out`; returns
  // that thread once the user's message is stored (the model still answering).
  std::thread SendMeanwhile(ConversationService& s, const std::string& id, std::chrono::milliseconds delay,
                            Result<ExchangeResult>& out) {
    fake_.SetDelay(delay);
    const int64_t before = Messages(id);
    std::thread answering([this, &s, id, &out] { out = RunTask(s.Send(alice_, id, "first")); });
    EXPECT_TRUE(WaitForMessages(id, before + 1)) << "the user's message is stored before the model answers";
    return answering;
  }

  FakeLlm fake_;
  BlockingPool blocking_{2};
  std::unique_ptr<store::AsyncDb> async_;
  http::client::UpstreamClient client_;
  llm::testing::RecordingUsage usage_;
  std::unique_ptr<llm::RegistryHolder> holder_;
  std::unique_ptr<llm::Gateway> gateway_;
  Caller alice_;
};

TEST_P(ConversationServiceTest, AMessageSentWhileTheLastOneAwaitsItsReplyIsRefused) {
  auto service = Service();
  const std::string id = NewConversation(*service);
  Result<ExchangeResult> first = Unexpected(ErrorCode::kInternal, "not run");
  std::thread answering = SendMeanwhile(*service, id, 600ms, first);
  auto second = RunTask(service->Send(alice_, id, "second"));
  answering.join();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(fake_.Requests(), 1) << "the refused message never reached the model";

  fake_.SetDelay(0ms);
  auto third = RunTask(service->Send(alice_, id, "third"));
  ASSERT_TRUE(third) << third.error().message;
  const json::value sent = json::parse(fake_.LastRequest()->body);
  const auto& history = sent.at("messages").as_array();
  ASSERT_EQ(history.size(), 3u) << "first, its reply, third";
  EXPECT_EQ(history[0].at("content"), "first");
  EXPECT_EQ(history[1].at("role"), "assistant");
  EXPECT_EQ(history[2].at("content"), "third");
  EXPECT_EQ(Messages(id), 4);
}

TEST_P(ConversationServiceTest, AReplysTokenCountLeavesOutHiddenReasoning) {
  auto service = Service();
  const std::string id = NewConversation(*service);
  fake_.SetUsage(20, 900);
  fake_.SetReasoningTokens(850);
  auto whole = RunTask(service->Send(alice_, id, "think hard"));
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->reply.token_count, 50) << "what the reply's text takes of later contexts";
  const json::value metadata = json::parse(whole->reply.provider_metadata);
  EXPECT_EQ(metadata.at("output_tokens"), 900);
  EXPECT_EQ(metadata.at("reasoning_tokens"), 850);
}

TEST_P(ConversationServiceTest, AMessageLeftWithoutAReplyHoldsTheConversationForTheLeaseOnly) {
  auto service = Service(200ms);
  const std::string id = NewConversation(*service);
  // As a process that stopped while the model answered leaves it.
  ASSERT_TRUE(store::messages::Append(*Write(), id, {.role = "user", .content = "cut short"}));
  EXPECT_EQ(RunTask(service->Send(alice_, id, "again")).error().code, ErrorCode::kConflict);
  std::this_thread::sleep_for(250ms);
  auto later = RunTask(service->Send(alice_, id, "again"));
  EXPECT_TRUE(later) << later.error().message;
}

TEST_P(ConversationServiceTest, AnExchangeLongerThanTheLeaseKeepsItsHoldWhileItRuns) {
  auto service = Service(/*lease=*/300ms, /*heartbeat=*/100ms);
  const std::string id = NewConversation(*service);
  Result<ExchangeResult> first = Unexpected(ErrorCode::kInternal, "not run");
  std::thread answering = SendMeanwhile(*service, id, 1000ms, first);
  std::this_thread::sleep_for(600ms);  // twice the lease: only the heartbeat keeps the hold
  auto second = RunTask(service->Send(alice_, id, "second"));
  answering.join();
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(Messages(id), 2);
}

TEST_P(ConversationServiceTest, AConversationDeletedWhileTheModelAnswersIsNotFound) {
  auto service = Service();
  const std::string id = NewConversation(*service);
  Result<ExchangeResult> sent = Unexpected(ErrorCode::kInternal, "not run");
  std::thread answering = SendMeanwhile(*service, id, 400ms, sent);
  EXPECT_TRUE(RunTask(service->Delete(alice_, id)));
  answering.join();
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kNotFound) << sent.error().message;
  EXPECT_EQ(Count("messages"), 0);
}

TEST_P(ConversationServiceTest, AStreamedReplyDroppedBeforeItWasRelayedWithdrawsTheMessage) {
  auto service = Service();
  const std::string id = NewConversation(*service);
  const bool opened = RunTask([&]() -> Task<bool> {
    auto pending = co_await service->SendStreaming(alice_, id, "hello");
    co_return pending && Messages(id) == 1;
    // Dropped here unrelayed, as when the client went before the response began.
  }());
  ASSERT_TRUE(opened);
  EXPECT_TRUE(WaitForMessages(id, 0)) << "withdrawn in the background";
  auto next = RunTask(service->Send(alice_, id, "hello again"));
  EXPECT_TRUE(next) << "nothing holds the conversation: " << next.error().message;
}

CHORUS_INSTANTIATE_FOR_BACKENDS(ConversationServiceTest);

}  // namespace
}  // namespace chorus::services
