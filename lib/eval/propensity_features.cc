// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/propensity_features.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace nbo::eval {
namespace {

// A customers.csv column beyond data::Customer's fields that nbo-server's
// CustomerProfile nevertheless has as a field of its own.
constexpr absl::string_view kTypedProfileColumn = "kyc_verified";

// The most frequent values of `counts` (ties by value), each with at least
// min_count, at most max_values of them.
std::vector<std::string> TopValues(
    const absl::flat_hash_map<absl::string_view, int64_t>& counts,
    int32_t max_values, int32_t min_count) {
  std::vector<std::pair<int64_t, absl::string_view>> sorted;
  for (const auto& [value, count] : counts) {
    if (!value.empty() && count >= min_count) sorted.push_back({-count, value});
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < sorted.size() && i < static_cast<size_t>(max_values);
       ++i) {
    out.emplace_back(sorted[i].second);
  }
  return out;
}

absl::Status CheckOptions(const PropensityFeatureOptions& o) {
  if (o.numeric_bins < 1 || o.numeric_bins > model::kMaxPropensityBins) {
    return absl::InvalidArgumentError(
        absl::StrCat("numeric_bins must be in [1, ", model::kMaxPropensityBins,
                     "], got ", o.numeric_bins));
  }
  if (o.max_category_values < 1 ||
      o.max_category_values > model::kMaxPropensityBins) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_category_values must be in [1, ", model::kMaxPropensityBins,
        "], got ", o.max_category_values));
  }
  if (o.min_category_count < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_category_count must be >= 1, got ", o.min_category_count));
  }
  if (o.max_attribute_cardinality < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_attribute_cardinality must be >= 1, got ",
                     o.max_attribute_cardinality));
  }
  return absl::OkStatus();
}

// Bins and vocabularies from the customers' profiles; also which of data's
// attribute columns are encoded (`columns`, in schema order).
model::PropensityParams LearnSchema(const data::BankData& data,
                                    const PropensityFeatureOptions& options,
                                    std::vector<size_t>* columns) {
  model::PropensityParams schema;
  for (const data::Product& p : data.products) {
    schema.products.push_back(p.product_id);
  }
  std::vector<double> ages, incomes, credit;
  absl::flat_hash_map<absl::string_view, int64_t> segments;
  for (const data::Customer& c : data.customers) {
    if (c.age.has_value()) ages.push_back(*c.age);
    if (c.income.has_value()) incomes.push_back(*c.income);
    if (c.credit_score.has_value()) credit.push_back(*c.credit_score);
    ++segments[c.segment];
  }
  schema.age_edges = QuantileEdges(std::move(ages), options.numeric_bins);
  schema.income_edges = QuantileEdges(std::move(incomes), options.numeric_bins);
  schema.credit_score_edges =
      QuantileEdges(std::move(credit), options.numeric_bins);
  schema.segments = TopValues(segments, options.max_category_values,
                              options.min_category_count);
  for (size_t a = 0; a < data.attribute_names.size() &&
                     schema.attributes.size() < model::kMaxPropensityAttributes;
       ++a) {
    // The server keeps kyc_verified as a typed field of the profile, not
    // among its attributes: encoding it here would be a feature the server
    // never sees.
    if (data.attribute_names[a] == kTypedProfileColumn) continue;
    absl::flat_hash_map<absl::string_view, int64_t> counts;
    for (const data::Customer& c : data.customers) {
      if (a < c.attributes.size()) ++counts[c.attributes[a]];
    }
    if (counts.size() >
        static_cast<size_t>(options.max_attribute_cardinality)) {
      continue;
    }
    std::vector<std::string> values = TopValues(
        counts, options.max_category_values, options.min_category_count);
    if (values.empty()) continue;
    schema.attributes.push_back({data.attribute_names[a], std::move(values)});
    columns->push_back(a);
  }
  return schema;
}

bool StartsHolding(data::Event e) {
  return e == data::Event::kOpen || e == data::Event::kPurchase;
}

}  // namespace

