// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/model/propensity_model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace nbo::model {
namespace {

constexpr int64_t kDay = 24 * 3600;
constexpr int32_t kHoldingSlots = 5;
constexpr int32_t kRecencySlots = 5;
constexpr int32_t kEventSlots = 4;

absl::Status CheckEdges(absl::string_view field,
                        const std::vector<double>& edges) {
  if (edges.size() > kMaxPropensityBins) {
    return absl::InvalidArgumentError(
        absl::StrCat("propensity.", field, " has ", edges.size(),
                     " edges; the limit is ", kMaxPropensityBins));
  }
  for (size_t i = 0; i < edges.size(); ++i) {
    if (!std::isfinite(edges[i]) || (i > 0 && edges[i] <= edges[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("propensity.", field, "[", i, "] is ", edges[i],
                       "; edges must be finite and strictly increasing"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckNames(absl::string_view field,
                        const std::vector<std::string>& names, size_t limit) {
  if (names.size() > limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("propensity.", field, " has ", names.size(),
                     " entries; the limit is ", limit));
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("propensity.", field, "[", i, "] is empty"));
    }
    if (!seen.insert(names[i]).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "propensity.", field, "[", i, "] repeats an earlier entry"));
    }
  }
  return absl::OkStatus();
}

// The slot (0 unknown or not listed, 1 + i) of `value` among `values`.
int32_t CategorySlot(const std::vector<std::string>& values,
                     absl::string_view value) {
  if (value.empty()) return 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == value) return static_cast<int32_t>(i) + 1;
  }
  return 0;
}

}  // namespace

int32_t BinSlot(absl::Span<const double> edges, std::optional<double> value) {
  if (!value.has_value() || !std::isfinite(*value)) return 0;
  return 1 + static_cast<int32_t>(
                 std::upper_bound(edges.begin(), edges.end(), *value) -
                 edges.begin());
}

int32_t RecencySlot(std::optional<int64_t> seconds_since_interaction) {
  if (!seconds_since_interaction.has_value()) return 0;
  const int64_t s = *seconds_since_interaction;
  if (s <= 7 * kDay) return 1;
  if (s <= 30 * kDay) return 2;
  if (s <= 90 * kDay) return 3;
  return 4;
}

double Sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

PropensityLayout::PropensityLayout(const PropensityParams& params) {
  int32_t next =
      kScoreBins + static_cast<int32_t>(params.score_edges.size()) + 1;
  age_ = next;
  next += static_cast<int32_t>(params.age_edges.size()) + 2;
  income_ = next;
  next += static_cast<int32_t>(params.income_edges.size()) + 2;
  credit_ = next;
  next += static_cast<int32_t>(params.credit_score_edges.size()) + 2;
  segment_ = next;
  next += static_cast<int32_t>(params.segments.size()) + 1;
  for (const PropensityAttribute& a : params.attributes) {
    attribute_.push_back(next);
    next += static_cast<int32_t>(a.values.size()) + 1;
  }
  holdings_ = next;
  next += kHoldingSlots;
  recency_ = next;
  next += kRecencySlots;
  event_ = next;
  next += kEventSlots;
  dim_ = next;
}

