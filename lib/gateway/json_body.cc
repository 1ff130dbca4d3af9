// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/json_body.h"

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "lib/gateway/json_text.h"

namespace nbo::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Protobuf's reason, made fit for a client: its first line (later ones
// point into the input), escaped, and short.
std::string Reason(const google::protobuf::util::Status& status) {
  std::string reason(status.message().data(), status.message().size());
  const size_t newline = reason.find('\n');
  if (newline != std::string::npos) reason.resize(newline);
  // Protobuf names types by their Any URL and fields by a path that is
  // empty at the root.
  reason = absl::StrReplaceAll(reason, {{"type.googleapis.com/", ""}});
  if (absl::StartsWith(reason, ": ")) reason.erase(0, 2);
  constexpr size_t kMax = 160;
  if (reason.size() > kMax) reason = reason.substr(0, kMax) + "...";
  return absl::CEscape(reason);
}

google::protobuf::util::Status ParseJson(absl::string_view json, bool strict,
                                         Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = !strict;
  return google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
}

// Whether `json` is one JSON value (of any type), whatever it is meant for.
google::protobuf::util::Status CheckSyntax(absl::string_view json) {
  google::protobuf::Value value;
  return ParseJson(json, /*strict=*/true, &value);
}

// Parses `json` into `message`, telling syntax errors from misfits.
absl::Status ParseInto(absl::string_view json, bool strict, Message* message) {
  const google::protobuf::util::Status status =
      ParseJson(json, strict, message);
  if (status.ok()) return absl::OkStatus();
  const google::protobuf::util::Status syntax = CheckSyntax(json);
  if (!syntax.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("body is not valid JSON: ", Reason(syntax)));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid body: ", Reason(status)));
}

// The body as the value of one non-message (or repeated) field: parsed as
// {"field": <body>} into a scratch request, whose field is then moved over.
absl::Status ParseIntoField(absl::string_view json, bool strict,
                            const FieldDescriptor* field, Message* request) {
  // Checked first, so that a body such as `1, "other": 2` cannot reach
  // past the field's value.
  const google::protobuf::util::Status syntax = CheckSyntax(json);
  if (!syntax.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("body is not valid JSON: ", Reason(syntax)));
  }
  std::unique_ptr<Message> scratch(request->New());
  const std::string wrapped =
      absl::StrCat("{", JsonQuote(field->name()), ":", json, "}");
  const google::protobuf::util::Status status =
      ParseJson(wrapped, strict, scratch.get());
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid body: ", Reason(status)));
  }
  request->GetReflection()->SwapFields(scratch.get(), request, {field});
  return absl::OkStatus();
}

}  // namespace

absl::Status MergeJsonBody(const Route& route, absl::string_view body,
                           bool strict, Message* request) {
  if (absl::StripAsciiWhitespace(body).empty()) return absl::OkStatus();
  if (route.body.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        route.http_method, " ", route.path_template, " takes no request body"));
  }
  if (!IsValidUtf8(body)) {
    return absl::InvalidArgumentError("body is not valid UTF-8");
  }
  if (route.body == "*") return ParseInto(body, strict, request);
  const FieldDescriptor* field =
      request->GetDescriptor()->FindFieldByName(route.body);
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !field->is_repeated()) {
    return ParseInto(body, strict,
                     request->GetReflection()->MutableMessage(request, field));
  }
  return ParseIntoField(body, strict, field, request);
}

}  // namespace nbo::gateway
