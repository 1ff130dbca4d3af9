// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/split.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"

namespace nbo::eval {
namespace {

// SplitMix64: tiny, fully specified, so a seed means the same split on every
// standard library (std::shuffle and the std distributions are not portable).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); the modulo bias is below 2^-40 for any catalog size.
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

// One generator per user, so a user's draw does not depend on the others.
SplitMix64 UserRng(uint64_t seed, int32_t user) {
  SplitMix64 mix(seed ^ (static_cast<uint64_t>(user) * 0xD1B54A32D192ED03ULL));
  return SplitMix64(mix.Next());
}

// Moves a uniformly random subset of `m` elements of `items` to its front
// (partial Fisher-Yates) and returns them sorted.
std::vector<int32_t> Sample(std::vector<int32_t> items, size_t m,
                            SplitMix64& rng) {
  for (size_t i = 0; i < m; ++i) {
    size_t j = i + rng.Below(items.size() - i);
    std::swap(items[i], items[j]);
  }
  items.resize(m);
  std::sort(items.begin(), items.end());
  return items;
}

// Checks the input and sizes an empty Split.
absl::StatusOr<Split> Prepare(absl::Span<const Interaction> interactions,
                              const SplitOptions& options) {
  if (interactions.empty()) {
    return absl::InvalidArgumentError("split: no interactions");
  }
  if (options.num_users < 0 || options.num_items < 0) {
    return absl::InvalidArgumentError(
        "split: num_users and num_items must be >= 0");
  }
  int32_t max_user = -1;
  int32_t max_item = -1;
  for (const Interaction& x : interactions) {
    if (x.user < 0 || x.item < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "split: negative index (user ", x.user, ", item ", x.item, ")"));
    }
    max_user = std::max(max_user, x.user);
    max_item = std::max(max_item, x.item);
  }
  Split split;
  NBO_RETURN_IF_ERROR(SizeSplit(max_user, max_item, options, split));
  split.test.resize(split.num_users);
  return split;
}

// Per user, the distinct items with the earliest timestamp each was taken.
struct FirstTake {
  int32_t item;
  int64_t unix_seconds;
};
std::vector<std::vector<FirstTake>> FirstTakes(
    absl::Span<const Interaction> interactions, int32_t num_users) {
  std::vector<std::vector<FirstTake>> by_user(num_users);
  for (const Interaction& x : interactions) {
    by_user[x.user].push_back({x.item, x.unix_seconds});
  }
  for (auto& takes : by_user) {
    std::sort(takes.begin(), takes.end(),
              [](const FirstTake& a, const FirstTake& b) {
                return a.item != b.item ? a.item < b.item
                                        : a.unix_seconds < b.unix_seconds;
              });
    takes.erase(std::unique(takes.begin(), takes.end(),
                            [](const FirstTake& a, const FirstTake& b) {
                              return a.item == b.item;
                            }),
                takes.end());
  }
  return by_user;
}

// Fills split.train with the interactions whose item is not in the user's
// (sorted) test set.
void KeepTrain(absl::Span<const Interaction> interactions, Split& split) {
  for (const Interaction& x : interactions) {
    const auto& test = split.test[x.user];
    if (!std::binary_search(test.begin(), test.end(), x.item)) {
      split.train.push_back(x);
    }
  }
}

}  // namespace

absl::StatusOr<SplitKind> ParseSplitKind(absl::string_view name) {
  if (name == "time") return SplitKind::kTime;
  if (name == "random") return SplitKind::kRandom;
  if (name == "leave_k_out") return SplitKind::kLeaveKOut;
  if (name == "nbo") return SplitKind::kNbo;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown split \"", name,
                   "\" (expected nbo, time, random or leave_k_out)"));
}

absl::Status SizeSplit(int32_t max_user, int32_t max_item,
                       const SplitOptions& options, Split& split) {
  split.num_users = options.num_users > 0 ? options.num_users : max_user + 1;
  split.num_items = options.num_items > 0 ? options.num_items : max_item + 1;
  if (max_user >= split.num_users || max_item >= split.num_items) {
    return absl::InvalidArgumentError(
        absl::StrCat("split: index out of range (largest user ", max_user,
                     " of ", split.num_users, ", largest item ", max_item,
                     " of ", split.num_items, ")"));
  }
  return absl::OkStatus();
}

std::vector<std::vector<int32_t>> ExcludedItems(const Split& split) {
  if (!split.excluded.empty()) return split.excluded;
  return TrainItems(split);
}

std::vector<std::vector<int32_t>> TrainItems(const Split& split) {
  std::vector<std::vector<int32_t>> items(split.num_users);
  for (const Interaction& x : split.train) items[x.user].push_back(x.item);
  for (std::vector<int32_t>& mine : items) {
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  }
  return items;
}

std::vector<char> CalibrationUsers(const Split& split) {
  if (!split.population.empty()) return split.population;
  std::vector<char> users(split.num_users, 0);
  for (int32_t u = 0; u < split.num_users; ++u) {
    users[u] = split.test[u].empty() ? 0 : 1;
  }
  return users;
}

