// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/common/quote.h"

namespace nbo::serving {
namespace {

using ::nbo::common::QuoteForError;

absl::Status CheckChars(absl::string_view what, absl::string_view value,
                        size_t max_len, bool allow_upper_and_dot) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  }
  if (value.size() > max_len) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", QuoteForError(value), " is ", value.size(),
                     " characters; the limit is ", max_len));
  }
  for (char c : value) {
    const bool ok =
        absl::ascii_isdigit(c) || absl::ascii_islower(c) || c == '_' ||
        c == '-' ||
        (allow_upper_and_dot && (absl::ascii_isupper(c) || c == '.'));
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " ", QuoteForError(value), " may only contain ",
          allow_upper_and_dot ? "letters, digits, '.', '_' and '-'"
                              : "lower-case letters, digits, '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

bool HasControlCharacter(absl::string_view value) {
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

absl::Status ValidateModelName(absl::string_view name) {
  return CheckChars("model name", name, common::kMaxModelNameBytes,
                    /*allow_upper_and_dot=*/true);
}

absl::Status ValidateLabel(absl::string_view label) {
  return CheckChars("label", label, common::kMaxLabelBytes,
                    /*allow_upper_and_dot=*/false);
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
  if (HasControlCharacter(customer_id)) {
    return absl::InvalidArgumentError(
        "customer_id contains a control character");
  }
  return absl::OkStatus();
}

absl::Status ValidateProductId(absl::string_view product_id,
                               absl::string_view field) {
  if (product_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is empty"));
  }
  if (product_id.size() > kMaxProductIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " ", QuoteForError(product_id), " is ", product_id.size(),
        " bytes; the limit is ", kMaxProductIdBytes));
  }
  if (HasControlCharacter(product_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " ", QuoteForError(product_id),
                     " contains a control character"));
  }
  return absl::OkStatus();
}

absl::Status ValidateChannel(absl::string_view channel) {
  if (channel.empty()) return absl::OkStatus();
  return CheckChars("channel", channel, common::kMaxChannelBytes,
                    /*allow_upper_and_dot=*/false);
}

absl::Status ValidateSegment(absl::string_view field,
                             absl::string_view segment) {
  bool ok = !segment.empty() && segment.size() <= common::kMaxSegmentBytes;
  for (char c : segment) {
    ok = ok && (absl::ascii_isalnum(c) || c == '_' || c == '-');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, " ", QuoteForError(segment), " must be 1..",
                   common::kMaxSegmentBytes, " letters, digits, '_' or '-'"));
}

absl::Status ValidateLength(absl::string_view field, absl::string_view value,
                            size_t max_bytes) {
  if (value.size() <= max_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, " is ", value.size(), " bytes; the limit is ", max_bytes));
}

std::string VersionStateName(nbo::v1::VersionState state) {
  return std::string(
      absl::StripPrefix(nbo::v1::VersionState_Name(state), "VERSION_STATE_"));
}

}  // namespace nbo::serving
