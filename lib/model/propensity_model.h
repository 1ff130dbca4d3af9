// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The second stage of scoring (issue 13 section 3): the propensity that a
// customer takes one candidate product, p = sigmoid(w_product . x), from the
// model score and what the bank knows about the customer. The trainer fits
// it (lib/eval/propensity_fit.h) and publishes it with the version; the
// server evaluates it per candidate. Both build x through the same two
// functions, EncodeCustomer and EncodePair, so training and serving cannot
// drift.
//
// The encoding (docs/evaluation.md has the same table). x is sparse: a few
// one-hot slots and one continuous value. With edges e_0 < ... < e_{k-1} a
// number v falls in bin b = #{e_i <= v} (0..k), and a block of a binned
// number has k + 2 slots: slot 0 "unknown", slot 1 + b the bin.
//
//   block        slots                     active slot
//   bias         1                         always (value 1)
//   has_score    1                         the pair has a model score
//   score        1                         value = the raw score (0 without)
//   score_bin    score_edges + 1           bin of the score (none without)
//   age          age_edges + 2             unknown or bin of the age
//   income       income_edges + 2          unknown or bin of the income
//   credit       credit_score_edges + 2    unknown or bin of the credit score
//   segment      segments + 1              0 = unknown or not listed, 1 + i
//   attribute a  values_a + 1              0 = unknown or not listed, 1 + i
//   holdings     5                         products held: 0, 1, 2, 3, 4+
//   recency      5                         last interaction with the product:
//                                          none, <= 7 days, <= 30 days,
//                                          <= 90 days, older
//   event        4                         strongest interaction with the
//                                          product: none, view, apply, held
//                                          before (opened and closed)
//
// Weights are per product: row r of the weight matrix is products[r]'s,
// dim() wide. So each product has its own intercept and its own weight per
// profile bin (the product x profile crossing that lets a profile pick
// products), and its own score slope.

#ifndef NBO_LIB_MODEL_PROPENSITY_MODEL_H_
#define NBO_LIB_MODEL_PROPENSITY_MODEL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace nbo::model {

// Most categorical attributes (customers.csv's extra columns) a model reads;
// CustomerProfile.attributes has at most 32 keys too.
inline constexpr int kMaxPropensityAttributes = 32;
// Most edges of one binned number, and most listed values of one category.
inline constexpr int kMaxPropensityBins = 64;
// Most products (the catalog's bound).
inline constexpr int kMaxPropensityProducts = 10000;

// The strongest thing a customer did with a product before the time of the
// question. Ordered: a later enumerator is stronger.
enum class PairEvent : uint8_t {
  kNone = 0,
  kView = 1,
  kApply = 2,
  // Opened or purchased, then closed: not held, but held before.
  kHeldBefore = 3,
};

// What the model reads about one customer at one time. Views are borrowed:
// they must outlive the call they are passed to.
struct CustomerInputs {
  std::optional<double> age;
  std::optional<double> income;
  std::optional<double> credit_score;
  // Empty when unknown.
  absl::string_view segment;
  // The customer's value of each of the model's attributes, in
  // PropensityParams::attributes order; an empty view is unknown. Shorter
  // than the model's list: the rest are unknown.
  absl::Span<const absl::string_view> attributes;
  // Products the customer holds at the time.
  int32_t holdings = 0;
};

// What the model reads about one (customer, product) pair at one time.
struct PairInputs {
  // The model's raw score (dot product) when the customer has a vector.
  bool has_score = false;
  double score = 0;
  // Seconds from the customer's latest interaction with the product to the
  // time of the question (>= 0); unset when there was none.
  std::optional<int64_t> seconds_since_interaction;
  PairEvent strongest = PairEvent::kNone;
};

// A customer's history with one product, folded one interaction at a time
// in any order: what PairInputs says about recency and the strongest event.
// Callers map their events the same way, trainer and server alike: view ->
// kView, apply -> kApply, open, purchase and close -> kHeldBefore (a
// candidate is not held, so a start seen before it was closed); offer
// answers (accept, decline) are not interactions here.
struct PairHistory {
  std::optional<int64_t> last_unix_seconds;
  PairEvent strongest = PairEvent::kNone;

  void Add(PairEvent event, int64_t unix_seconds) {
    if (!last_unix_seconds.has_value() || unix_seconds > *last_unix_seconds) {
      last_unix_seconds = unix_seconds;
    }
    if (event > strongest) strongest = event;
  }
  // The pair's inputs at `now_unix_seconds`, with the model score when there
  // is one. An interaction after `now` counts as just now.
  PairInputs At(int64_t now_unix_seconds, bool has_score, double score) const {
    PairInputs in;
    in.has_score = has_score;
    in.score = score;
    if (last_unix_seconds.has_value()) {
      in.seconds_since_interaction = now_unix_seconds > *last_unix_seconds
                                         ? now_unix_seconds - *last_unix_seconds
                                         : 0;
    }
    in.strongest = strongest;
    return in;
  }
};