absl::StatusOr<Split> SplitByTime(absl::Span<const Interaction> interactions,
                                  const SplitOptions& options) {
  NBO_ASSIGN_OR_RETURN(Split split, Prepare(interactions, options));
  if (options.cutoff_unix_seconds == 0 &&
      !(options.time_quantile > 0 && options.time_quantile < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "split: time_quantile must be in (0, 1), got ", options.time_quantile));
  }
  size_t missing = 0;
  for (const Interaction& x : interactions) {
    if (x.unix_seconds == 0) ++missing;
  }
  if (missing > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "split=time needs timestamps, but ", missing, " of ",
        interactions.size(),
        " interactions have none; use --split=random or leave_k_out"));
  }
  int64_t cutoff = options.cutoff_unix_seconds;
  if (cutoff == 0) {
    std::vector<int64_t> times;
    times.reserve(interactions.size());
    for (const Interaction& x : interactions) times.push_back(x.unix_seconds);
    std::sort(times.begin(), times.end());
    size_t index = static_cast<size_t>(
        std::floor(options.time_quantile * static_cast<double>(times.size())));
    cutoff = times[std::min(index, times.size() - 1)];
  }
  split.cutoff_unix_seconds = cutoff;

  std::vector<std::vector<int32_t>> before(split.num_users);
  for (const Interaction& x : interactions) {
    if (x.unix_seconds < cutoff) {
      split.train.push_back(x);
      before[x.user].push_back(x.item);
    }
  }
  for (auto& items : before) std::sort(items.begin(), items.end());
  for (const Interaction& x : interactions) {
    if (x.unix_seconds < cutoff) continue;
    const auto& had = before[x.user];
    if (!std::binary_search(had.begin(), had.end(), x.item)) {
      split.test[x.user].push_back(x.item);
    }
  }
  for (auto& items : split.test) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
  }
  return split;
}

absl::StatusOr<Split> SplitRandom(absl::Span<const Interaction> interactions,
                                  const SplitOptions& options) {
  NBO_ASSIGN_OR_RETURN(Split split, Prepare(interactions, options));
  if (!(options.test_fraction > 0 && options.test_fraction <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "split: test_fraction must be in (0, 1], got ", options.test_fraction));
  }
  std::vector<std::vector<FirstTake>> takes =
      FirstTakes(interactions, split.num_users);
  for (int32_t u = 0; u < split.num_users; ++u) {
    const size_t n = takes[u].size();
    if (n < 2) continue;
    size_t m = static_cast<size_t>(
        std::llround(options.test_fraction * static_cast<double>(n)));
    m = std::min(m, n - 1);
    if (m == 0) continue;
    std::vector<int32_t> items;
    for (const FirstTake& t : takes[u]) items.push_back(t.item);
    SplitMix64 rng = UserRng(options.seed, u);
    split.test[u] = Sample(std::move(items), m, rng);
  }
  KeepTrain(interactions, split);
  return split;
}

absl::StatusOr<Split> SplitLeaveKOut(absl::Span<const Interaction> interactions,
                                     const SplitOptions& options) {
  NBO_ASSIGN_OR_RETURN(Split split, Prepare(interactions, options));
  if (options.leave_k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("split: leave_k must be >= 1, got ", options.leave_k));
  }
  const bool timed =
      std::none_of(interactions.begin(), interactions.end(),
                   [](const Interaction& x) { return x.unix_seconds == 0; });
  const size_t k = static_cast<size_t>(options.leave_k);
  std::vector<std::vector<FirstTake>> takes =
      FirstTakes(interactions, split.num_users);
  for (int32_t u = 0; u < split.num_users; ++u) {
    std::vector<FirstTake>& mine = takes[u];
    if (mine.size() <= k) continue;
    std::vector<int32_t> test;
    if (timed) {
      std::sort(mine.begin(), mine.end(),
                [](const FirstTake& a, const FirstTake& b) {
                  return a.unix_seconds != b.unix_seconds
                             ? a.unix_seconds < b.unix_seconds
                             : a.item < b.item;
                });
      for (size_t i = mine.size() - k; i < mine.size(); ++i) {
        test.push_back(mine[i].item);
      }
      std::sort(test.begin(), test.end());
    } else {
      std::vector<int32_t> items;
      for (const FirstTake& t : mine) items.push_back(t.item);
      SplitMix64 rng = UserRng(options.seed, u);
      test = Sample(std::move(items), k, rng);
    }
    split.test[u] = std::move(test);
  }
  KeepTrain(interactions, split);
  return split;
}

absl::StatusOr<Split> MakeSplit(absl::Span<const Interaction> interactions,
                                const SplitOptions& options) {
  switch (options.kind) {
    case SplitKind::kTime:
      return SplitByTime(interactions, options);
    case SplitKind::kRandom:
      return SplitRandom(interactions, options);
    case SplitKind::kLeaveKOut:
      return SplitLeaveKOut(interactions, options);
    case SplitKind::kNbo:
      return absl::InvalidArgumentError(
          "split: the nbo split needs the customers' holdings (SplitForNbo)");
  }
  return absl::InvalidArgumentError("split: unknown kind");
}

}  // namespace nbo::eval
