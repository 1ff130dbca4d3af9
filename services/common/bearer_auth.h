// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_COMMON_BEARER_AUTH_H_
#define NBO_SERVICES_COMMON_BEARER_AUTH_H_

#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace nbo::services {

// OK when `expected_token` is empty (authentication off) or the call carries
// `authorization: Bearer <expected_token>`; UNAUTHENTICATED otherwise. The
// comparison takes the same time whatever the token sent: it is a secret.
grpc::Status CheckBearerToken(const grpc::ServerContextBase& context,
                              absl::string_view expected_token);

// Whether an authorization header value carries `expected_token` as a
// bearer credential: the scheme "Bearer" in any case (RFC 7235 section 2.1:
// auth schemes are case-insensitive), one or more spaces, then exactly the
// token (case-sensitive, compared in constant time).
// REQUIRES: !expected_token.empty().
bool BearerTokenMatches(absl::string_view header,
                        absl::string_view expected_token);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_BEARER_AUTH_H_
