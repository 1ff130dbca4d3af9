// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace nbo::serving {
namespace {

absl::Status CheckChars(absl::string_view what, absl::string_view value,
                        size_t max_len, bool allow_upper_and_dot) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  }
  if (value.size() > max_len) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is ", value.size(), " characters; the limit is ", max_len));
  }
  for (char c : value) {
    const bool ok =
        absl::ascii_isdigit(c) || absl::ascii_islower(c) || c == '_' ||
        c == '-' ||
        (allow_upper_and_dot && (absl::ascii_isupper(c) || c == '.'));
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " '", value, "' may only contain ",
          allow_upper_and_dot ? "letters, digits, '.', '_' and '-'"
                              : "lower-case letters, digits, '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateModelName(absl::string_view name) {
  return CheckChars("model name", name, 64, /*allow_upper_and_dot=*/true);
}

absl::Status ValidateLabel(absl::string_view label) {
  return CheckChars("label", label, 32, /*allow_upper_and_dot=*/false);
}

absl::Status ValidateCustomerId(absl::string_view customer_id) {
  if (customer_id.empty()) {
    return absl::InvalidArgumentError("customer_id is required");
  }
  if (customer_id.size() > kMaxCustomerIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("customer_id is ", customer_id.size(),
                     " bytes; the limit is ", kMaxCustomerIdBytes));
  }
  for (unsigned char c : customer_id) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          "customer_id contains a control character");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateProductId(absl::string_view product_id,
                               absl::string_view field) {
  if (product_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is empty"));
  }
  if (product_id.size() > kMaxProductIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", product_id.size(), " bytes; the limit is ",
                     kMaxProductIdBytes));
  }
  for (unsigned char c : product_id) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " contains a control character"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateChannel(absl::string_view channel) {
  if (channel.empty()) return absl::OkStatus();
  return CheckChars("channel", channel, 32, /*allow_upper_and_dot=*/false);
}

std::string VersionStateName(nbo::v1::VersionState state) {
  return std::string(
      absl::StripPrefix(nbo::v1::VersionState_Name(state), "VERSION_STATE_"));
}

}  // namespace nbo::serving