absl::StatusOr<PropensityModel> PropensityModel::Create(
    PropensityParams params) {
  if (params.products.empty()) {
    return absl::InvalidArgumentError("propensity.products is empty");
  }
  if (absl::Status s =
          CheckNames("products", params.products, kMaxPropensityProducts);
      !s.ok()) {
    return s;
  }
  for (const auto& [field, edges] :
       {std::pair<absl::string_view, const std::vector<double>*>{
            "age_edges", &params.age_edges},
        {"income_edges", &params.income_edges},
        {"credit_score_edges", &params.credit_score_edges},
        {"score_edges", &params.score_edges}}) {
    if (absl::Status s = CheckEdges(field, *edges); !s.ok()) return s;
  }
  if (absl::Status s =
          CheckNames("segments", params.segments, kMaxPropensityBins);
      !s.ok()) {
    return s;
  }
  std::vector<std::string> names;
  for (const PropensityAttribute& a : params.attributes)
    names.push_back(a.name);
  if (absl::Status s =
          CheckNames("attributes", names, kMaxPropensityAttributes);
      !s.ok()) {
    return s;
  }
  for (size_t i = 0; i < params.attributes.size(); ++i) {
    if (absl::Status s =
            CheckNames(absl::StrCat("attributes[", i, "].values"),
                       params.attributes[i].values, kMaxPropensityBins);
        !s.ok()) {
      return s;
    }
  }
  const PropensityLayout layout(params);
  const size_t expected = params.products.size() * layout.dim();
  if (params.weights.size() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("propensity.weights has ", params.weights.size(),
                     " values; ", params.products.size(), " products x ",
                     layout.dim(), " features need ", expected));
  }
  for (size_t i = 0; i < params.weights.size(); ++i) {
    if (!std::isfinite(params.weights[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("propensity.weights[", i, "] (product ",
                       params.products[i / layout.dim()], ", feature ",
                       i % layout.dim(), ") is not finite"));
    }
  }
  return PropensityModel(std::move(params));
}

PropensityModel::PropensityModel(PropensityParams params)
    : params_(std::move(params)), layout_(params_) {
  rows_.reserve(params_.products.size());
  for (size_t i = 0; i < params_.products.size(); ++i) {
    rows_.emplace(params_.products[i], static_cast<int32_t>(i));
  }
}

int32_t PropensityModel::ProductRow(absl::string_view product_id) const {
  auto it = rows_.find(product_id);
  return it == rows_.end() ? -1 : it->second;
}

CustomerCode PropensityModel::EncodeCustomer(
    const CustomerInputs& customer) const {
  CustomerCode code;
  int32_t n = 0;
  code.slots[n++] = layout_.age() + BinSlot(params_.age_edges, customer.age);
  code.slots[n++] =
      layout_.income() + BinSlot(params_.income_edges, customer.income);
  code.slots[n++] = layout_.credit() +
                    BinSlot(params_.credit_score_edges, customer.credit_score);
  code.slots[n++] =
      layout_.segment() + CategorySlot(params_.segments, customer.segment);
  for (size_t a = 0; a < params_.attributes.size(); ++a) {
    const absl::string_view value = a < customer.attributes.size()
                                        ? customer.attributes[a]
                                        : absl::string_view();
    code.slots[n++] = layout_.attribute(static_cast<int>(a)) +
                      CategorySlot(params_.attributes[a].values, value);
  }
  code.slots[n++] =
      layout_.holdings() +
      std::clamp<int32_t>(customer.holdings, 0, kHoldingSlots - 1);
  code.size = n;
  return code;
}

void PropensityModel::EncodePair(const CustomerCode& customer,
                                 const PairInputs& pair,
                                 FeatureRow* row) const {
  int32_t n = 0;
  auto put = [&](int32_t index, float value) {
    row->index[n] = index;
    row->value[n] = value;
    ++n;
  };
  put(PropensityLayout::kBias, 1);
  if (pair.has_score && std::isfinite(pair.score)) {
    put(PropensityLayout::kHasScore, 1);
    put(PropensityLayout::kScore, static_cast<float>(pair.score));
    put(PropensityLayout::kScoreBins +
            BinSlot(params_.score_edges, pair.score) - 1,
        1);
  }
  for (int32_t i = 0; i < customer.size; ++i) put(customer.slots[i], 1);
  put(layout_.recency() + RecencySlot(pair.seconds_since_interaction), 1);
  put(layout_.event() + static_cast<int32_t>(pair.strongest), 1);
  row->size = n;
}

double PropensityModel::Logit(int32_t row, const FeatureRow& x) const {
  const float* w = params_.weights.data() +
                   static_cast<size_t>(row) * static_cast<size_t>(dim());
  double z = 0;
  for (int32_t i = 0; i < x.size; ++i) z += double{w[x.index[i]]} * x.value[i];
  return z;
}

double PropensityModel::Propensity(int32_t row, const CustomerCode& customer,
                                   const PairInputs& pair) const {
  FeatureRow x;
  EncodePair(customer, pair, &x);
  return Sigmoid(Logit(row, x));
}

}  // namespace nbo::model
