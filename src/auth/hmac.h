// HMAC-SHA256 (OpenSSL EVP_MAC), for webhook signatures.
#pragma once

#include <string>
#include <string_view>

namespace chorus::auth {

// The 32-byte MAC of `message` under `key`.
std::string HmacSha256(std::string_view key, std::string_view message);

// Chorus-Signature header value: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

}  // namespace chorus::auth
