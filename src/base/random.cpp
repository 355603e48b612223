#include "base/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace chorus {

void SecureRandomBytes(void* out, size_t size) {
  auto* p = static_cast<unsigned char*>(out);
  while (size > 0) {
    const ssize_t n = getrandom(p, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fputs("fatal: getrandom failed\n", stderr);
      std::abort();
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

std::string SecureRandomString(size_t size) {
  std::string s(size, '\0');
  SecureRandomBytes(s.data(), size);
  return s;
}

namespace {

// xoshiro256** (Blackman and Vigna), public-domain reference algorithm; four lines, so a library
// would cost more than it saves.
struct Xoshiro256 {
  uint64_t s[4];
  Xoshiro256() {
    do SecureRandomBytes(s, sizeof s);
    while ((s[0] | s[1] | s[2] | s[3]) == 0);
  }
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t Next() {
    const uint64_t result = Rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
  }
};

Xoshiro256& ThreadGenerator() {
  thread_local Xoshiro256 gen;
  return gen;
}

}  // namespace

uint64_t FastRandom() { return ThreadGenerator().Next(); }

uint64_t FastRandomBelow(uint64_t bound) {
  // Lemire's multiply-shift; the tiny bias is irrelevant for jitter and sampling.
  __extension__ using U128 = unsigned __int128;
  return static_cast<uint64_t>((static_cast<U128>(FastRandom()) * bound) >> 64);
}

}  // namespace chorus
