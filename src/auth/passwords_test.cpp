#include "auth/passwords.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <cstring>

namespace chorus::auth {
namespace {

// Fast parameters for most tests; the stored-parameter test uses the real defaults.
PasswordHasher Fast() { return PasswordHasher({.memory_bytes = 8 * 1024 * 1024, .iterations = 1}); }

std::string Bcrypt(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting), nullptr);
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  return crypt_r(password.c_str(), setting, &data);
}

TEST(PasswordHasherTest, StoresArgon2idWithAtLeastOwaspParameters) {
  PasswordHasher hasher({});
  auto hash = hasher.Hash("Correct Horse 9");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(hasher.Verify(*hash, "Correct Horse 9").match);
  EXPECT_FALSE(hasher.Verify(*hash, "correct horse 9").match) << "never case-folded";
  EXPECT_FALSE(hasher.Verify(*hash, "Correct Horse 9").needs_rehash);
  EXPECT_NE(*hasher.Hash("Correct Horse 9"), *hash) << "salted";
}

TEST(PasswordHasherTest, WeakerHashesAskToBeRehashedStrongerOnesDoNot) {
  auto weak = Fast().Hash("Passw0rd-long");
  PasswordHasher standard({});
  auto verdict = standard.Verify(*weak, "Passw0rd-long");
  EXPECT_TRUE(verdict.match);
  EXPECT_TRUE(verdict.needs_rehash);
  PasswordHasher strong({.memory_bytes = 32 * 1024 * 1024, .iterations = 3});
  auto strong_hash = strong.Hash("Passw0rd-long");
  EXPECT_FALSE(standard.Verify(*strong_hash, "Passw0rd-long").needs_rehash);
}

TEST(PasswordHasherTest, ImportedBcryptHashesVerifyAndAskForUpgrade) {
  auto hasher = Fast();
  for (const char* prefix : {"$2b$", "$2a$", "$2y$"}) {
    std::string hash = Bcrypt("Legacy-Pass1");
    hash.replace(0, 4, prefix);  // same algorithm, the historical prefixes
    auto verdict = hasher.Verify(hash, "Legacy-Pass1");
    EXPECT_TRUE(verdict.match) << prefix;
    EXPECT_TRUE(verdict.needs_rehash);
    EXPECT_FALSE(hasher.Verify(hash, "Legacy-Pass2").match);
  }
  EXPECT_FALSE(hasher.Verify("plaintext", "plaintext").match);
  EXPECT_FALSE(hasher.Verify("$1$md5crypt$abc", "x").match) << "only argon2id and bcrypt are accepted";
}

TEST(PasswordPolicyTest, EnforcesSeedRules) {
  struct Case { std::string password; bool ok; };
  const Case cases[] = {
      {"Abcdefg1", true},
      {"Short1A", false},                     // 7 characters
      {"alllowercase1", false},
      {"ALLUPPERCASE1", false},
      {"NoDigitsHere", false},
      {"Пароль-Ab1x", true},                  // any Unicode, with the required classes
      {"ÄÖÜäöüßAb", false},                   // 9 characters but no digit
      {std::string(257, 'a') + "A1", false},  // over 256 bytes
      {"Password1", false},                   // common (case-insensitively on the list)
      {"Abc\xff\xfe" "defg1", false},         // not UTF-8
      {std::string("Abcdefg1\0x", 10), false},
  };
  for (const auto& c : cases) {
    auto s = CheckNewPassword(c.password);
    EXPECT_EQ(s.has_value(), c.ok) << c.password;
    if (!s) {
      EXPECT_EQ(s.error().param, "password");
    }
  }
  EXPECT_TRUE(IsCommonPassword("PASSWORD1"));
  EXPECT_FALSE(IsCommonPassword("x8#Lq!vZ2m"));
}

TEST(PasswordPolicyTest, UsernamesAndEmails) {
  EXPECT_TRUE(CheckUsername("ann_b-1"));
  for (const char* bad : {"ab", "has space", "dots.not.allowed", "émile", ""}) EXPECT_FALSE(CheckUsername(bad)) << bad;
  EXPECT_FALSE(CheckUsername(std::string(101, 'a')));
  EXPECT_TRUE(CheckEmail("ann@example.com"));
  EXPECT_TRUE(CheckEmail("a.b+tag@sub.example.co.uk"));
  for (const char* bad : {"no-at.example.com", "@example.com", "ann@", "ann@localhost", "ann@@example.com",
                          "ann @example.com", "ann@exa mple.com", "ann@example..com", "ann@.example.com", "a<b>@x.io"}) {
    auto s = CheckEmail(bad);
    EXPECT_FALSE(s) << bad;
    if (!s) {
      EXPECT_EQ(s.error().param, "email");
    }
  }
}

}  // namespace
}  // namespace chorus::auth
