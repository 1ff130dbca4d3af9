// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The rules of a version's metadata (PublishHeader.metadata): what a publish
// may carry, and what ListModels and GetModelStatus show of it.

#ifndef NBO_LIB_SERVING_MODEL_METADATA_H_
#define NBO_LIB_SERVING_MODEL_METADATA_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::serving {

// OK when `metadata` is within lib/common/api_limits.h's bounds: the
// description, the count, keys and values of labels and metrics, their total
// size, finite metrics and calibration. INVALID_ARGUMENT naming the field
// (and a quoted prefix of the key) otherwise.
absl::Status ValidateModelMetadata(const nbo::v1::ModelMetadata& metadata);

// Whether a metadata label names a path on the publisher's machine, which
// is none of a client's business and is not shown by ListModels or
// GetModelStatus (it stays in the store and in ExportModel, for operators):
// a key that is "dir" or "path" or ends in "_dir" or "_path", such as
// "data_dir" or "feedback_path".
bool IsLocalPathLabel(absl::string_view key);

// Copies `labels` into `out`, leaving out local paths (IsLocalPathLabel).
void CopyPublicLabels(const std::map<std::string, std::string>& labels,
                      google::protobuf::Map<std::string, std::string>* out);

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_MODEL_METADATA_H_
