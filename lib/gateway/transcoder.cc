// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/transcoder.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "lib/common/status_macros.h"
#include "lib/gateway/field_path.h"
#include "lib/gateway/field_value.h"
#include "lib/gateway/json_body.h"
#include "lib/gateway/json_writer.h"
#include "lib/gateway/query_binding.h"

namespace nbo::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// INVALID_ARGUMENT if the body already set `fields` to a value other than
// `value`. Values are not echoed: path variables are often customer ids.
absl::Status CheckBodyAgrees(const Message& request, const FieldPath& fields,
                             const PathBinding& binding,
                             absl::string_view subject) {
  const Message* parent = FindParent(request, fields);
  const FieldDescriptor* leaf = fields.back();
  if (parent == nullptr || !parent->GetReflection()->HasField(*parent, leaf)) {
    return absl::OkStatus();
  }
  std::unique_ptr<Message> from_path(parent->New());
  NBO_RETURN_IF_ERROR(
      SetFieldFromText(from_path.get(), leaf, binding.value, subject));
  google::protobuf::util::MessageDifferencer differencer;
  if (!differencer.CompareWithFields(*parent, *from_path, {leaf}, {leaf})) {
    return absl::InvalidArgumentError(
        absl::StrCat(binding.field_path, " in the body differs from the path"));
  }
  return absl::OkStatus();
}

absl::Status BindPath(const RouteMatch& match, Message* request) {
  for (const PathBinding& binding : match.bindings) {
    const std::string subject =
        absl::StrCat("path variable ", binding.field_path);
    // Resolved once already, by RouteTable::Create.
    NBO_ASSIGN_OR_RETURN(
        FieldPath fields,
        ResolveFieldPath(request->GetDescriptor(), binding.field_path,
                         /*json_names=*/false));
    if (BodyBinds(*match.route, binding.field_path)) {
      NBO_RETURN_IF_ERROR(CheckBodyAgrees(*request, fields, binding, subject));
    }
    NBO_RETURN_IF_ERROR(SetFieldFromText(
        MutableParent(request, fields), fields.back(), binding.value, subject));
  }
  return absl::OkStatus();
}

google::protobuf::util::JsonPrintOptions PrintOptions(
    const TranscodeOptions& options) {
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = false;
  print.always_print_primitive_fields = true;
  print.always_print_enums_as_ints = false;
  print.preserve_proto_field_names = options.proto_names;
  return print;
}

absl::Status CannotPrint(const google::protobuf::Descriptor* type) {
  return absl::InternalError(
      absl::StrCat("cannot print ", type->full_name(), " as JSON"));
}

// Through protobuf's printer: the types json_writer leaves to it.
absl::StatusOr<std::string> ProtobufPrint(const Message& message,
                                          const TranscodeOptions& options) {
  std::string json;
  const google::protobuf::util::Status status =
      google::protobuf::util::MessageToJsonString(message, &json,
                                                  PrintOptions(options));
  if (!status.ok()) return CannotPrint(message.GetDescriptor());
  return json;
}

// The JSON of one field that is not a singular message, through protobuf's
// printer: the message printed whole, read back as a Struct, and that
// field's value printed alone.
absl::StatusOr<std::string> ProtobufPrintField(
    const Message& message, const FieldDescriptor* field,
    const TranscodeOptions& options) {
  NBO_ASSIGN_OR_RETURN(std::string json, ProtobufPrint(message, options));
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(json, &object).ok()) {
    return absl::InternalError("cannot read back the printed response");
  }
  const std::string& key =
      options.proto_names ? field->name() : field->json_name();
  auto it = object.fields().find(key);
  if (it == object.fields().end()) {
    return absl::InternalError(
        absl::StrCat("the printed response lacks ", field->name()));
  }
  return ProtobufPrint(it->second, options);
}

absl::StatusOr<std::string> Print(const Message& message,
                                  const TranscodeOptions& options) {
  if (options.protobuf_printer) return ProtobufPrint(message, options);
  std::string json;
  const absl::Status status =
      AppendMessageJson(message, {.proto_names = options.proto_names}, &json);
  if (status.ok()) return json;
  if (absl::IsUnimplemented(status)) return ProtobufPrint(message, options);
  return CannotPrint(message.GetDescriptor());
}

absl::StatusOr<std::string> PrintField(const Message& message,
                                       const FieldDescriptor* field,
                                       const TranscodeOptions& options) {
  if (options.protobuf_printer) {
    return ProtobufPrintField(message, field, options);
  }
  std::string json;
  const absl::Status status = AppendFieldJson(
      message, field, {.proto_names = options.proto_names}, &json);
  if (status.ok()) return json;
  if (absl::IsUnimplemented(status)) {
    return ProtobufPrintField(message, field, options);
  }
  return CannotPrint(message.GetDescriptor());
}

}  // namespace

absl::StatusOr<std::string> BuildRequest(const RouteMatch& match,
                                         absl::string_view query,
                                         absl::string_view body,
                                         const TranscodeOptions& options) {
  const Route& route = *match.route;
  std::unique_ptr<Message> request = NewMessage(route.method->input_type());
  // The body first, so that BindPath can see what it set.
  NBO_RETURN_IF_ERROR(
      MergeJsonBody(route, body, options.strict, request.get()));
  NBO_RETURN_IF_ERROR(BindPath(match, request.get()));
  NBO_RETURN_IF_ERROR(BindQuery(route, query, options.strict, request.get()));
  // Protobuf's JSON parser lets escaped lone surrogates ("\udc00") through.
  const std::string invalid = FindInvalidUtf8(*request);
  if (!invalid.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(invalid, " is not valid UTF-8"));
  }
  std::string serialized;
  if (!request->SerializePartialToString(&serialized)) {
    return absl::InternalError("cannot serialize the request");
  }
  return serialized;
}

absl::StatusOr<std::string> ResponseToJson(const Route& route,
                                           absl::string_view response,
                                           const TranscodeOptions& options) {
  // Parsed on an arena whose first block is on the stack: a typical answer
  // (a few offers with their reasons) costs no allocation.
  alignas(8) char first_block[8192];
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = first_block;
  arena_options.initial_block_size = sizeof(first_block);
  google::protobuf::Arena arena(arena_options);
  Message* message = NewMessageOn(route.method->output_type(), &arena);
  if (!message->ParsePartialFromArray(response.data(),
                                      static_cast<int>(response.size()))) {
    return absl::InternalError(absl::StrCat(
        "response is not a ", route.method->output_type()->full_name()));
  }
  if (route.response_body.empty()) return Print(*message, options);
  const FieldDescriptor* field =
      message->GetDescriptor()->FindFieldByName(route.response_body);
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !field->is_repeated()) {
    return Print(message->GetReflection()->GetMessage(*message, field),
                 options);
  }
  return PrintField(*message, field, options);
}

}  // namespace nbo::gateway
