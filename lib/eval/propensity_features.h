// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The second stage's inputs on the trainer's side: what the bank knew about
// every customer and (customer, product) pair at a cutoff, read from
// data::BankData with only the interactions strictly before the cutoff. The
// server computes the same inputs from its customer state at request time;
// both are turned into features by model::PropensityModel's one encoding.
//
//   NBO_ASSIGN_OR_RETURN(PropensityFeatures features,
//                        PropensityFeatures::Create(data, cutoff, {}));
//   NBO_ASSIGN_OR_RETURN(model::PropensityModel model,
//                        FitPropensity(features, examples, {}));

#ifndef NBO_LIB_EVAL_PROPENSITY_FEATURES_H_
#define NBO_LIB_EVAL_PROPENSITY_FEATURES_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/data/bank_data.h"
#include "lib/model/propensity_model.h"

namespace nbo::eval {

// How the profile is binned and which categories are one-hot encoded.
struct PropensityFeatureOptions {
  // Equal-mass bins of age, income and credit score over the customers that
  // have the value: the edges are the distinct quantiles k/num_bins.
  // Default: 5.
  int32_t numeric_bins = 5;
  // Segments and attribute values listed at most (the most frequent, ties
  // by name); a value needs at least min_category_count customers. Others
  // share the "unknown or not listed" slot.
  // Default: 16.
  int32_t max_category_values = 16;
  // Default: 20.
  int32_t min_category_count = 20;
  // An attribute (customers.csv column beyond the known ones) is encoded
  // only when it has at most this many distinct values: ids, free text and
  // numbers stay out. kyc_verified never is: the server's profile has it as
  // a field of its own, not among its attributes.
  // Default: 32.
  int32_t max_attribute_cardinality = 32;
};

// The model's schema (bins and vocabularies) learnt from the customers,
// and every customer's and pair's inputs at the cutoff. Borrows strings
// from `data`, which must outlive it. Immutable after Create(); any
// number of threads may read it.
class PropensityFeatures {
 public:
  // Reads `data` at `cutoff_unix_seconds`: interactions at or after it are
  // ignored. INVALID_ARGUMENT when data has no products or options are out
  // of range (numeric_bins or max_category_values outside
  // [1, model::kMaxPropensityBins], min_category_count < 1,
  // max_attribute_cardinality < 1).
  static absl::StatusOr<PropensityFeatures> Create(
      const data::BankData& data, int64_t cutoff_unix_seconds,
      const PropensityFeatureOptions& options);

  // Bins and vocabularies (no weights, no score edges: FitPropensity adds
  // them). products are data.products' ids, in order.
  const model::PropensityParams& schema() const { return schema_; }
  int64_t cutoff() const { return cutoff_; }
  int32_t num_users() const { return static_cast<int32_t>(users_.size()); }
  int32_t num_items() const { return num_items_; }

  // What the model reads about customer `user` (an index into
  // data.customer_ids) at the cutoff. Views into this object and `data`.
  // REQUIRES: 0 <= user < num_users().
  model::CustomerInputs Customer(int32_t user) const;
  // What it reads about (user, item) (item: an index into data.products).
  // REQUIRES: 0 <= user < num_users(), 0 <= item < num_items().
  model::PairInputs Pair(int32_t user, int32_t item, bool has_score,
                         double score) const;

 private:
  static constexpr size_t kNoAttributes = ~size_t{0};
  struct User {
    std::optional<double> age, income, credit_score;
    absl::string_view segment;
    // Offset into attributes_ of the user's schema_.attributes.size()
    // values; kNoAttributes for a customer without a customers.csv row.
    size_t attributes = kNoAttributes;
    int32_t holdings = 0;
  };

  model::PropensityParams schema_;
  int64_t cutoff_ = 0;
  int32_t num_items_ = 0;
  std::vector<User> users_;
  std::vector<absl::string_view> attributes_;
  // Key: user * num_items_ + item.
  absl::flat_hash_map<int64_t, model::PairHistory> pairs_;
};

// Edges at the distinct quantiles k / bins (k = 1..bins-1) of `values`,
// above the smallest value: equal-mass bins, fewer where values tie.
std::vector<double> QuantileEdges(std::vector<double> values, int32_t bins);

// The interaction mapping of model::PairHistory, for data's events: nullopt
// for offer answers.
std::optional<model::PairEvent> PairEventOf(data::Event event);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_PROPENSITY_FEATURES_H_
