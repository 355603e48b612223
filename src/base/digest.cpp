#include "base/digest.h"

#include <sodium.h>

#include <cstdlib>

#include "base/strings.h"

namespace chorus {
namespace {

// libsodium picks its fastest implementations on initialisation; once per process.
void EnsureSodium() {
  static const bool initialised = sodium_init() >= 0;
  if (!initialised) std::abort();
}

}  // namespace

// libsodium rather than OpenSSL: it is already the project's cryptography library (passwords,
// secret boxes), and OpenSSL 3's provider initialisation alone costs ~3 MB of resident memory.
std::string Sha256(std::string_view data) {
  EnsureSodium();
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return digest;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

MemoryDigest KeyedMemoryDigest(std::string_view data) {
  static_assert(crypto_shorthash_siphashx24_BYTES == sizeof(MemoryDigest));
  static const std::array<unsigned char, crypto_shorthash_siphashx24_KEYBYTES> key = [] {
    EnsureSodium();
    std::array<unsigned char, crypto_shorthash_siphashx24_KEYBYTES> k;
    randombytes_buf(k.data(), k.size());
    return k;
  }();
  MemoryDigest digest;
  crypto_shorthash_siphashx24(digest.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                              key.data());
  return digest;
}

static_assert(sizeof(crypto_hash_sha256_state) <= 128);

Sha256Stream::Sha256Stream() {
  EnsureSodium();
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_.data()));
}

void Sha256Stream::Update(std::string_view data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_.data()),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::string Sha256Stream::FinishHex() {
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_.data()),
                           reinterpret_cast<unsigned char*>(digest.data()));
  return HexEncode(digest);
}

}  // namespace chorus
