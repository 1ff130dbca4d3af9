// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/model_kind.h"

#include "absl/strings/str_cat.h"
#include "lib/als/ease.h"

namespace nbo::serving {

// The server's EASE bound is the trainer's.
static_assert(model::kMaxEaseRank == als::kEaseMaxItems);

absl::StatusOr<model::ModelKind> ModelKindFromProto(int32_t kind) {
  switch (kind) {
    case nbo::v1::MODEL_KIND_UNSPECIFIED:
    case nbo::v1::MODEL_KIND_IMPLICIT_ALS:
      return model::ModelKind::kImplicitAls;
    case nbo::v1::MODEL_KIND_EASE:
      return model::ModelKind::kEase;
    default:
      return absl::FailedPreconditionError(absl::StrCat(
          "model kind ", kind,
          " is unknown to this server (it serves MODEL_KIND_IMPLICIT_ALS and "
          "MODEL_KIND_EASE)"));
  }
}

nbo::v1::ModelKind ModelKindToProto(model::ModelKind kind) {
  switch (kind) {
    case model::ModelKind::kImplicitAls:
      return nbo::v1::MODEL_KIND_IMPLICIT_ALS;
    case model::ModelKind::kEase:
      return nbo::v1::MODEL_KIND_EASE;
  }
  return nbo::v1::MODEL_KIND_UNSPECIFIED;
}

nbo::v1::ModelKind ReportedModelKind(int32_t stored) {
  absl::StatusOr<model::ModelKind> known = ModelKindFromProto(stored);
  if (known.ok()) return ModelKindToProto(*known);
  return static_cast<nbo::v1::ModelKind>(stored);
}

absl::Status CheckRank(model::ModelKind kind, int32_t rank, int64_t products,
                       int32_t max_als_rank) {
  switch (kind) {
    case model::ModelKind::kImplicitAls:
      if (rank < 1 || rank > max_als_rank) {
        return absl::InvalidArgumentError(absl::StrCat(
            "header.rank must be in [1, ", max_als_rank, "], got ", rank));
      }
      return absl::OkStatus();
    case model::ModelKind::kEase:
      if (products > model::kMaxEaseRank) {
        return absl::InvalidArgumentError(
            absl::StrCat("an EASE version's catalog may list at most ",
                         model::kMaxEaseRank, " products, got ", products));
      }
      if (rank != products) {
        return absl::InvalidArgumentError(absl::StrCat(
            "header.rank of an EASE version must be its catalog size ",
            products, ", got ", rank));
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unknown model kind");
}

}  // namespace nbo::serving
