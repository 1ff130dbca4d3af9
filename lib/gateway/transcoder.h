// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Transcoding between HTTP/JSON and a route's protobuf messages, with
// protobuf's own JSON utilities (proto3 JSON mapping: int64/uint64 printed
// as strings, enums by name, Timestamp/Duration in RFC 3339 / "1.5s" form).
//
// Request: the path bindings, then the body (per the route's `body`), then
// the query parameters for every field neither binds. Query parameters:
// nested ("a.b=x"), repeated ("k=1&k=2"), enums by name or number, bools
// ("true"/"false"), 64-bit integers, Timestamp and Duration in their JSON
// form; names in proto (snake_case) or JSON (lowerCamelCase) form.
// Every error is INVALID_ARGUMENT with a message that names the field or
// parameter (quoted and shortened as lib/common/quote.h does); nothing is
// half-built on error.
//
// Stateless functions; safe from any thread.

#ifndef NBO_LIB_GATEWAY_TRANSCODER_H_
#define NBO_LIB_GATEWAY_TRANSCODER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/gateway/route_table.h"

namespace nbo::gateway {

struct TranscodeOptions {
  // Reject unknown JSON fields and unknown query parameters (400 naming
  // them). Default: true.
  bool strict = true;
  // Print JSON with proto field names (snake_case) instead of lowerCamelCase.
  // Default: false.
  bool proto_names = false;
  // Print responses with protobuf's JSON printer instead of json_writer
  // (same JSON, about a third more gateway CPU per request): a way back if
  // the two ever disagree, and the baseline of the gateway benchmark.
  // Default: false.
  bool protobuf_printer = false;
};

// The serialized request message for `match.route` from the path bindings,
// the raw query string (after '?', still percent-encoded; may be empty) and
// the body (JSON text; may be empty, meaning {}). INVALID_ARGUMENT when:
// the body is not valid JSON or does not fit the message (wrong type,
// unknown field when strict, out-of-range number, bad enum name, invalid
// UTF-8); a query parameter is unknown (strict), repeated for a singular
// field, names a message field, or does not parse as the field's type; a
// path field also set in the body to a different value; a body is sent to
// a route that takes none. A query parameter naming a field the path or
// the body binds counts as unknown. The path/body disagreement names the
// field, not the values: path variables are often customer ids.
// REQUIRES: match.route != nullptr.
absl::StatusOr<std::string> BuildRequest(const RouteMatch& match,
                                         absl::string_view query,
                                         absl::string_view body,
                                         const TranscodeOptions& options);

// The JSON for one serialized response message of `route` (its
// response_body field if set). Zero values and enums are printed.
// INTERNAL if the bytes do not parse as the response type.
absl::StatusOr<std::string> ResponseToJson(const Route& route,
                                           absl::string_view response,
                                           const TranscodeOptions& options);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_TRANSCODER_H_
