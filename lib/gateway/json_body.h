// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A request's JSON body into its message, per the route's `body`: the whole
// request ("*"), one top-level field ("customer" takes the body as that
// field's JSON value, be it a message, a scalar or a list) or nothing ("").
// Parsing is protobuf's (proto3 JSON mapping). Stateless.

#ifndef NBO_LIB_GATEWAY_JSON_BODY_H_
#define NBO_LIB_GATEWAY_JSON_BODY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "lib/gateway/route_table.h"

namespace nbo::gateway {

// Parses `body` into `request`. A body of only whitespace counts as none
// (the empty object). INVALID_ARGUMENT if: the route takes no body and one
// was sent; the body is not valid UTF-8; it is not JSON ("body is not valid
// JSON: ..."); it does not fit the message ("invalid body: ..." with
// protobuf's reason: wrong type, unknown field when `strict`, out-of-range
// number, unknown enum name). `request` may be partly set on error.
// REQUIRES: request's type is route.method's input type, and it is empty.
absl::Status MergeJsonBody(const Route& route, absl::string_view body,
                           bool strict, google::protobuf::Message* request);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_JSON_BODY_H_
