#include "store/value.h"

#include <charconv>
#include <cstdlib>

namespace chorus::store {
namespace {

int64_t ParseInt(const std::string& s) {
  int64_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

}  // namespace

int64_t Row::Int(size_t col) const {
  return std::visit(
      [](const auto& x) -> int64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, int64_t>) return x;
        else if constexpr (std::is_same_v<T, bool>) return x ? 1 : 0;
        else if constexpr (std::is_same_v<T, double>) return static_cast<int64_t>(x);
        else if constexpr (std::is_same_v<T, std::string>) return ParseInt(x);
        else return 0;
      },
      At(col).variant());
}

double Row::Double(size_t col) const {
  return std::visit(
      [](const auto& x) -> double {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, double>) return x;
        else if constexpr (std::is_same_v<T, int64_t>) return static_cast<double>(x);
        else if constexpr (std::is_same_v<T, bool>) return x ? 1.0 : 0.0;
        else if constexpr (std::is_same_v<T, std::string>) return std::strtod(x.c_str(), nullptr);
        else return 0.0;
      },
      At(col).variant());
}

bool Row::Bool(size_t col) const {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) return x;
        else if constexpr (std::is_same_v<T, int64_t>) return x != 0;
        else if constexpr (std::is_same_v<T, double>) return x != 0.0;
        else if constexpr (std::is_same_v<T, std::string>) return x == "t" || x == "true" || x == "1";
        else return false;
      },
      At(col).variant());
}

std::string Row::Text(size_t col) const {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) return x;
        else if constexpr (std::is_same_v<T, Blob>) return x.bytes;
        else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::monostate>) return {};
        else return std::to_string(x);
      },
      At(col).variant());
}

std::string Row::BlobBytes(size_t col) const {
  if (const Blob* b = std::get_if<Blob>(&At(col).variant())) return b->bytes;
  return Text(col);
}

std::optional<int64_t> Row::OptInt(size_t col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

std::optional<double> Row::OptDouble(size_t col) const {
  if (IsNull(col)) return std::nullopt;
  return Double(col);
}

std::optional<std::string> Row::OptText(size_t col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

}  // namespace chorus::store
