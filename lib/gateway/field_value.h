// Copyright (c) 2026 The nbo Authors. MIT License.
//
// One field's value from text, as path variables and query parameters
// carry it: the proto3 JSON mapping's forms without JSON's quotes. Numbers
// in decimal (no spaces, no '+', in range: "2147483648" is not an int32),
// floats also "NaN", "Infinity", "-Infinity"; bools "true" / "false";
// enums by name or by the number of a defined value; bytes in base64
// (standard or URL-safe, padding optional); strings as valid UTF-8;
// google.protobuf.Timestamp, Duration and FieldMask in their JSON string
// form ("2026-01-31T12:00:00Z", "1.5s", "a,b.c"); the wrapper types
// (Int32Value, StringValue, ...) as their wrapped value. Stateless.

#ifndef NBO_LIB_GATEWAY_FIELD_VALUE_H_
#define NBO_LIB_GATEWAY_FIELD_VALUE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace nbo::gateway {

// True if `field` takes its value from text: a scalar, an enum, or one of
// the well-known message types above. Maps never do.
bool IsTextField(const google::protobuf::FieldDescriptor* field);

// Parses `text` as a value of `field` and sets it in `parent` (appends it
// when the field is repeated). INVALID_ARGUMENT, with a message that starts
// with `subject` ("query parameter 'limit' is not a valid int32: 'abc'"),
// if it does not parse; `parent` is then unchanged.
// REQUIRES: IsTextField(field); field belongs to parent's type.
absl::Status SetFieldFromText(google::protobuf::Message* parent,
                              const google::protobuf::FieldDescriptor* field,
                              absl::string_view text,
                              absl::string_view subject);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_FIELD_VALUE_H_
