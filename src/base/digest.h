// Message digests (libsodium). SHA-256 hashes migration files, session tokens and API keys.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace chorus {

// The 32-byte SHA-256 of `data`.
std::string Sha256(std::string_view data);
// Lower-case hex of the SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// The 32-byte BLAKE2b-256 of `data`: a third cheaper than SHA-256 on short inputs (libsodium's
// BLAKE2b has a vectorised implementation, its SHA-256 is portable C), for digests that stay in memory.
std::string Blake2b256(std::string_view data);

// SHA-256 over data that arrives in pieces (a file copied block by block).
class Sha256Stream {
 public:
  Sha256Stream();
  void Update(std::string_view data);
  // Lower-case hex of everything updated so far; the stream is finished afterwards.
  std::string FinishHex();

 private:
  alignas(16) std::array<unsigned char, 128> state_;  // crypto_hash_sha256_state (104 bytes)
};

}  // namespace chorus
