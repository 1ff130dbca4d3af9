// Copyright (c) 2026 The nbo Authors. MIT License.
//
// gRPC status codes as HTTP, canonically (google/rpc/code.proto's mapping,
// as grpc-gateway's runtime/errors.go does), and the JSON error body every
// gateway error uses: {"code":N,"message":"...","details":[]} in the
// google.rpc.Status shape (code is the gRPC code). Codes are absl's, whose
// numbers are gRPC's. Stateless.

#ifndef NBO_LIB_GATEWAY_HTTP_STATUS_H_
#define NBO_LIB_GATEWAY_HTTP_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nbo::gateway {

// OK 200; INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE 400;
// UNAUTHENTICATED 401; PERMISSION_DENIED 403; NOT_FOUND 404; ALREADY_EXISTS,
// ABORTED 409; RESOURCE_EXHAUSTED 429; CANCELLED 499; UNIMPLEMENTED 501;
// UNAVAILABLE 503; DEADLINE_EXCEEDED 504; everything else 500.
int HttpStatusFor(absl::StatusCode code);

// {"code":N,"message":"...","details":[]} for `code` and `message`
// (JSON-escaped; invalid UTF-8 replaced).
std::string ErrorJson(absl::StatusCode code, absl::string_view message);

// The last line of an NDJSON stream that failed after its first byte:
// {"error":{"code":N,"message":"...","details":[]}}.
std::string StreamErrorJson(absl::StatusCode code, absl::string_view message);

// One NDJSON line for a streamed message's JSON: {"result":<json>}.
std::string StreamResultJson(absl::string_view message_json);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_HTTP_STATUS_H_
