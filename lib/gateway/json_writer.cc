// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/gateway/json_text.h"

namespace nbo::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Timestamp's JSON range, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z,
// and Duration's, about +-10,000 years.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int64_t kMaxDurationSeconds = 315576000000;
constexpr int32_t kMaxNanos = 999999999;

enum class Kind { kPlain, kTimestamp, kDuration, kWrapper, kUnsupported };

Kind KindOf(const Descriptor* descriptor) {
  const std::string& name = descriptor->full_name();
  if (!absl::StartsWith(name, "google.protobuf.")) return Kind::kPlain;
  const absl::string_view type = absl::string_view(name).substr(16);
  if (type == "Timestamp") return Kind::kTimestamp;
  if (type == "Duration") return Kind::kDuration;
  if (type == "Any" || type == "Struct" || type == "Value" ||
      type == "ListValue" || type == "FieldMask") {
    return Kind::kUnsupported;
  }
  static constexpr absl::string_view kWrappers[] = {
      "DoubleValue", "FloatValue", "Int64Value",  "UInt64Value", "Int32Value",
      "UInt32Value", "BoolValue",  "StringValue", "BytesValue"};
  for (absl::string_view wrapper : kWrappers) {
    if (type == wrapper) return Kind::kWrapper;
  }
  return Kind::kPlain;
}

// As protobuf's SimpleDtoa and SimpleFtoa: `digits` significant digits
// (%g), or `more_digits` when those do not read back as the same value.
template <typename T>
void AppendFloating(T value, int digits, int more_digits, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buffer[64];
  std::to_chars_result written =
      std::to_chars(buffer, buffer + sizeof(buffer), value,
                    std::chars_format::general, digits);
  T parsed = 0;
  const std::from_chars_result read =
      std::from_chars(buffer, written.ptr, parsed);
  bool same = read.ec == std::errc() && parsed == value;
  if (std::fpclassify(value) == FP_SUBNORMAL) {
    // Protobuf reads back with strtod, ignoring its underflow error, for
    // doubles; with strtof, taking the error as a mismatch, for floats.
    const std::string text(buffer, written.ptr);
    same = std::is_same_v<T, double> &&
           std::strtod(text.c_str(), nullptr) == static_cast<double>(value);
  }
  if (!same) {
    written = std::to_chars(buffer, buffer + sizeof(buffer), value,
                            std::chars_format::general, more_digits);
  }
  out->append(buffer, written.ptr);
}

void AppendQuotedInteger(auto value, std::string* out) {
  out->push_back('"');
  absl::StrAppend(out, value);
  out->push_back('"');
}

void AppendEnum(const EnumDescriptor* type, int number, std::string* out) {
  if (type->full_name() == "google.protobuf.NullValue") {
    out->append("null");
    return;
  }
  const EnumValueDescriptor* value = type->FindValueByNumber(number);
  if (value == nullptr) {
    absl::StrAppend(out, number);  // a value this build does not know
    return;
  }
  out->push_back('"');
  out->append(value->name());
  out->push_back('"');
}

// ".fff", ".ffffff" or ".fffffffff": as few groups of three as `nanos`
// needs; nothing for 0.
void AppendNanos(int32_t nanos, std::string* out) {
  if (nanos == 0) return;
  int digits = 9;
  if (nanos % 1000000 == 0) {
    nanos /= 1000000;
    digits = 3;
  } else if (nanos % 1000 == 0) {
    nanos /= 1000;
    digits = 6;
  }
  char buffer[10];
  for (int i = digits; i > 0; --i) {
    buffer[i] = static_cast<char>('0' + nanos % 10);
    nanos /= 10;
  }
  buffer[0] = '.';
  out->append(buffer, digits + 1);
}

void AppendDigits(int64_t value, int width, std::string* out) {
  char buffer[8];
  for (int i = width - 1; i >= 0; --i) {
    buffer[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buffer, width);
}

// (seconds, nanos) of a Timestamp or Duration message.
std::pair<int64_t, int32_t> SecondsAndNanos(const Message& message) {
  const Descriptor* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  return {r->GetInt64(message, d->FindFieldByNumber(1)),
          r->GetInt32(message, d->FindFieldByNumber(2))};
}

// RFC 3339 in UTC, as "1972-01-01T10:00:20.021Z".
absl::Status AppendTimestamp(const Message& message, std::string* out) {
  const auto [seconds, nanos] = SecondsAndNanos(message);
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds ||
      nanos < 0 || nanos > kMaxNanos) {
    return absl::InvalidArgumentError(
        "a Timestamp outside 0001-01-01..9999-12-31 has no JSON form");
  }
  // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
  const int64_t days = (seconds >= 0 ? seconds : seconds - 86399) / 86400;
  const int64_t second_of_day = seconds - days * 86400;
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 +
                               day_of_era / 36524 - day_of_era / 146096) /
                              365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  out->push_back('"');
  AppendDigits(year, 4, out);
  out->push_back('-');
  AppendDigits(month, 2, out);
  out->push_back('-');
  AppendDigits(day, 2, out);
  out->push_back('T');
  AppendDigits(second_of_day / 3600, 2, out);
  out->push_back(':');
  AppendDigits(second_of_day / 60 % 60, 2, out);
  out->push_back(':');
  AppendDigits(second_of_day % 60, 2, out);
  AppendNanos(nanos, out);
  out->append("Z\"");
  return absl::OkStatus();
}

