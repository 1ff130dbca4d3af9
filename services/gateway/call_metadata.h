// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What an HTTP request's headers pass upstream, and nothing else:
// Authorization (as gRPC metadata "authorization", so the server's tokens
// work through the gateway), X-Request-Id (forwarded, or generated; the
// gateway echoes it), Grpc-Metadata-<Key> headers as metadata "<key>" (as
// grpc-gateway does), and the deadline from a Grpc-Timeout header
// ("100m", "5S", ... per the gRPC HTTP/2 spec) or the default. Stateless.

#ifndef NBO_SERVICES_GATEWAY_CALL_METADATA_H_
#define NBO_SERVICES_GATEWAY_CALL_METADATA_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/http_server.h"
#include "services/gateway/upstream.h"

namespace nbo::gateway {

// The request id to use: the client's X-Request-Id if it is 1..128 bytes
// of [A-Za-z0-9._:-], else a new random one (32 hex digits).
std::string RequestIdFor(const services::HttpRequest& request);

// The timeout a Grpc-Timeout value asks for: 1..8 digits and a unit (H, M,
// S, m, u, n). INVALID_ARGUMENT naming the header otherwise.
absl::StatusOr<absl::Duration> ParseGrpcTimeout(absl::string_view value);

// The call options for `request`: deadline `now` + Grpc-Timeout (capped at
// `max_deadline`) or `default_deadline`, and the forwarded metadata with
// `request_id`. INVALID_ARGUMENT for a malformed Grpc-Timeout, or a
// Grpc-Metadata-* header whose key or value gRPC would reject.
absl::StatusOr<CallOptions> CallOptionsFor(const services::HttpRequest& request,
                                           const std::string& request_id,
                                           absl::Time now,
                                           absl::Duration default_deadline,
                                           absl::Duration max_deadline);

}  // namespace nbo::gateway

#endif  // NBO_SERVICES_GATEWAY_CALL_METADATA_H_
