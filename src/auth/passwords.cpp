#include "auth/passwords.h"

#include <crypt.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>

#include "base/strings.h"

namespace chorus::auth {
namespace detail {
extern const std::string_view kCommonPasswords[];
extern const unsigned kCommonPasswordCount;
}  // namespace detail

namespace {

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}

bool StartsWithAny(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [s](std::string_view p) { return StartsWith(s, p); });
}

// Reads "m=19456,t=2" out of an argon2id string; false if absent.
bool ArgonParams(std::string_view hash, uint64_t* memory_kib, uint64_t* iterations) {
  const auto m = hash.find("$m=");
  const auto t = hash.find(",t=");
  if (m == std::string_view::npos || t == std::string_view::npos) return false;
  const char* mp = hash.data() + m + 3;
  const char* tp = hash.data() + t + 3;
  return std::from_chars(mp, hash.data() + hash.size(), *memory_kib).ec == std::errc() &&
         std::from_chars(tp, hash.data() + hash.size(), *iterations).ec == std::errc();
}

bool VerifyBcrypt(std::string_view stored, std::string_view password) {
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string pw(password), setting(stored);
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  const char* out = crypt_r(pw.c_str(), setting.c_str(), &data);
  if (!out || out[0] == '*') return false;
  const std::string_view computed(out);
  return computed.size() == stored.size() &&
         sodium_memcmp(computed.data(), stored.data(), stored.size()) == 0;
}

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

PasswordHasher::PasswordHasher(PasswordParams params) : params_(params) { InitSodium(); }

// Made on first use rather than at start-up: commands that never verify a password (migrate,
// routes) do not pay for an argon2id hash.
const std::string& PasswordHasher::DummyHash() const {
  std::call_once(dummy_once_, [this] {
    auto dummy = Hash("chorus dummy password for timing equality");
    if (!dummy) std::abort();
    dummy_hash_ = std::move(*dummy);
  });
  return dummy_hash_;
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params_.iterations, params_.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Unexpected(ErrorCode::kInternal, "password hashing ran out of memory");
  }
  return std::string(out);
}

PasswordHasher::Verdict PasswordHasher::Verify(std::string_view stored, std::string_view password) const {
  Verdict verdict;
  if (StartsWith(stored, "$argon2id$")) {
    const std::string hash(stored);
    verdict.match = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
    uint64_t memory_kib = 0, iterations = 0;
    verdict.needs_rehash = !ArgonParams(stored, &memory_kib, &iterations) ||
                           memory_kib * 1024 < params_.memory_bytes || iterations < params_.iterations;
  } else if (StartsWithAny(stored, {"$2a$", "$2b$", "$2y$"})) {
    verdict.match = VerifyBcrypt(stored, password);
    verdict.needs_rehash = true;
  } else {
    VerifyDummy(password);
  }
  return verdict;
}

void PasswordHasher::VerifyDummy(std::string_view password) const {
  // The outcome is irrelevant (it never matches); only the time spent matters.
  const int ignored = crypto_pwhash_str_verify(DummyHash().c_str(), password.data(), password.size());
  (void)ignored;
}

bool IsCommonPassword(std::string_view password) {
  static const std::unordered_set<std::string_view> kSet(detail::kCommonPasswords,
                                                         detail::kCommonPasswords + detail::kCommonPasswordCount);
  return kSet.contains(ToLower(password));
}

Status CheckNewPassword(std::string_view password) {
  auto bad = [](std::string message) { return Unexpected(ErrorCode::kInvalidArgument, std::move(message), "password"); };
  if (password.size() > 256) return bad("Password must be at most 256 bytes.");
  if (password.find('\0') != std::string_view::npos || !IsValidUtf8(password)) {
    return bad("Password must be valid UTF-8 text.");
  }
  if (CodePoints(password) < 8) return bad("Password must be at least 8 characters.");
  const bool upper = std::any_of(password.begin(), password.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  const bool lower = std::any_of(password.begin(), password.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  const bool digit = std::any_of(password.begin(), password.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!upper || !lower || !digit) {
    return bad("Password must contain an upper-case letter, a lower-case letter and a digit.");
  }
  if (IsCommonPassword(password)) return bad("Password is too common; choose another.");
  return Ok();
}

Status CheckUsername(std::string_view username) {
  const bool ok = username.size() >= 3 && username.size() <= 100 &&
                  std::all_of(username.begin(), username.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                           c == '-';
                  });
  if (!ok) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "Username must be 3 to 100 characters of letters, digits, '_' and '-'.", "username");
  }
  return Ok();
}

Status CheckEmail(std::string_view email) {
  auto bad = [] { return Unexpected(ErrorCode::kInvalidArgument, "Email address is not valid.", "email"); };
  if (email.size() < 3 || email.size() > 255) return bad();
  const auto at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || email.find('@') != at) return bad();
  const std::string_view domain = email.substr(at + 1);
  const auto dot = domain.rfind('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size() ||
      domain.find("..") != std::string_view::npos || domain.front() == '-' || domain.front() == '.') {
    return bad();
  }
  for (unsigned char c : email) {
    if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' ||
        c == ':' || c == '\\' || c == '"' || c == '[' || c == ']') {
      return bad();
    }
  }
  return Ok();
}

}  // namespace chorus::auth