// As "-1.5s".
absl::Status AppendDuration(const Message& message, std::string* out) {
  auto [seconds, nanos] = SecondsAndNanos(message);
  if (seconds < -kMaxDurationSeconds || seconds > kMaxDurationSeconds ||
      nanos < -kMaxNanos || nanos > kMaxNanos || (seconds < 0 && nanos > 0) ||
      (seconds > 0 && nanos < 0)) {
    return absl::InvalidArgumentError(
        "a Duration beyond +-315576000000 s, or with seconds and nanos of "
        "different signs, has no JSON form");
  }
  out->push_back('"');
  if (seconds < 0 || nanos < 0) {
    out->push_back('-');
    seconds = -seconds;
    nanos = -nanos;
  }
  absl::StrAppend(out, seconds);
  AppendNanos(nanos, out);
  out->append("s\"");
  return absl::OkStatus();
}

absl::Status AppendMessage(const Message& message,
                           const JsonWriteOptions& options, std::string* out);

// Whether protobuf's printer writes `field` after the others: a singular
// scalar with presence (a oneof member, a proto3 `optional`), or a singular
// Timestamp, Duration or wrapper.
bool PrintedLast(const FieldDescriptor* field) {
  if (field->is_repeated()) return false;
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return field->has_presence();
  }
  return KindOf(field->message_type()) != Kind::kPlain;
}

// One value of `field`: element `index` of a repeated field, or the
// singular field's value when index < 0.
absl::Status AppendValue(const Message& message, const FieldDescriptor* field,
                         int index, const JsonWriteOptions& options,
                         std::string* out) {
  const Reflection* r = message.GetReflection();
  const bool element = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, element ? r->GetRepeatedInt32(message, field, index)
                                   : r->GetInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, element ? r->GetRepeatedUInt32(message, field, index)
                                   : r->GetUInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      AppendQuotedInteger(element ? r->GetRepeatedInt64(message, field, index)
                                  : r->GetInt64(message, field),
                          out);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      AppendQuotedInteger(element ? r->GetRepeatedUInt64(message, field, index)
                                  : r->GetUInt64(message, field),
                          out);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendFloating(element ? r->GetRepeatedDouble(message, field, index)
                             : r->GetDouble(message, field),
                     15, 17, out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloating(element ? r->GetRepeatedFloat(message, field, index)
                             : r->GetFloat(message, field),
                     6, 9, out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((element ? r->GetRepeatedBool(message, field, index)
                           : r->GetBool(message, field))
                      ? "true"
                      : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      AppendEnum(field->enum_type(),
                 element ? r->GetRepeatedEnumValue(message, field, index)
                         : r->GetEnumValue(message, field),
                 out);
      break;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text =
          element
              ? r->GetRepeatedStringReference(message, field, index, &scratch)
              : r->GetStringReference(message, field, &scratch);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        out->push_back('"');
        out->append(absl::Base64Escape(text));
        out->push_back('"');
      } else {
        AppendJsonQuoted(text, out);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return AppendMessage(element
                               ? r->GetRepeatedMessage(message, field, index)
                               : r->GetMessage(message, field),
                           options, out);
  }
  return absl::OkStatus();
}

// A map key as its JSON object key, and as bytes that sort like the key.
struct MapKey {
  std::string sort_key;
  std::string text;
  const Message* entry;
};

// Big-endian bytes of `bits`: bytewise order is numeric order.
std::string BigEndian(uint64_t bits) {
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(bits & 0xFF);
    bits >>= 8;
  }
  return bytes;
}

MapKey KeyOf(const Message& entry, const FieldDescriptor* key) {
  const Reflection* r = entry.GetReflection();
  constexpr uint64_t kSignBit = uint64_t{1} << 63;
  switch (key->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string text = r->GetString(entry, key);
      return {text, std::move(text), &entry};
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool value = r->GetBool(entry, key);
      return {value ? "1" : "0", value ? "true" : "false", &entry};
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      const int32_t value = r->GetInt32(entry, key);
      return {BigEndian(static_cast<uint64_t>(int64_t{value}) ^ kSignBit),
              absl::StrCat(value), &entry};
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t value = r->GetInt64(entry, key);
      return {BigEndian(static_cast<uint64_t>(value) ^ kSignBit),
              absl::StrCat(value), &entry};
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const uint32_t value = r->GetUInt32(entry, key);
      return {BigEndian(value), absl::StrCat(value), &entry};
    }
    default: {  // CPPTYPE_UINT64: the only other key type protobuf allows
      const uint64_t value = r->GetUInt64(entry, key);
      return {BigEndian(value), absl::StrCat(value), &entry};
    }
  }
}

