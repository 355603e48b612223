// Randomness. SecureRandomBytes draws from the kernel CSPRNG (getrandom(2)) and is what every secret
// (tokens, keys, nonces) must use. FastRandom is a per-thread xoshiro256** generator seeded from the
// CSPRNG: for request ids, jitter and sampling, never for secrets. Both are safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace chorus {

// Fills `out` with `size` bytes from the kernel CSPRNG. Aborts the process if the kernel refuses,
// because continuing without entropy would silently weaken every secret.
void SecureRandomBytes(void* out, size_t size);
std::string SecureRandomString(size_t size);

// Uniform 64-bit values from this thread's fast generator.
uint64_t FastRandom();
// Uniform in [0, bound); bound must be > 0.
uint64_t FastRandomBelow(uint64_t bound);

}  // namespace chorus
