// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Query parameters into a request message: "a.b=x&k=1&k=2", names in proto
// or JSON form, values as field_value.h reads them. Stateless.

#ifndef NBO_LIB_GATEWAY_QUERY_BINDING_H_
#define NBO_LIB_GATEWAY_QUERY_BINDING_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "lib/gateway/route_table.h"

namespace nbo::gateway {

// True if the route's body binds the field `field_path` (proto names, "a.b"):
// every field for body "*", the field and what it holds for body "field".
bool BodyBinds(const Route& route, absl::string_view field_path);

// "" if the route's path and body leave `field_path` to the query;
// otherwise "the path" or "the body", whichever binds it.
absl::string_view FieldBinder(const Route& route, absl::string_view field_path);

// Sets the fields `query` names (after '?', still percent-encoded; '+' is
// a space) in `request`, which the path and the body may already have set.
// Empty pairs ("a=1&&b=2") are skipped; a key without '=' has the value "".
// INVALID_ARGUMENT naming the parameter if: it is not valid
// percent-encoding; it names no field, or a field the route's path or body
// binds (both only when `strict`; otherwise such a parameter is ignored);
// it goes through a repeated field or names a map or a message field (other
// than the well-known types with a text form); it repeats a singular field;
// it sets a member of a oneof another member of which is set; its value
// does not parse. `request` may be partly set on error.
// REQUIRES: request's type is route.method's input type.
absl::Status BindQuery(const Route& route, absl::string_view query, bool strict,
                       google::protobuf::Message* request);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_QUERY_BINDING_H_
