// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The propensity model (lib/model/propensity_model.h) as the publish format
// carries it (nbo.v1.PropensityModel, in ModelMetadata.propensity), both
// ways: the server reads it at publish and load, the trainer writes it.

#ifndef NBO_LIB_SERVING_PROPENSITY_PROTO_H_
#define NBO_LIB_SERVING_PROPENSITY_PROTO_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/model/model_version.h"
#include "lib/model/propensity_model.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::serving {

// The model `proto` describes, for a version with `catalog`.
// INVALID_ARGUMENT, naming the field ("metadata.propensity.weights has 10
// values; ..."), for anything model::PropensityModel::Create rejects (wrong
// sizes, non-finite weights or edges, repeated names), a product that is
// not in the catalog, or a catalog product the model lacks.
absl::StatusOr<model::PropensityModel> PropensityFromProto(
    const nbo::v1::PropensityModel& proto,
    absl::Span<const model::Product> catalog);

// The same, against catalog ids only.
absl::StatusOr<model::PropensityModel> PropensityFromProto(
    const nbo::v1::PropensityModel& proto,
    const std::vector<std::string>& catalog_ids);

// Fills `out` from `model`: what PropensityFromProto reads back.
void PropensityToProto(const model::PropensityModel& model,
                       nbo::v1::PropensityModel* out);

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_PROPENSITY_PROTO_H_
