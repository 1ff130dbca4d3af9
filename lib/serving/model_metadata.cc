// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/model_metadata.h"

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/api_limits.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/serving/names.h"

namespace nbo::serving {
namespace {

using ::nbo::common::QuoteForError;

absl::Status CheckKey(absl::string_view field, absl::string_view key) {
  if (key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " has an empty key"));
  }
  if (key.size() > common::kMaxMetadataKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " key ", QuoteForError(key), " is over ",
                     common::kMaxMetadataKeyBytes, " bytes"));
  }
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " key ", QuoteForError(key), " contains a control character"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckMagnitude(absl::string_view field, double value, double max) {
  if (std::isfinite(value) && std::abs(value) <= max) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      field, " is ", value, "; it must be finite with |value| <= ", max));
}

}  // namespace

absl::Status ValidateModelMetadata(const nbo::v1::ModelMetadata& metadata) {
  NBO_RETURN_IF_ERROR(ValidateLength("metadata.description",
                                     metadata.description(),
                                     common::kMaxDescriptionBytes));
  if (metadata.labels_size() > common::kMaxMetadataLabels) {
    return absl::InvalidArgumentError(
        absl::StrCat("metadata.labels has ", metadata.labels_size(),
                     " entries; the limit is ", common::kMaxMetadataLabels));
  }
  if (metadata.metrics_size() > common::kMaxMetadataMetrics) {
    return absl::InvalidArgumentError(
        absl::StrCat("metadata.metrics has ", metadata.metrics_size(),
                     " entries; the limit is ", common::kMaxMetadataMetrics));
  }
  size_t total = metadata.description().size();
  for (const auto& [key, value] : metadata.labels()) {
    NBO_RETURN_IF_ERROR(CheckKey("metadata.labels", key));
    if (value.size() > common::kMaxMetadataValueBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metadata.labels value of ", QuoteForError(key), " is ", value.size(),
          " bytes; the limit is ", common::kMaxMetadataValueBytes));
    }
    total += key.size() + value.size();
  }
  for (const auto& [key, value] : metadata.metrics()) {
    NBO_RETURN_IF_ERROR(CheckKey("metadata.metrics", key));
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metadata.metrics ", QuoteForError(key), " is not finite"));
    }
    total += key.size();
  }
  if (total > common::kMaxMetadataBytes) {
    return absl::InvalidArgumentError(absl::StrCat("metadata is ", total,
                                                   " bytes; the limit is ",
                                                   common::kMaxMetadataBytes));
  }
  NBO_RETURN_IF_ERROR(CheckMagnitude("metadata.calibration_a",
                                     metadata.calibration_a(),
                                     common::kMaxCalibrationMagnitude));
  return CheckMagnitude("metadata.calibration_b", metadata.calibration_b(),
                        common::kMaxCalibrationMagnitude);
}

bool IsLocalPathLabel(absl::string_view key) {
  return key == "dir" || key == "path" || absl::EndsWith(key, "_dir") ||
         absl::EndsWith(key, "_path");
}

void CopyPublicLabels(const std::map<std::string, std::string>& labels,
                      google::protobuf::Map<std::string, std::string>* out) {
  for (const auto& [key, value] : labels) {
    if (!IsLocalPathLabel(key)) (*out)[key] = value;
  }
}

}  // namespace nbo::serving
