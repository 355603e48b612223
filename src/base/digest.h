// Message digests (libsodium). SHA-256 hashes migration files, session tokens and API keys.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace chorus {

// The 32-byte SHA-256 of `data`.
std::string Sha256(std::string_view data);
// Lower-case hex of the SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// A 128-bit digest for keys that stay in this process's memory: SipHash-2-4 (libsodium's
// crypto_shorthash_siphashx24) under a key drawn at random when the process starts. Without that
// key nobody can choose inputs that collide, and at 128 bits chance collisions do not happen; it is
// a fraction of the cost of a cryptographic hash on short inputs (~400 instructions for a bearer
// token against ~1,100 for BLAKE2b-256) and needs no allocation. Never store it: it differs between
// processes by design.
using MemoryDigest = std::array<uint8_t, 16>;
MemoryDigest KeyedMemoryDigest(std::string_view data);
// Hashes a MemoryDigest for unordered containers: its bytes are uniformly random already.
struct MemoryDigestHash {
  size_t operator()(const MemoryDigest& d) const noexcept {
    size_t h;
    static_assert(sizeof(h) <= sizeof(MemoryDigest));
    std::memcpy(&h, d.data(), sizeof(h));
    return h;
  }
};

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
