// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Protobuf's own JSON printer, as the oracle json_writer is checked
// against (tests/unit/gateway and the json_writer fuzz target): the options
// the gateway prints responses with, and map entries in key order
// (deterministic serialization), so that the two compare byte for byte.
// Header-only so that the fuzz build, which has no test libraries, can use
// it.

#ifndef NBO_TESTS_UNIT_GATEWAY_JSON_ORACLE_H_
#define NBO_TESTS_UNIT_GATEWAY_JSON_ORACLE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace nbo::testing {

inline absl::StatusOr<std::string> ProtobufJson(
    const google::protobuf::Message& message, bool proto_names) {
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializePartialToCodedStream(&coded);
  }
  constexpr char kUrlPrefix[] = "type.googleapis.com";
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kUrlPrefix, message.GetDescriptor()->file()->pool()));
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = proto_names;
  std::string json;
  const auto status = google::protobuf::util::BinaryToJsonString(
      resolver.get(),
      absl::StrCat(kUrlPrefix, "/", message.GetDescriptor()->full_name()),
      binary, &json, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return json;
}

}  // namespace nbo::testing

#endif  // NBO_TESTS_UNIT_GATEWAY_JSON_ORACLE_H_
