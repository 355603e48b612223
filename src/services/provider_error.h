// The error for a provider's non-2xx answer, shared by the upstream speech engines: kRateLimited for
// 429, kUpstream otherwise, with the provider's own message (OpenAI's error shape) when it sent one.
#pragma once

#include <string_view>

#include "base/result.h"

namespace chorus::services {

Error ProviderHttpError(std::string_view provider, int status, std::string_view body);

}  // namespace chorus::services
