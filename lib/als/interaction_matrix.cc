// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/als/interaction_matrix.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nbo::als {

absl::StatusOr<InteractionMatrix> InteractionMatrix::Create(
    int64_t num_users, int64_t num_items,
    absl::Span<const Interaction> interactions) {
  constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
  if (num_users < 0 || num_users > kMaxDim || num_items < 0 ||
      num_items > kMaxDim) {
    return absl::InvalidArgumentError(
        absl::StrCat("matrix dimensions must be in [0, 2^31 - 1], got ",
                     num_users, " x ", num_items));
  }
  for (size_t k = 0; k < interactions.size(); ++k) {
    const Interaction& in = interactions[k];
    if (in.user < 0 || in.user >= num_users) {
      return absl::InvalidArgumentError(
          absl::StrCat("interaction ", k, ": user index ", in.user,
                       " is out of range [0, ", num_users, ")"));
    }
    if (in.item < 0 || in.item >= num_items) {
      return absl::InvalidArgumentError(
          absl::StrCat("interaction ", k, ": item index ", in.item,
                       " is out of range [0, ", num_items, ")"));
    }
    if (!std::isfinite(in.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("interaction ", k, ": value is not finite"));
    }
  }

  // Bucket by user (counting sort, stable), then sort each row by item and
  // merge duplicates.
  std::vector<int64_t> offsets(num_users + 1, 0);
  for (const Interaction& in : interactions) ++offsets[in.user + 1];
  for (int64_t u = 0; u < num_users; ++u) offsets[u + 1] += offsets[u];
  std::vector<std::pair<int32_t, float>> entries(interactions.size());
  {
    std::vector<int64_t> cursor(offsets.begin(), offsets.end() - 1);
    for (const Interaction& in : interactions) {
      entries[cursor[in.user]++] = {static_cast<int32_t>(in.item), in.value};
    }
  }

  InteractionMatrix m;
  CsrMatrix& by_user = m.by_user_;
  by_user.num_cols_ = num_items;
  by_user.offsets_.assign(num_users + 1, 0);
  by_user.indices_.reserve(entries.size());
  by_user.values_.reserve(entries.size());
  for (int64_t u = 0; u < num_users; ++u) {
    auto begin = entries.begin() + offsets[u];
    auto end = entries.begin() + offsets[u + 1];
    std::stable_sort(begin, end, [](const auto& a, const auto& b) {
      return a.first < b.first;
    });
    for (auto it = begin; it != end; ++it) {
      if (!by_user.indices_.empty() &&
          static_cast<int64_t>(by_user.indices_.size()) > by_user.offsets_[u] &&
          by_user.indices_.back() == it->first) {
        by_user.values_.back() += it->second;
      } else {
        by_user.indices_.push_back(it->first);
        by_user.values_.push_back(it->second);
      }
    }
    by_user.offsets_[u + 1] = static_cast<int64_t>(by_user.indices_.size());
  }
  entries.clear();
  entries.shrink_to_fit();
  by_user.indices_.shrink_to_fit();
  by_user.values_.shrink_to_fit();

  // Transpose; walking users in order leaves each item row sorted by user.
  CsrMatrix& by_item = m.by_item_;
  by_item.num_cols_ = num_users;
  by_item.offsets_.assign(num_items + 1, 0);
  for (int32_t i : by_user.indices_) ++by_item.offsets_[i + 1];
  for (int64_t i = 0; i < num_items; ++i) {
    by_item.offsets_[i + 1] += by_item.offsets_[i];
  }
  by_item.indices_.resize(by_user.indices_.size());
  by_item.values_.resize(by_user.values_.size());
  std::vector<int64_t> cursor(by_item.offsets_.begin(),
                              by_item.offsets_.end() - 1);
  for (int64_t u = 0; u < num_users; ++u) {
    for (int64_t k = by_user.offsets_[u]; k < by_user.offsets_[u + 1]; ++k) {
      const int64_t pos = cursor[by_user.indices_[k]]++;
      by_item.indices_[pos] = static_cast<int32_t>(u);
      by_item.values_[pos] = by_user.values_[k];
    }
  }
  return m;
}

}  // namespace nbo::als
