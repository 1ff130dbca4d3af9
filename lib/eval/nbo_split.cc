// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/nbo_split.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nbo::eval {
namespace {

// The split's dimensions: the options' when given, else one more than the
// largest index of either input. INVALID_ARGUMENT for a negative or
// out-of-range index; FAILED_PRECONDITION for a missing timestamp.
absl::Status Size(absl::Span<const Interaction> interactions,
                  absl::Span<const HoldingChange> holdings,
                  const SplitOptions& options, Split& split) {
  int32_t max_user = -1;
  int32_t max_item = -1;
  auto check = [&](int32_t user, int32_t item, int64_t t) -> absl::Status {
    if (user < 0 || item < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "nbo split: negative index (user ", user, ", item ", item, ")"));
    }
    if (t == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "nbo split: user ", user, ", item ", item, " has no timestamp"));
    }
    max_user = std::max(max_user, user);
    max_item = std::max(max_item, item);
    return absl::OkStatus();
  };
  for (const Interaction& x : interactions) {
    if (absl::Status s = check(x.user, x.item, x.unix_seconds); !s.ok()) {
      return s;
    }
  }
  for (const HoldingChange& h : holdings) {
    if (absl::Status s = check(h.user, h.item, h.unix_seconds); !s.ok()) {
      return s;
    }
  }
  return SizeSplit(max_user, max_item, options, split);
}

// excluded[u] for every user: replays the holding changes before `cutoff`,
// per (user, item) in time order, ties in input order. The last change
// decides, as in data::BankData::Holdings().
std::vector<std::vector<int32_t>> HeldAt(
    absl::Span<const HoldingChange> holdings, int64_t cutoff,
    int32_t num_users) {
  std::vector<const HoldingChange*> before;
  for (const HoldingChange& h : holdings) {
    if (h.unix_seconds < cutoff) before.push_back(&h);
  }
  std::stable_sort(before.begin(), before.end(),
                   [](const HoldingChange* a, const HoldingChange* b) {
                     if (a->user != b->user) return a->user < b->user;
                     if (a->item != b->item) return a->item < b->item;
                     return a->unix_seconds < b->unix_seconds;
                   });
  std::vector<std::vector<int32_t>> held(num_users);
  size_t i = 0;
  while (i < before.size()) {
    const int32_t user = before[i]->user;
    const int32_t item = before[i]->item;
    bool held_now = false;
    for (; i < before.size() && before[i]->user == user &&
           before[i]->item == item;
         ++i) {
      held_now = before[i]->opens;
    }
    if (held_now) held[user].push_back(item);
  }
  return held;
}

}  // namespace

absl::StatusOr<Split> SplitForNbo(absl::Span<const Interaction> interactions,
                                  absl::Span<const HoldingChange> holdings,
                                  const SplitOptions& options) {
  if (interactions.empty()) {
    return absl::InvalidArgumentError("nbo split: no interactions");
  }
  if (options.window_seconds <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nbo split: window must be > 0 seconds, got ", options.window_seconds));
  }
  if (options.num_users < 0 || options.num_items < 0) {
    return absl::InvalidArgumentError(
        "nbo split: num_users and num_items must be >= 0");
  }
  Split split;
  if (absl::Status s = Size(interactions, holdings, options, split); !s.ok()) {
    return s;
  }
  int64_t cutoff = options.cutoff_unix_seconds;
  if (cutoff == 0) {
    int64_t last = interactions.front().unix_seconds;
    for (const Interaction& x : interactions) {
      last = std::max(last, x.unix_seconds);
    }
    for (const HoldingChange& h : holdings) {
      last = std::max(last, h.unix_seconds);
    }
    cutoff = last + 1 - options.window_seconds;
  }
  const int64_t window_end = cutoff + options.window_seconds;
  split.cutoff_unix_seconds = cutoff;
  split.window_end_unix_seconds = window_end;

  split.population.assign(split.num_users, 0);
  for (const Interaction& x : interactions) {
    if (x.unix_seconds >= window_end) continue;
    split.population[x.user] = 1;
    if (x.unix_seconds < cutoff) split.train.push_back(x);
  }
  if (split.train.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("nbo split: no interaction before the cutoff ", cutoff,
                     " (the data spans less than the ", options.window_seconds,
                     "-second window)"));
  }
  split.excluded = HeldAt(holdings, cutoff, split.num_users);
  split.test.resize(split.num_users);
  for (const HoldingChange& h : holdings) {
    if (h.unix_seconds >= window_end) continue;
    split.population[h.user] = 1;
    if (!h.opens || h.unix_seconds < cutoff) continue;
    const std::vector<int32_t>& held = split.excluded[h.user];
    if (!std::binary_search(held.begin(), held.end(), h.item)) {
      split.test[h.user].push_back(h.item);
    }
  }
  for (std::vector<int32_t>& items : split.test) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
  }
  return split;
}

}  // namespace nbo::eval
