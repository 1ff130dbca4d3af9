// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/popularity.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nbo::eval {

absl::StatusOr<PopularityScorer> PopularityScorer::Create(const Split& split) {
  if (split.num_items <= 0) {
    return absl::InvalidArgumentError("popularity: no items");
  }
  std::vector<std::pair<int32_t, int32_t>> pairs;
  pairs.reserve(split.train.size());
  for (const Interaction& x : split.train) {
    if (x.item < 0 || x.item >= split.num_items) {
      return absl::InvalidArgumentError(
          absl::StrCat("popularity: item ", x.item, " out of range"));
    }
    pairs.emplace_back(x.user, x.item);
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::vector<int64_t> counts(split.num_items, 0);
  for (const auto& [user, item] : pairs) ++counts[item];
  return PopularityScorer(std::move(counts), split.num_users);
}

void PopularityScorer::Score(int32_t /*user*/, absl::Span<float> scores) const {
  for (size_t i = 0; i < counts_.size() && i < scores.size(); ++i) {
    scores[i] = static_cast<float>(counts_[i]);
  }
}

ScoreFn PopularityScorer::AsScoreFn() const {
  return
      [this](int32_t user, absl::Span<float> scores) { Score(user, scores); };
}

PropensityFn PopularityScorer::AsPropensityFn() const {
  return [this](int32_t /*user*/, absl::Span<double> propensities) {
    for (size_t i = 0; i < counts_.size() && i < propensities.size(); ++i) {
      propensities[i] = num_users_ > 0 ? static_cast<double>(counts_[i]) /
                                             static_cast<double>(num_users_)
                                       : 0.0;
    }
  };
}

}  // namespace nbo::eval
