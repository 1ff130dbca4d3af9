// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_COMMON_FILE_UTIL_H_
#define NBO_LIB_COMMON_FILE_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nbo::common {

// Writes `contents` to `path` through a temporary file renamed into place, so
// that a reader (a test harness polling a port file, a script) never sees a
// half-written file. INTERNAL naming the path when either step fails.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

// Bytes an unprivileged process may still write on the filesystem holding
// `path` (statvfs: f_bavail * f_frsize). INTERNAL naming the path (and
// errno's text) when the filesystem cannot be queried.
absl::StatusOr<uint64_t> FreeBytes(const std::string& path);

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_FILE_UTIL_H_
