// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Status propagation macros. Debian's Abseil (20220623) ships neither
// ABSL_RETURN_IF_ERROR nor ABSL_ASSIGN_OR_RETURN, so we name ours after the
// ones newer Abseil releases carry.

#ifndef NBO_LIB_COMMON_STATUS_MACROS_H_
#define NBO_LIB_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function if it is not OK.
#define NBO_RETURN_IF_ERROR(expr)                                  \
  do {                                                             \
    ::absl::Status nbo_status_ = (expr);                           \
    if (ABSL_PREDICT_FALSE(!nbo_status_.ok())) return nbo_status_; \
  } while (false)

#define NBO_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define NBO_STATUS_MACROS_CONCAT_(x, y) NBO_STATUS_MACROS_CONCAT_INNER_(x, y)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration: NBO_ASSIGN_OR_RETURN(auto db, Store::Open(options));
#define NBO_ASSIGN_OR_RETURN(lhs, rexpr) \
  NBO_ASSIGN_OR_RETURN_IMPL_(            \
      NBO_STATUS_MACROS_CONCAT_(nbo_statusor_, __LINE__), lhs, rexpr)

#define NBO_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)            \
  auto statusor = (rexpr);                                          \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) return statusor.status(); \
  lhs = std::move(statusor).value()

#endif  // NBO_LIB_COMMON_STATUS_MACROS_H_