std::vector<double> QuantileEdges(std::vector<double> values, int32_t bins) {
  std::vector<double> edges;
  if (values.empty()) return edges;
  std::sort(values.begin(), values.end());
  for (int32_t k = 1; k < bins; ++k) {
    const double e = values[values.size() * k / bins];
    if (e > values.front() && (edges.empty() || e > edges.back())) {
      edges.push_back(e);
    }
  }
  return edges;
}

std::optional<model::PairEvent> PairEventOf(data::Event event) {
  switch (event) {
    case data::Event::kView:
      return model::PairEvent::kView;
    case data::Event::kApply:
      return model::PairEvent::kApply;
    case data::Event::kPurchase:
    case data::Event::kOpen:
    case data::Event::kClose:
      return model::PairEvent::kHeldBefore;
    case data::Event::kAccept:
    case data::Event::kDecline:
      break;
  }
  return std::nullopt;
}

absl::StatusOr<PropensityFeatures> PropensityFeatures::Create(
    const data::BankData& data, int64_t cutoff_unix_seconds,
    const PropensityFeatureOptions& options) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  if (data.products.empty()) {
    return absl::InvalidArgumentError("the bank data has no products");
  }
  PropensityFeatures f;
  std::vector<size_t> columns;
  f.schema_ = LearnSchema(data, options, &columns);
  f.cutoff_ = cutoff_unix_seconds;
  f.num_items_ = static_cast<int32_t>(data.products.size());
  f.users_.resize(data.customer_ids.size());
  for (size_t u = 0; u < data.customers.size() && u < f.users_.size(); ++u) {
    const data::Customer& c = data.customers[u];
    User& user = f.users_[u];
    if (c.age.has_value()) user.age = *c.age;
    user.income = c.income;
    if (c.credit_score.has_value()) user.credit_score = *c.credit_score;
    user.segment = c.segment;
    user.attributes = f.attributes_.size();
    for (size_t a : columns) {
      f.attributes_.push_back(a < c.attributes.size()
                                  ? absl::string_view(c.attributes[a])
                                  : absl::string_view());
    }
  }
  // Histories and holdings from the interactions before the cutoff, the
  // holding changes replayed in time order (input order at one instant).
  std::vector<size_t> changes;
  for (size_t i = 0; i < data.interactions.size(); ++i) {
    const data::Interaction& in = data.interactions[i];
    if (in.unix_seconds >= cutoff_unix_seconds) continue;
    if (std::optional<model::PairEvent> e = PairEventOf(in.event)) {
      f.pairs_[int64_t{in.customer} * f.num_items_ + in.product].Add(
          *e, in.unix_seconds);
      if (*e == model::PairEvent::kHeldBefore) changes.push_back(i);
    }
  }
  std::stable_sort(changes.begin(), changes.end(), [&](size_t a, size_t b) {
    return data.interactions[a].unix_seconds <
           data.interactions[b].unix_seconds;
  });
  absl::flat_hash_map<int64_t, bool> held;
  for (size_t i : changes) {
    const data::Interaction& in = data.interactions[i];
    bool& h = held[int64_t{in.customer} * f.num_items_ + in.product];
    const bool now_held = StartsHolding(in.event);
    if (now_held != h) f.users_[in.customer].holdings += now_held ? 1 : -1;
    h = now_held;
  }
  return f;
}

model::CustomerInputs PropensityFeatures::Customer(int32_t user) const {
  const User& u = users_[user];
  model::CustomerInputs in;
  in.age = u.age;
  in.income = u.income;
  in.credit_score = u.credit_score;
  in.segment = u.segment;
  if (!schema_.attributes.empty() && u.attributes != kNoAttributes) {
    in.attributes = absl::MakeConstSpan(attributes_.data() + u.attributes,
                                        schema_.attributes.size());
  }
  in.holdings = u.holdings;
  return in;
}

model::PairInputs PropensityFeatures::Pair(int32_t user, int32_t item,
                                           bool has_score, double score) const {
  auto it = pairs_.find(int64_t{user} * num_items_ + item);
  if (it == pairs_.end()) {
    model::PairInputs in;
    in.has_score = has_score;
    in.score = score;
    return in;
  }
  return it->second.At(cutoff_, has_score, score);
}

}  // namespace nbo::eval
