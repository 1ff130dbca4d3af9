// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_COMMON_STABLE_HASH_H_
#define NBO_LIB_COMMON_STABLE_HASH_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace nbo::common {

// 64-bit FNV-1a of `salt` followed by `key`. Unlike absl::Hash, its value is
// fixed across processes, releases and machines, which is what sticky
// traffic-split assignment needs: a customer stays in the same arm for as long
// as the split and its salt do not change.
uint64_t StableHash(absl::string_view salt, absl::string_view key);

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_STABLE_HASH_H_
