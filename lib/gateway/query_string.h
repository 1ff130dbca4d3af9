// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A query string ("a=1&b=x%20y&k") as decoded name/value pairs, in order,
// per application/x-www-form-urlencoded ('+' is a space). Stateless.

#ifndef NBO_LIB_GATEWAY_QUERY_STRING_H_
#define NBO_LIB_GATEWAY_QUERY_STRING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nbo::gateway {

struct QueryParameter {
  std::string name;
  std::string value;
};

// The parameters of `query` (the part after '?'). Empty pairs ("a=1&&b=2")
// are skipped; a name without '=' has the value "". INVALID_ARGUMENT naming
// the parameter if its name or value is not valid percent-encoding.
absl::StatusOr<std::vector<QueryParameter>> ParseQueryString(
    absl::string_view query);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_QUERY_STRING_H_