// A customer's active slots (one per block), computed once per request.
struct CustomerCode {
  std::array<int32_t, 5 + kMaxPropensityAttributes> slots;
  int32_t size = 0;
};

// x for one pair: active slot indices and their values (1 for one-hots).
struct FeatureRow {
  static constexpr int kMaxActive = 4 + 3 + 5 + kMaxPropensityAttributes;
  std::array<int32_t, kMaxActive> index;
  std::array<float, kMaxActive> value;
  int32_t size = 0;
};

// One categorical attribute: the column name and the values it one-hots.
struct PropensityAttribute {
  std::string name;
  std::vector<std::string> values;
};

// Everything that defines a model.
struct PropensityParams {
  // Product ids, one weight row each, unique and non-empty.
  std::vector<std::string> products;
  // Bin edges, strictly increasing and finite, at most kMaxPropensityBins.
  std::vector<double> age_edges;
  std::vector<double> income_edges;
  std::vector<double> credit_score_edges;
  std::vector<double> score_edges;
  // Segments one-hot encoded, unique and non-empty.
  std::vector<std::string> segments;
  // Attributes one-hot encoded, unique names, unique non-empty values.
  std::vector<PropensityAttribute> attributes;
  // products.size() * Dim() finite floats, row-major.
  std::vector<float> weights;
};

// Slot layout of a model, from its bins and vocabularies alone (what a
// fitter needs before it has weights).
class PropensityLayout {
 public:
  explicit PropensityLayout(const PropensityParams& params);

  int32_t dim() const { return dim_; }

  // Slot offsets of the blocks, for tests and tools that name slots.
  static constexpr int32_t kBias = 0;
  static constexpr int32_t kHasScore = 1;
  static constexpr int32_t kScore = 2;
  static constexpr int32_t kScoreBins = 3;
  int32_t age() const { return age_; }
  int32_t income() const { return income_; }
  int32_t credit() const { return credit_; }
  int32_t segment() const { return segment_; }
  int32_t attribute(int a) const { return attribute_[a]; }
  int32_t holdings() const { return holdings_; }
  int32_t recency() const { return recency_; }
  int32_t event() const { return event_; }

 private:
  int32_t age_, income_, credit_, segment_, holdings_, recency_, event_, dim_;
  std::vector<int32_t> attribute_;
};

// A fitted second stage. Immutable after Create(); any number of threads
// may use it at once. Scoring allocates nothing.
class PropensityModel {
 public:
  // Validates and builds a model. INVALID_ARGUMENT, naming the field, when
  // there are no products or more than kMaxPropensityProducts, a product id
  // is empty or repeated, edges are not finite and strictly increasing or
  // are too many, a segment, attribute name or value is empty or repeated,
  // there are more than kMaxPropensityAttributes attributes or
  // kMaxPropensityBins values of one, or weights does not hold
  // products.size() * dim() finite values.
  static absl::StatusOr<PropensityModel> Create(PropensityParams params);

  const PropensityParams& params() const { return params_; }
  const PropensityLayout& layout() const { return layout_; }
  int32_t dim() const { return layout_.dim(); }
  // The weight row of `product_id`, or -1 when the model does not know it.
  int32_t ProductRow(absl::string_view product_id) const;

  // The customer's slots: the one encoding of profile and holdings.
  CustomerCode EncodeCustomer(const CustomerInputs& customer) const;
  // x for (customer, pair): the one encoding both fit and serving use.
  void EncodePair(const CustomerCode& customer, const PairInputs& pair,
                  FeatureRow* row) const;

  // w_row . x, and sigmoid of it.
  // REQUIRES: 0 <= row < products().size().
  double Logit(int32_t row, const FeatureRow& x) const;
  double Propensity(int32_t row, const CustomerCode& customer,
                    const PairInputs& pair) const;

 private:
  PropensityModel(PropensityParams params);

  PropensityParams params_;
  PropensityLayout layout_;
  absl::flat_hash_map<std::string, int32_t> rows_;
};

// The slot of `value` in a binned block with `edges` (0 unknown, 1 + bin).
int32_t BinSlot(absl::Span<const double> edges, std::optional<double> value);

// The recency slot (0..4) of a pair.
int32_t RecencySlot(std::optional<int64_t> seconds_since_interaction);

// 1 / (1 + exp(-z)), without overflow for any finite z.
double Sigmoid(double z);

}  // namespace nbo::model

#endif  // NBO_LIB_MODEL_PROPENSITY_MODEL_H_
