// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_EVAL_PAIR_SAMPLER_H_
#define NBO_LIB_EVAL_PAIR_SAMPLER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace nbo::eval {

// Keeps about `max` of `total` (user, item) pairs, each by a hash of the
// pair and `seed`: the same pairs for the same seed, independent of the
// order pairs are visited in. Taking every s-th pair in (user, item) order
// instead would keep only some item positions when users have the same
// number of candidates (every pair an item 0 when s equals that number).
// Two samplers with different seeds keep mostly different pairs, so a curve
// fitted on one is measured on others. Thread-compatible.
class PairSampler {
 public:
  // REQUIRES: max >= 1.
  PairSampler(size_t total, size_t max, uint64_t seed)
      : stride_(std::max<size_t>(1, (total + max - 1) / max)), seed_(seed) {}

  bool Keep(int32_t user, int32_t item) const {
    if (stride_ == 1) return true;
    return Mix(seed_ ^
               (static_cast<uint64_t>(static_cast<uint32_t>(user)) << 32 |
                static_cast<uint32_t>(item))) %
               stride_ ==
           0;
  }

 private:
  // SplitMix64's finalizer.
  static uint64_t Mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  }

  size_t stride_;
  uint64_t seed_;
};

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_PAIR_SAMPLER_H_
