#include "services/price_table.h"

#include <fmt/format.h>

#include <cstdlib>

namespace chorus::services {

Result<PriceTable> ParsePriceTable(const std::vector<std::string>& entries, std::string_view key) {
  PriceTable prices;
  for (const auto& entry : entries) {
    const auto eq = entry.find('=');
    const std::string number = eq == std::string::npos ? "" : entry.substr(eq + 1);
    char* end = nullptr;
    const double price = std::strtod(number.c_str(), &end);
    if (eq == 0 || eq == std::string::npos || number.empty() || *end != '\0' || !(price >= 0)) {
      return Unexpected(ErrorCode::kInvalidArgument, fmt::format("{}: \"{}\" is not model=price", key, entry));
    }
    prices[entry.substr(0, eq)] = price;
  }
  return prices;
}

double PriceOf(const PriceTable& prices, std::string_view model) {
  const auto it = prices.find(model);
  return it == prices.end() ? 0 : it->second;
}

}  // namespace chorus::services
