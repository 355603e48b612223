// Prices by model from the configuration ("model=price" entries: stt.prices, tts.prices).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chorus::services {

using PriceTable = std::map<std::string, double, std::less<>>;

// kInvalidArgument naming `key` and the bad entry (no '=', no model, not a number, negative).
Result<PriceTable> ParsePriceTable(const std::vector<std::string>& entries, std::string_view key);

// The model's price, 0 when it has none.
double PriceOf(const PriceTable& prices, std::string_view model);

}  // namespace chorus::services
