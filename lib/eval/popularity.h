// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_EVAL_POPULARITY_H_
#define NBO_LIB_EVAL_POPULARITY_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/eval/evaluator.h"
#include "lib/eval/split.h"

namespace nbo::eval {

// The baseline every model must beat: scores each item by how many distinct
// users hold it in the training interactions, the same for every user.
// Repeated events of one user with one item count once, so a single heavy
// user cannot make a product look popular.
//
// Immutable after Create(); any number of threads may call Score() at once.
class PopularityScorer {
 public:
  // Counts the train interactions of `split`.
  // INVALID_ARGUMENT when split.num_items <= 0 or an interaction is out of
  // range.
  static absl::StatusOr<PopularityScorer> Create(const Split& split);

  // Writes every item's user count into `scores`.
  // REQUIRES: scores.size() == num_items().
  void Score(int32_t user, absl::Span<float> scores) const;

  // A ScoreFn for Evaluate(). REQUIRES: *this outlives the returned function.
  ScoreFn AsScoreFn() const;

  // Every item's share of the split's users: its count / num_users, the
  // take-up figure a published version carries as its popularity and what
  // a version without calibration serves as the propensity. Not a forecast
  // of take-up in any window. REQUIRES: *this outlives the returned function.
  PropensityFn AsPropensityFn() const;

  int32_t num_items() const { return static_cast<int32_t>(counts_.size()); }
  // Distinct train users per item.
  const std::vector<int64_t>& counts() const { return counts_; }

 private:
  PopularityScorer(std::vector<int64_t> counts, int32_t num_users)
      : counts_(std::move(counts)), num_users_(num_users) {}

  std::vector<int64_t> counts_;
  int32_t num_users_ = 0;
};

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_POPULARITY_H_
