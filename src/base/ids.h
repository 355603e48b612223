// Identifiers. Rows get UUIDv7 (RFC 9562): time-ordered, so primary-key indexes stay append-mostly
// and ids sort by creation; 74 random bits make them unguessable enough to appear in URLs (access is
// still checked on every read). Request ids are 32 hex characters from the fast generator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chorus {

// "0190f4c2-6a8e-7cc1-9d2b-3f1e5a7b9c0d". Monotonic within a thread.
std::string NewUuidV7();
// The millisecond timestamp inside a UUIDv7, or -1 if `id` is not one.
int64_t UuidV7Millis(std::string_view id);
bool IsUuid(std::string_view id);

std::string NewRequestId();
// A request id taken from a client must be 1-128 characters of [A-Za-z0-9._:-].
bool IsAcceptableRequestId(std::string_view id);

}  // namespace chorus
