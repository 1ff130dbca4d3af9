// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/propensity_proto.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lib/common/quote.h"

namespace nbo::serving {

using ::nbo::common::QuoteForError;

absl::StatusOr<model::PropensityModel> PropensityFromProto(
    const nbo::v1::PropensityModel& proto,
    absl::Span<const model::Product> catalog) {
  std::vector<std::string> ids;
  ids.reserve(catalog.size());
  for (const model::Product& p : catalog) ids.push_back(p.id);
  return PropensityFromProto(proto, ids);
}

absl::StatusOr<model::PropensityModel> PropensityFromProto(
    const nbo::v1::PropensityModel& proto,
    const std::vector<std::string>& catalog_ids) {
  model::PropensityParams params;
  params.products.assign(proto.products().begin(), proto.products().end());
  params.age_edges.assign(proto.age_edges().begin(), proto.age_edges().end());
  params.income_edges.assign(proto.income_edges().begin(),
                             proto.income_edges().end());
  params.credit_score_edges.assign(proto.credit_score_edges().begin(),
                                   proto.credit_score_edges().end());
  params.score_edges.assign(proto.score_edges().begin(),
                            proto.score_edges().end());
  params.segments.assign(proto.segments().begin(), proto.segments().end());
  for (const nbo::v1::PropensityAttribute& a : proto.attributes()) {
    params.attributes.push_back(
        {a.name(),
         std::vector<std::string>(a.values().begin(), a.values().end())});
  }
  params.weights.assign(proto.weights().begin(), proto.weights().end());
  absl::StatusOr<model::PropensityModel> built =
      model::PropensityModel::Create(std::move(params));
  if (!built.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metadata.", built.status().message()));
  }
  const absl::flat_hash_set<absl::string_view> catalog(catalog_ids.begin(),
                                                       catalog_ids.end());
  for (const std::string& id : built->params().products) {
    if (!catalog.contains(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata.propensity.products names ", QuoteForError(id),
                       ", which is not in the catalog"));
    }
  }
  for (const std::string& id : catalog_ids) {
    if (built->ProductRow(id) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata.propensity.products lacks catalog product ",
                       QuoteForError(id)));
    }
  }
  return built;
}

void PropensityToProto(const model::PropensityModel& model,
                       nbo::v1::PropensityModel* out) {
  const model::PropensityParams& p = model.params();
  out->Clear();
  out->mutable_products()->Add(p.products.begin(), p.products.end());
  out->mutable_age_edges()->Add(p.age_edges.begin(), p.age_edges.end());
  out->mutable_income_edges()->Add(p.income_edges.begin(),
                                   p.income_edges.end());
  out->mutable_credit_score_edges()->Add(p.credit_score_edges.begin(),
                                         p.credit_score_edges.end());
  out->mutable_score_edges()->Add(p.score_edges.begin(), p.score_edges.end());
  out->mutable_segments()->Add(p.segments.begin(), p.segments.end());
  for (const model::PropensityAttribute& a : p.attributes) {
    nbo::v1::PropensityAttribute* pa = out->add_attributes();
    pa->set_name(a.name);
    pa->mutable_values()->Add(a.values.begin(), a.values.end());
  }
  out->mutable_weights()->Add(p.weights.begin(), p.weights.end());
}

}  // namespace nbo::serving
