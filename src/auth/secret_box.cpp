#include "auth/secret_box.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/digest.h"
#include "base/random.h"
#include "base/strings.h"

namespace chorus::auth {
namespace {

namespace fs = std::filesystem;

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* U(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// Base64 (standard alphabet, padded) for key files: the form `openssl rand -base64 32` prints.
std::string EncodeKey(std::string_view key) {
  std::string out(4 * ((key.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(U(out), U(key), static_cast<int>(key.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> DecodeKey(std::string_view text) {
  const std::string trimmed(Trim(text));
  std::string out(trimmed.size(), '\0');
  const int n = EVP_DecodeBlock(U(out), U(trimmed), static_cast<int>(trimmed.size()));
  const auto padding = static_cast<size_t>(std::count(trimmed.begin(), trimmed.end(), '='));
  if (n < 0 || static_cast<size_t>(n) < padding || static_cast<size_t>(n) - padding != kKeyBytes) {
    return Unexpected(ErrorCode::kInvalidArgument, "master key must be 32 bytes in base64");
  }
  out.resize(kKeyBytes);
  return out;
}

Status WritePrivateFile(const fs::path& path, std::string_view content) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Unexpected(ErrorCode::kUnavailable, fmt::format("cannot write {}", tmp.string()));
    ::chmod(tmp.c_str(), 0600);
    out << content;
    if (!out.flush()) return Unexpected(ErrorCode::kUnavailable, fmt::format("cannot write {}", tmp.string()));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Unexpected(ErrorCode::kUnavailable, fmt::format("cannot write {}: {}", path.string(), ec.message()));
  return Ok();
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Unexpected(ErrorCode::kUnavailable, fmt::format("cannot read {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status EnsureKeyDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Unexpected(ErrorCode::kUnavailable, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  ::chmod(dir.c_str(), 0700);
  return Ok();
}

}  // namespace

std::string SecretBox::KeyId(std::string_view key) { return Sha256Hex(key).substr(0, 16); }

Result<SecretBox> SecretBox::Open(const fs::path& data_dir, std::string_view configured_key) {
  SecretBox box;
  const fs::path dir = data_dir / "keys";
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".key") continue;
      CHORUS_ASSIGN_OR_RETURN(std::string text, ReadFile(entry.path()));
      CHORUS_ASSIGN_OR_RETURN(std::string key, DecodeKey(text));
      box.keys_.emplace(KeyId(key), std::move(key));
    }
    if (fs::exists(dir / "current")) {
      CHORUS_ASSIGN_OR_RETURN(std::string current, ReadFile(dir / "current"));
      box.current_id_ = std::string(Trim(current));
    }
  }
  if (!configured_key.empty()) {
    CHORUS_ASSIGN_OR_RETURN(std::string key, DecodeKey(configured_key));
    box.current_id_ = KeyId(key);
    box.keys_[box.current_id_] = std::move(key);
    return box;
  }
  if (box.keys_.empty()) {
    // First run: make the master key.
    CHORUS_TRY(EnsureKeyDir(dir));
    const std::string key = SecureRandomString(kKeyBytes);
    box.current_id_ = KeyId(key);
    CHORUS_TRY(WritePrivateFile(dir / (box.current_id_ + ".key"), EncodeKey(key) + "\n"));
    CHORUS_TRY(WritePrivateFile(dir / "current", box.current_id_ + "\n"));
    box.keys_.emplace(box.current_id_, key);
  }
  if (!box.keys_.contains(box.current_id_)) {
    return Unexpected(ErrorCode::kUnavailable,
                      fmt::format("{} names key \"{}\", which is not in {}", (dir / "current").string(),
                                  box.current_id_, dir.string()));
  }
  return box;
}

Result<std::string> SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  const std::string& key = keys_.at(current_id_);
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  SecureRandomBytes(out.data(), kNonceBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key), U(out)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(context), static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), U(out) + kNonceBytes, &len, U(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), U(out) + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, U(out) + kNonceBytes + plaintext.size()) != 1) {
    return Unexpected(ErrorCode::kInternal, "encryption failed");
  }
  return out;
}

Result<std::string> SecretBox::Open(std::string_view key_id, std::string_view sealed, std::string_view context) const {
  auto key = keys_.find(key_id);
  if (key == keys_.end()) {
    return Unexpected(ErrorCode::kNotFound, fmt::format("master key \"{}\" is not available", key_id));
  }
  if (sealed.size() < kNonceBytes + kTagBytes) return Unexpected(ErrorCode::kDataLoss, "ciphertext is truncated");
  const size_t body = sealed.size() - kNonceBytes - kTagBytes;
  std::string plain(body, '\0');
  std::string tag(sealed.substr(kNonceBytes + body));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key->second), U(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(context), static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), U(plain), &len, U(sealed) + kNonceBytes, static_cast<int>(body)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, U(tag)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), U(plain) + len, &len) != 1) {
    return Unexpected(ErrorCode::kDataLoss, "ciphertext does not authenticate");
  }
  return plain;
}

Result<SecretBox> SecretBox::WithNewKey(const fs::path& data_dir) const {
  SecretBox next = *this;
  const fs::path dir = data_dir / "keys";
  CHORUS_TRY(EnsureKeyDir(dir));
  const std::string key = SecureRandomString(kKeyBytes);
  next.current_id_ = KeyId(key);
  CHORUS_TRY(WritePrivateFile(dir / (next.current_id_ + ".key"), EncodeKey(key) + "\n"));
  next.keys_[next.current_id_] = key;
  return next;
}

Status SecretBox::MakeCurrent(const fs::path& data_dir) const {
  return WritePrivateFile(data_dir / "keys" / "current", current_id_ + "\n");
}

}  // namespace chorus::auth
