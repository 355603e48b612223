#include "auth/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "tests/support/test_db.h"

namespace chorus::auth {
namespace {

using chorus::testing::TempDir;

TEST(SecretBoxTest, FirstRunCreatesAPrivateKey) {
  TempDir dir;
  auto box = SecretBox::Open(dir.path(), "");
  ASSERT_TRUE(box) << box.error().message;
  const auto key_file = dir.path() / "keys" / (box->current_key_id() + ".key");
  ASSERT_TRUE(std::filesystem::exists(key_file));
  struct stat st {};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() / "keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto again = SecretBox::Open(dir.path(), "");
  EXPECT_EQ(again->current_key_id(), box->current_key_id()) << "the same key on the next start";
}

TEST(SecretBoxTest, SealsWithAFreshNonceAndOpensOnlyIntact) {
  TempDir dir;
  auto box = SecretBox::Open(dir.path(), "");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto sealed = box->Seal("sk-live-secret", "provider_configs:u1:openai");
    ASSERT_TRUE(sealed);
    EXPECT_TRUE(seen.insert(sealed->substr(0, 12)).second) << "a nonce repeated";
  }
  auto sealed = *box->Seal("sk-live-secret", "provider_configs:u1:openai");
  EXPECT_EQ(sealed.find("sk-live-secret"), std::string::npos);
  EXPECT_EQ(*box->Open(box->current_key_id(), sealed, "provider_configs:u1:openai"), "sk-live-secret");
  for (size_t byte = 0; byte < sealed.size(); ++byte) {
    std::string flipped = sealed;
    flipped[byte] ^= 0x01;
    auto opened = box->Open(box->current_key_id(), flipped, "provider_configs:u1:openai");
    ASSERT_FALSE(opened) << "a flipped bit in byte " << byte << " went unnoticed";
    EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss);
  }
  EXPECT_FALSE(box->Open(box->current_key_id(), sealed, "provider_configs:u2:openai")) << "bound to its row";
  EXPECT_FALSE(box->Open(box->current_key_id(), sealed.substr(0, 20), "provider_configs:u1:openai"));
  EXPECT_EQ(box->Open("0000000000000000", sealed, "provider_configs:u1:openai").error().code, ErrorCode::kNotFound);
}

TEST(SecretBoxTest, RotationKeepsOldSecretsReadable) {
  TempDir dir;
  auto box = SecretBox::Open(dir.path(), "");
  const std::string old_id = box->current_key_id();
  auto old_sealed = *box->Seal("old secret", "ctx");
  auto next = box->WithNewKey(dir.path());
  ASSERT_TRUE(next);
  EXPECT_NE(next->current_key_id(), old_id);
  EXPECT_EQ(*next->Open(old_id, old_sealed, "ctx"), "old secret");
  auto new_sealed = *next->Seal("new secret", "ctx");
  ASSERT_TRUE(next->MakeCurrent(dir.path()));
  auto reopened = SecretBox::Open(dir.path(), "");
  EXPECT_EQ(reopened->current_key_id(), next->current_key_id());
  EXPECT_EQ(*reopened->Open(old_id, old_sealed, "ctx"), "old secret");
  EXPECT_EQ(*reopened->Open(next->current_key_id(), new_sealed, "ctx"), "new secret");
}

TEST(SecretBoxTest, AConfiguredKeyIsUsedAndNeverWritten) {
  TempDir dir;
  const std::string key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";  // 32 bytes
  auto box = SecretBox::Open(dir.path(), key);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "keys"));
  auto sealed = *box->Seal("x", "c");
  EXPECT_EQ(*SecretBox::Open(dir.path(), key)->Open(box->current_key_id(), sealed, "c"), "x");
  for (const char* bad : {"tooshort", "MDEyMzQ1Njc4OWFiY2RlZg==", "not base64 at all!!"}) {
    auto r = SecretBox::Open(dir.path(), bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace chorus::auth
