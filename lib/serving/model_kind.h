// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The model kinds this server serves (nbo.v1.ModelKind): the one place that
// maps the API's number to lib/model's enum and says what rank each kind
// may have.

#ifndef NBO_LIB_SERVING_MODEL_KIND_H_
#define NBO_LIB_SERVING_MODEL_KIND_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/model/model_version.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::serving {

// The kind a publish header or a stored version record names by number
// (nbo.v1.ModelKind; proto3 keeps a number it has no name for, so a newer
// publisher's kind arrives as is). MODEL_KIND_UNSPECIFIED, what publishers
// before kinds sent, is implicit ALS. FAILED_PRECONDITION naming the number
// when this server does not know the kind.
absl::StatusOr<model::ModelKind> ModelKindFromProto(int32_t kind);

nbo::v1::ModelKind ModelKindToProto(model::ModelKind kind);

// The kind ListModels and GetModelStatus show for a stored number: the
// known kind (UNSPECIFIED shows as MODEL_KIND_IMPLICIT_ALS), or an unknown
// number as is.
nbo::v1::ModelKind ReportedModelKind(int32_t stored);

// OK when `rank` suits a version of `kind` with `products` catalog
// products: implicit ALS in [1, max_als_rank]; EASE exactly `products`,
// which must be at most model::kMaxEaseRank. INVALID_ARGUMENT naming
// header.rank otherwise.
absl::Status CheckRank(model::ModelKind kind, int32_t rank, int64_t products,
                       int32_t max_als_rank);

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_MODEL_KIND_H_
