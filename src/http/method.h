// HTTP methods known to the router.
#pragma once

#include <cstdint>
#include <string_view>

namespace chorus::http {

enum class Method : uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kUnknown };
inline constexpr int kMethodCount = 7;  // excluding kUnknown

Method ParseMethod(std::string_view text);
std::string_view MethodName(Method method);

}  // namespace chorus::http
