// Passwords: hashing (argon2id through libsodium), verification of argon2id and imported bcrypt
// hashes, and the rules a new password must meet.
//
// Hashing costs tens of milliseconds of CPU by design: callers run it on a blocking pool, never on
// a network thread. All functions are safe to call concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::auth {

// OWASP's minimum for argon2id is 19 MiB, 2 iterations, 1 lane; stronger settings are accepted.
struct PasswordParams {
  uint64_t memory_bytes = 19 * 1024 * 1024;
  uint64_t iterations = 2;
};

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordParams params);

  // "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>". kInternal if libsodium cannot allocate.
  Result<std::string> Hash(std::string_view password) const;

  struct Verdict {
    bool match = false;
    // The hash is bcrypt or argon2id weaker than the configured parameters: store a new one.
    bool needs_rehash = false;
  };
  // Verifies against an argon2id ($argon2id$) or bcrypt ($2a$, $2b$, $2y$) hash. Anything else
  // never matches. Comparison is constant-time.
  Verdict Verify(std::string_view stored_hash, std::string_view password) const;

  // Spends what a real verification spends, for logins of unknown users, so that the response
  // time does not tell whether an account exists.
  void VerifyDummy(std::string_view password) const;

  const PasswordParams& params() const { return params_; }

 private:
  const std::string& DummyHash() const;

  PasswordParams params_;
  mutable std::once_flag dummy_once_;
  mutable std::string dummy_hash_;  // made on first use, then read-only
};

// Seed 001's rules: 8 to 256 bytes of valid UTF-8 with no NUL, at least 8 characters, an upper-case
// letter, a lower-case letter and a digit (ASCII classes), and not on the common-passwords list
// (compared case-insensitively). Errors are kInvalidArgument with param "password".
Status CheckNewPassword(std::string_view password);
// 3-100 characters of letters, digits, '_' and '-'. kInvalidArgument with param "username".
Status CheckUsername(std::string_view username);
// A syntactically valid address: local@domain.tld, no spaces or control characters, at most 255
// bytes. kInvalidArgument with param "email".
Status CheckEmail(std::string_view email);

bool IsCommonPassword(std::string_view password);

}  // namespace chorus::auth
