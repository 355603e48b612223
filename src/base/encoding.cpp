#include "base/encoding.h"

#include <sodium.h>

namespace chorus {

namespace {
std::string Encode(std::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  out.resize(out.size() - 1);  // the terminating NUL libsodium writes
  return out;
}
}  // namespace

std::string Base64Encode(std::string_view bytes) { return Encode(bytes, sodium_base64_VARIANT_ORIGINAL); }

std::string Base64UrlEncode(std::string_view bytes) {
  return Encode(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

namespace {
std::optional<std::string> Decode(std::string_view text, int variant) {
  std::string out(text.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}
}  // namespace

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  return Decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::string> Base64Decode(std::string_view text) { return Decode(text, sodium_base64_VARIANT_ORIGINAL); }

}  // namespace chorus
