#include "base/ids.h"

#include <chrono>

#include "base/random.h"

namespace chorus {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Writes 2n hex digits at `out` (not terminated); returns the end.
char* WriteHex(char* out, const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    *out++ = kHex[bytes[i] >> 4];
    *out++ = kHex[bytes[i] & 0xF];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string NewUuidV7() {
  using namespace std::chrono;
  uint64_t ms = static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  // RFC 9562 method 1: rand_a is a counter seeded randomly each millisecond, so ids made in the
  // same millisecond on this thread still sort in creation order.
  thread_local uint64_t last_ms = 0;
  thread_local uint16_t counter = 0;
  if (ms > last_ms) {
    last_ms = ms;
    counter = static_cast<uint16_t>(FastRandom() & 0x07FF);
  } else {
    ms = last_ms;
    if (++counter > 0x0FFF) {  // counter exhausted: borrow the next millisecond
      last_ms = ++ms;
      counter = 0;
    }
  }
  uint8_t b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((counter >> 8) & 0x0F));
  b[7] = static_cast<uint8_t>(counter & 0xFF);
  // 62 random bits from the CSPRNG, drawn 512 bytes at a time: a getrandom call per id was one
  // system call per stored row.
  thread_local uint8_t pool[512];
  thread_local size_t used = sizeof pool;
  if (used + 8 > sizeof pool) {
    SecureRandomBytes(pool, sizeof pool);
    used = 0;
  }
  const uint8_t* random = pool + used;
  used += 8;
  b[8] = static_cast<uint8_t>(0x80 | (random[0] & 0x3F));
  for (int i = 9; i < 16; ++i) b[i] = random[i - 8];

  // Into a buffer, then one string: appending digit by digit was most of an id's cost.
  char text[36];
  char* p = WriteHex(text, b, 4);
  *p++ = '-';
  p = WriteHex(p, b + 4, 2);
  *p++ = '-';
  p = WriteHex(p, b + 6, 2);
  *p++ = '-';
  p = WriteHex(p, b + 8, 2);
  *p++ = '-';
  WriteHex(p, b + 10, 6);
  return std::string(text, sizeof text);
}

bool IsUuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : HexValue(id[i]) < 0) return false;
  }
  return true;
}

int64_t UuidV7Millis(std::string_view id) {
  if (!IsUuid(id) || id[14] != '7') return -1;
  int64_t ms = 0;
  for (size_t i = 0; i < 13; ++i) {
    if (i == 8) continue;
    ms = (ms << 4) | HexValue(id[i]);
  }
  return ms;
}

std::string NewRequestId() {
  uint64_t words[2] = {FastRandom(), FastRandom()};
  char text[32];
  WriteHex(text, reinterpret_cast<const uint8_t*>(words), sizeof words);
  return std::string(text, sizeof text);
}

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace chorus
