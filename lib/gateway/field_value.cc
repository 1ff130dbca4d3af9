// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/field_value.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "lib/common/quote.h"
#include "lib/gateway/field_path.h"
#include "lib/gateway/json_text.h"

namespace nbo::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Well-known types whose JSON form is a string protobuf's parser reads.
bool IsJsonStringType(const Descriptor* type) {
  const std::string& name = type->full_name();
  return name == "google.protobuf.Timestamp" ||
         name == "google.protobuf.Duration" ||
         name == "google.protobuf.FieldMask";
}

bool IsWrapperType(const Descriptor* type) {
  return type->file()->name() == "google/protobuf/wrappers.proto";
}

template <typename T>
bool ParseInteger(absl::string_view text, T* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

// Decimal or exponent notation, or the JSON mapping's special values; not
// the "inf" / "nan" spellings from_chars would also take.
bool ParseDouble(absl::string_view text, double* out) {
  if (text == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text == "Infinity" || text == "-Infinity") {
    *out = text[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
    return true;
  }
  for (char c : text) {
    if (absl::ascii_isalpha(static_cast<unsigned char>(c)) && c != 'e' &&
        c != 'E') {
      return false;
    }
  }
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

bool ParseBytes(absl::string_view text, std::string* out) {
  return absl::Base64Unescape(text, out) ||
         absl::WebSafeBase64Unescape(text, out);
}

std::string TypeName(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return field->enum_type()->full_name();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return field->message_type()->full_name();
    default:
      return field->type_name();
  }
}

absl::Status NotValid(const FieldDescriptor* field, absl::string_view text,
                      absl::string_view subject) {
  return absl::InvalidArgumentError(absl::StrCat(subject, " is not a valid ",
                                                 TypeName(field), ": ",
                                                 common::QuoteForError(text)));
}

// Sets or adds a well-known message value from its text form.
absl::Status SetMessageFromText(Message* parent, const FieldDescriptor* field,
                                absl::string_view text,
                                absl::string_view subject) {
  const Descriptor* type = field->message_type();
  std::unique_ptr<Message> value = NewMessage(type);
  if (IsWrapperType(type)) {
    const absl::Status status = SetFieldFromText(
        value.get(), type->FindFieldByName("value"), text, subject);
    if (!status.ok()) return status;
  } else {
    const std::string json = JsonQuote(text);
    if (!IsValidUtf8(text) ||
        !google::protobuf::util::JsonStringToMessage(json, value.get()).ok()) {
      return NotValid(field, text, subject);
    }
  }
  const Reflection* reflection = parent->GetReflection();
  Message* target = field->is_repeated()
                        ? reflection->AddMessage(parent, field)
                        : reflection->MutableMessage(parent, field);
  target->CopyFrom(*value);
  return absl::OkStatus();
}

// Parses a scalar into T and hands it to the singular or repeated setter.
template <typename T, typename Setter, typename Adder>
absl::Status SetParsed(Message* parent, const FieldDescriptor* field,
                       bool parsed, const T& value, Setter set, Adder add,
                       absl::string_view text, absl::string_view subject) {
  if (!parsed) return NotValid(field, text, subject);
  const Reflection* reflection = parent->GetReflection();
  if (field->is_repeated()) {
    (reflection->*add)(parent, field, value);
  } else {
    (reflection->*set)(parent, field, value);
  }
  return absl::OkStatus();
}

absl::Status SetEnumFromText(Message* parent, const FieldDescriptor* field,
                             absl::string_view text,
                             absl::string_view subject) {
  const google::protobuf::EnumValueDescriptor* value =
      field->enum_type()->FindValueByName(std::string(text));
  int32_t number = 0;
  if (value == nullptr && ParseInteger(text, &number)) {
    value = field->enum_type()->FindValueByNumber(number);
  }
  return SetParsed(
      parent, field, value != nullptr, value == nullptr ? 0 : value->number(),
      &Reflection::SetEnumValue, &Reflection::AddEnumValue, text, subject);
}

absl::Status SetFloatingFromText(Message* parent, const FieldDescriptor* field,
                                 absl::string_view text,
                                 absl::string_view subject) {
  double value = 0;
  const bool parsed = ParseDouble(text, &value);
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
    return SetParsed(parent, field, parsed, value, &Reflection::SetDouble,
                     &Reflection::AddDouble, text, subject);
  }
  if (parsed && std::isfinite(value) &&
      std::abs(value) > std::numeric_limits<float>::max()) {
    return absl::InvalidArgumentError(absl::StrCat(
        subject, " is out of range for float: ", common::QuoteForError(text)));
  }
  return SetParsed(parent, field, parsed, static_cast<float>(value),
                   &Reflection::SetFloat, &Reflection::AddFloat, text, subject);
}

absl::Status SetStringFromText(Message* parent, const FieldDescriptor* field,
                               absl::string_view text,
                               absl::string_view subject) {
  std::string value;
  bool parsed;
  if (field->type() == FieldDescriptor::TYPE_BYTES) {
    parsed = ParseBytes(text, &value);
  } else {
    if (!IsValidUtf8(text)) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject, " is not valid UTF-8"));
    }
    value = std::string(text);
    parsed = true;
  }
  return SetParsed(parent, field, parsed, value, &Reflection::SetString,
                   &Reflection::AddString, text, subject);
}

}  // namespace

bool IsTextField(const FieldDescriptor* field) {
  if (field->is_map()) return false;
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  return IsJsonStringType(field->message_type()) ||
         IsWrapperType(field->message_type());
}

absl::Status SetFieldFromText(Message* parent, const FieldDescriptor* field,
                              absl::string_view text,
                              absl::string_view subject) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      return SetParsed(parent, field, ParseInteger(text, &value), value,
                       &Reflection::SetInt32, &Reflection::AddInt32, text,
                       subject);
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t value = 0;
      return SetParsed(parent, field, ParseInteger(text, &value), value,
                       &Reflection::SetInt64, &Reflection::AddInt64, text,
                       subject);
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value = 0;
      return SetParsed(parent, field, ParseInteger(text, &value), value,
                       &Reflection::SetUInt32, &Reflection::AddUInt32, text,
                       subject);
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value = 0;
      return SetParsed(parent, field, ParseInteger(text, &value), value,
                       &Reflection::SetUInt64, &Reflection::AddUInt64, text,
                       subject);
    }
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return SetFloatingFromText(parent, field, text, subject);
    case FieldDescriptor::CPPTYPE_BOOL:
      return SetParsed(parent, field, text == "true" || text == "false",
                       text == "true", &Reflection::SetBool,
                       &Reflection::AddBool, text, subject);
    case FieldDescriptor::CPPTYPE_ENUM:
      return SetEnumFromText(parent, field, text, subject);
    case FieldDescriptor::CPPTYPE_STRING:
      return SetStringFromText(parent, field, text, subject);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return SetMessageFromText(parent, field, text, subject);
  }
  return NotValid(field, text, subject);
}

}  // namespace nbo::gateway
