// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_COMMON_BEARER_AUTH_H_
#define NBO_SERVICES_COMMON_BEARER_AUTH_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace nbo::services {

// The token of an authorization header value carrying a bearer credential:
// the scheme "Bearer" in any case (RFC 7235 section 2.1: auth schemes are
// case-insensitive), one or more spaces, then the token (everything after
// them, case-sensitive, not empty). nullopt for anything else.
std::optional<absl::string_view> BearerToken(absl::string_view header);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_BEARER_AUTH_H_
