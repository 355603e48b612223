// Secrets at rest: AES-256-GCM under a master key, with a key id stored beside every ciphertext so
// the master key can be rotated.
//
// Keys live in <data_dir>/keys/<key_id>.key (32 random bytes, base64, mode 0600; the directory 0700)
// and <data_dir>/keys/current names the key that seals. A key given in CHORUS_MASTER_KEY (or the
// auth.master_key setting) is used as the current key instead, and is never written to disk.
// Sealing uses a fresh random 96-bit nonce every time and binds the ciphertext to a context string
// (the row it belongs to), so a ciphertext copied into another row does not open.
// Thread-safe after construction.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::auth {

class SecretBox {
 public:
  // Loads every key in <data_dir>/keys; with no keys and no `configured_key`, generates one (the
  // first run). `configured_key` is base64 of 32 bytes, or empty. kInvalidArgument for a malformed
  // key; kUnavailable when the key files cannot be read or written.
  static Result<SecretBox> Open(const std::filesystem::path& data_dir, std::string_view configured_key);

  const std::string& current_key_id() const { return current_id_; }

  // nonce (12 bytes) | ciphertext | tag (16 bytes).
  Result<std::string> Seal(std::string_view plaintext, std::string_view context) const;
  // kNotFound for an unknown key id; kDataLoss when the ciphertext, its context or its key do not
  // match (tampering, or the wrong row).
  Result<std::string> Open(std::string_view key_id, std::string_view sealed, std::string_view context) const;

  // Writes a new key to <data_dir>/keys without making it current, and returns a box that seals with
  // it while still opening with every older key. Commit with MakeCurrent once secrets are re-sealed.
  Result<SecretBox> WithNewKey(const std::filesystem::path& data_dir) const;
  // Points <data_dir>/keys/current at this box's current key (atomically).
  Status MakeCurrent(const std::filesystem::path& data_dir) const;

  // The id of a key: the first 16 hex digits of the SHA-256 of the key bytes.
  static std::string KeyId(std::string_view key);

 private:
  std::map<std::string, std::string, std::less<>> keys_;  // id -> 32 key bytes
  std::string current_id_;
};

}  // namespace chorus::auth
