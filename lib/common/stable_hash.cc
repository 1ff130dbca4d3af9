// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/stable_hash.h"

namespace nbo::common {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Mix(uint64_t h, absl::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

}  // namespace

uint64_t StableHash(absl::string_view salt, absl::string_view key) {
  // A separator byte keeps ("ab", "c") and ("a", "bc") apart.
  uint64_t h = Mix(kFnvOffset, salt);
  h = Mix(h, absl::string_view("\x1f", 1));
  return Mix(h, key);
}

}  // namespace nbo::common
