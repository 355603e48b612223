// Base64url (RFC 4648 §5, no padding) through libsodium: for opaque cursors, tokens and short ids.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chorus {

std::string Base64UrlEncode(std::string_view bytes);
// nullopt when `text` is not unpadded base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace chorus
