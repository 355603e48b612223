// Message digests (libsodium). SHA-256 hashes migration files, session tokens and API keys.
#pragma once

#include <string>
#include <string_view>

namespace chorus {

// The 32-byte SHA-256 of `data`.
std::string Sha256(std::string_view data);
// Lower-case hex of the SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

}  // namespace chorus
