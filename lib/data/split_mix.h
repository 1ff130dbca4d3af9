// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The random numbers behind lib/data's synthetic generators. Internal to
// lib/data.

#ifndef NBO_LIB_DATA_SPLIT_MIX_H_
#define NBO_LIB_DATA_SPLIT_MIX_H_

#include <cstdint>

namespace nbo::data {

// SplitMix64 (Steele, Lea, Flood): tiny, fast and, unlike the standard
// library's distributions, the same on every platform, which is what
// "reproducible by seed" needs. Advances `*state` and returns the next draw.
inline uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in (0, 1): never 0, so that log() is safe.
inline double Uniform(uint64_t* state) {
  return (static_cast<double>(NextRandom(state) >> 11) + 0.5) * 0x1.0p-53;
}

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_SPLIT_MIX_H_
