// Base64 through libsodium: base64url (RFC 4648 §5, no padding) for opaque cursors, tokens and short
// ids; standard padded base64 (§4) for binary payloads in JSON (audio).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chorus {

std::string Base64UrlEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not padded standard base64.
std::optional<std::string> Base64Decode(std::string_view text);
// nullopt when `text` is not unpadded base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace chorus
