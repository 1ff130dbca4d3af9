// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_COMMON_FILE_UTIL_H_
#define NBO_LIB_COMMON_FILE_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nbo::common {

// Writes `contents` to `path` through a temporary file renamed into place, so
// that a reader (a test harness polling a port file, a script) never sees a
// half-written file. INTERNAL naming the path when either step fails.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_FILE_UTIL_H_