// A map as a JSON object, its entries sorted by key.
absl::Status AppendMap(const Message& message, const FieldDescriptor* field,
                       const JsonWriteOptions& options, std::string* out) {
  const Reflection* r = message.GetReflection();
  const int size = r->FieldSize(message, field);
  const FieldDescriptor* key = field->message_type()->map_key();
  const FieldDescriptor* value = field->message_type()->map_value();
  std::vector<MapKey> keys;
  keys.reserve(size);
  for (int i = 0; i < size; ++i) {
    keys.push_back(KeyOf(r->GetRepeatedMessage(message, field, i), key));
  }
  std::stable_sort(
      keys.begin(), keys.end(),
      [](const MapKey& a, const MapKey& b) { return a.sort_key < b.sort_key; });
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < keys.size(); ++i) {
    // A key given twice (possible through reflection): the last one wins,
    // as when the entries go into the map.
    if (i + 1 < keys.size() && keys[i + 1].sort_key == keys[i].sort_key) {
      continue;
    }
    if (!first) out->push_back(',');
    first = false;
    AppendJsonQuoted(keys[i].text, out);
    out->push_back(':');
    if (absl::Status s = AppendValue(*keys[i].entry, value, -1, options, out);
        !s.ok()) {
      return s;
    }
  }
  out->push_back('}');
  return absl::OkStatus();
}

absl::Status AppendField(const Message& message, const FieldDescriptor* field,
                         const JsonWriteOptions& options, std::string* out) {
  if (field->is_map()) return AppendMap(message, field, options, out);
  if (!field->is_repeated())
    return AppendValue(message, field, -1, options, out);
  const int size = message.GetReflection()->FieldSize(message, field);
  out->push_back('[');
  for (int i = 0; i < size; ++i) {
    if (i > 0) out->push_back(',');
    if (absl::Status s = AppendValue(message, field, i, options, out);
        !s.ok()) {
      return s;
    }
  }
  out->push_back(']');
  return absl::OkStatus();
}

absl::Status AppendMessage(const Message& message,
                           const JsonWriteOptions& options, std::string* out) {
  const Descriptor* descriptor = message.GetDescriptor();
  switch (KindOf(descriptor)) {
    case Kind::kTimestamp:
      return AppendTimestamp(message, out);
    case Kind::kDuration:
      return AppendDuration(message, out);
    case Kind::kWrapper:
      return AppendValue(message, descriptor->FindFieldByNumber(1), -1, options,
                         out);
    case Kind::kUnsupported:
      return absl::UnimplementedError(absl::StrCat(
          descriptor->full_name(), " is printed by protobuf's printer"));
    case Kind::kPlain:
      break;
  }
  if (descriptor->file()->syntax() !=
      google::protobuf::FileDescriptor::SYNTAX_PROTO3) {
    // Every proto2 field has presence, and protobuf prints them otherwise.
    return absl::UnimplementedError(absl::StrCat(
        descriptor->full_name(), " is proto2: printed by protobuf's printer"));
  }
  const Reflection* r = message.GetReflection();
  out->push_back('{');
  bool first = true;
  const auto append = [&](const FieldDescriptor* field) -> absl::Status {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonQuoted(options.proto_names ? field->name() : field->json_name(),
                     out);
    out->push_back(':');
    return AppendField(message, field, options, out);
  };
  // Protobuf's order: every field in declaration order, except that scalar
  // fields with presence and well-known-type fields come last, by number.
  std::vector<const FieldDescriptor*> last;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (!field->is_repeated() && field->has_presence() &&
        !r->HasField(message, field)) {
      continue;
    }
    if (PrintedLast(field)) {
      last.push_back(field);
      continue;
    }
    if (absl::Status s = append(field); !s.ok()) return s;
  }
  std::sort(last.begin(), last.end(),
            [](const FieldDescriptor* a, const FieldDescriptor* b) {
              return a->number() < b->number();
            });
  for (const FieldDescriptor* field : last) {
    if (absl::Status s = append(field); !s.ok()) return s;
  }
  out->push_back('}');
  return absl::OkStatus();
}

}  // namespace

absl::Status AppendMessageJson(const Message& message,
                               const JsonWriteOptions& options,
                               std::string* out) {
  return AppendMessage(message, options, out);
}

absl::Status AppendFieldJson(const Message& message,
                             const FieldDescriptor* field,
                             const JsonWriteOptions& options,
                             std::string* out) {
  return AppendField(message, field, options, out);
}

}  // namespace nbo::gateway
