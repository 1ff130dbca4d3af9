// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The gateway's own proto3 JSON printer for responses. It prints what
// protobuf's MessageToJsonString prints with always_print_primitive_fields
// (fields in declaration order; singular fields without presence printed
// even when zero, empty repeated fields as [], empty maps as {}; unset
// messages, oneof members and proto3 `optional` fields left out; 64-bit
// integers as strings; enums by name; floating point as protobuf formats
// it, NaN and infinities as strings; bytes as base64; Timestamp, Duration
// and the wrapper types in their JSON forms), with two differences that
// keep the text equal as JSON: map entries come sorted by key (so the same
// message always prints the same bytes, and its ETag is stable), and a
// Duration with positive seconds and negative nanos, which protobuf 3.21
// prints wrongly, is refused. Unlike protobuf's printer it has no nesting
// limit (protobuf refuses messages nested deeper than 64; parsing allows
// 100).
//
// Why not protobuf's printer: on the request path it cost about a third of
// the gateway's CPU per request (a tree of default-value nodes and printf
// plus strtod per number); this walks the message once with reflection.
// tests/unit/gateway and the json_writer fuzz target check it against
// protobuf's printer.
//
// Stateless and thread-safe.

#ifndef NBO_LIB_GATEWAY_JSON_WRITER_H_
#define NBO_LIB_GATEWAY_JSON_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace nbo::gateway {

struct JsonWriteOptions {
  // The .proto field names instead of their lowerCamelCase JSON names.
  bool proto_names = false;
};

// Appends the JSON of `message` to `out`. UNIMPLEMENTED for a message that
// holds google.protobuf.Any, Struct, Value, ListValue or FieldMask, or a
// proto2 message (the caller prints those with protobuf's printer);
// INVALID_ARGUMENT for a Timestamp or Duration outside the range JSON allows.
// On error `out` may hold part of the text.
absl::Status AppendMessageJson(const google::protobuf::Message& message,
                               const JsonWriteOptions& options,
                               std::string* out);

// Appends the JSON of one field's value alone (a response_body that names a
// repeated, map or scalar field): what AppendMessageJson prints after the
// field's name. Errors as AppendMessageJson.
absl::Status AppendFieldJson(const google::protobuf::Message& message,
                             const google::protobuf::FieldDescriptor* field,
                             const JsonWriteOptions& options, std::string* out);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_JSON_WRITER_H_
