// Which of a conversation's messages go to the model: the newest that fit the context window, with
// a quarter of it (at least 256 tokens) left for the reply.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/conversation_service.h"

namespace chorus::services {
namespace {

store::Message Said(std::string id, std::optional<int64_t> tokens, size_t bytes = 0) {
  return store::Message{.id = std::move(id), .role = "user", .content = std::string(bytes, 'x'), .token_count = tokens};
}

std::vector<std::string> Kept(const std::vector<store::Message>& kept) {
  std::vector<std::string> ids;
  for (const auto& m : kept) ids.push_back(m.id);
  return ids;
}

TEST(ConversationTrimTest, KeepsTheNewestThatFitWithRoomForTheReply) {
  // A 1,024-token window leaves 768 after the reply's 256; each message costs its count and 4.
  std::vector<store::Message> history{Said("a", 350), Said("b", 350), Said("c", 350), Said("d", 150)};
  EXPECT_EQ(Kept(ConversationService::Trim(history, 1024, 0)), (std::vector<std::string>{"c", "d"}))
      << "of 764 (the system prompt's framing taken), d takes 154 and c 354; b would need 354 of 256";
  EXPECT_EQ(Kept(ConversationService::Trim(history, 100000, 0)), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(ConversationTrimTest, TheSystemPromptTakesItsShareFirst) {
  std::vector<store::Message> history{Said("a", 300), Said("b", 300)};
  EXPECT_EQ(Kept(ConversationService::Trim(history, 1024, 0)), (std::vector<std::string>{"a", "b"}));
  // 800 bytes of system prompt are ~200 tokens: 564 left, room for one of 304.
  EXPECT_EQ(Kept(ConversationService::Trim(history, 1024, 800)), (std::vector<std::string>{"b"}));
}

TEST(ConversationTrimTest, UncountedMessagesAreEstimatedFromTheirText) {
  // 2,000 bytes are ~500 tokens: two of them do not fit in 764.
  std::vector<store::Message> history{Said("a", std::nullopt, 2000), Said("b", std::nullopt, 2000)};
  EXPECT_EQ(Kept(ConversationService::Trim(history, 1024, 0)), (std::vector<std::string>{"b"}));
  std::vector<store::Message> small{Said("a", std::nullopt, 1000), Said("b", std::nullopt, 1000)};
  EXPECT_EQ(Kept(ConversationService::Trim(small, 1024, 0)), (std::vector<std::string>{"a", "b"}))
      << "254 + 254 fit";
}

TEST(ConversationTrimTest, TheNewestMessageAlwaysGoes) {
  std::vector<store::Message> history{Said("a", 10), Said("huge", 50000)};
  EXPECT_EQ(Kept(ConversationService::Trim(history, 1024, 0)), (std::vector<std::string>{"huge"}))
      << "too big for the window, but a call without the user's message makes no sense";
  EXPECT_TRUE(ConversationService::Trim({}, 1024, 0).empty());
}

}  // namespace
}  // namespace chorus::services
