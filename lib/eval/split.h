// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Holdout splits for offline evaluation. A split turns a log of interactions
// into the interactions a model may train on and, per user, the set of items
// the model is then asked to predict.
//
//   NBO_ASSIGN_OR_RETURN(Split split, SplitByTime(interactions, {}));
//   ... train on split.train, then Evaluate(split, score_fn, options) ...

#ifndef NBO_LIB_EVAL_SPLIT_H_
#define NBO_LIB_EVAL_SPLIT_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace nbo::eval {

// One customer-product event, with indices already mapped from ids by the
// caller (lib/data's IdMap).
struct Interaction {
  int32_t user = 0;
  int32_t item = 0;
  // Implicit-feedback strength (count, amount...). Splits carry it through
  // unchanged; metrics ignore it.
  double weight = 1.0;
  // Seconds since the Unix epoch; 0 means unknown.
  int64_t unix_seconds = 0;
};

// The result of a split. A plain value: copyable, no internal
// synchronization.
struct Split {
  // Users are [0, num_users), items [0, num_items).
  int32_t num_users = 0;
  int32_t num_items = 0;
  // Interactions the model may learn from, in input order.
  std::vector<Interaction> train;
  // test[u]: the distinct items user u should be recommended, ascending.
  // Never contains an item of excluded[u] (or, when `excluded` is empty, an
  // item u has in `train`). Size num_users; empty for users that are not
  // evaluated.
  std::vector<std::vector<int32_t>> test;
  // The cutoff of the time and NBO splits (events at or after it are held
  // out); 0 for the other splits.
  int64_t cutoff_unix_seconds = 0;

  // NBO split only; empty for the others. excluded[u]: the items u holds at
  // the cutoff, ascending: the only items never offered to u, so products u
  // has viewed or applied for stay candidates. When empty, the items never
  // ranked for u are u's train items (basket protocols).
  std::vector<std::vector<int32_t>> excluded;
  // NBO split only; empty for the others. population[u] != 0 when u had an
  // event before the window end: every candidate of such a user, taken or
  // not, is a pair the calibration metrics count. When empty, those pairs
  // are the candidates of the users with a test item.
  std::vector<char> population;
  // NBO split only: the end (exclusive) of the outcome window that starts at
  // the cutoff; 0 for the other splits.
  int64_t window_end_unix_seconds = 0;
};

// Each user's distinct train items, ascending; size num_users.
// REQUIRES: split's indices are in range.
std::vector<std::vector<int32_t>> TrainItems(const Split& split);

// The items never ranked for each user of `split`: excluded[u] for the NBO
// split, TrainItems() for the others. REQUIRES: as TrainItems().
std::vector<std::vector<int32_t>> ExcludedItems(const Split& split);

// The users whose candidates the calibration metrics count: population[u]
// for the NBO split, users with a test item for the others. Size num_users.
std::vector<char> CalibrationUsers(const Split& split);

enum class SplitKind {
  kTime,       // --split=time
  kRandom,     // --split=random
  kLeaveKOut,  // --split=leave_k_out
  kNbo,        // --split=nbo (lib/eval/nbo_split.h; needs holdings)
};

// Parses a --split flag value ("time", "random", "leave_k_out", "nbo").
// INVALID_ARGUMENT for anything else.
absl::StatusOr<SplitKind> ParseSplitKind(absl::string_view name);

struct SplitOptions {
  // Which split MakeSplit() performs.
  // Default: kTime.
  SplitKind kind = SplitKind::kTime;

  // Number of users and items. 0 means one more than the largest index seen
  // in the interactions; give the catalog size so that products nobody has
  // taken still count (in coverage, and as AUC negatives).
  // Default: 0 (inferred).
  int32_t num_users = 0;
  int32_t num_items = 0;

  // Time split: events at or after this instant are held out. 0 means "pick
  // it as the `time_quantile` quantile of all timestamps".
  // Default: 0.
  int64_t cutoff_unix_seconds = 0;

  // Time split: with sorted timestamps t[0..n), the chosen cutoff is
  // t[min(n-1, floor(time_quantile * n))], so that roughly this fraction of
  // events (fewer when timestamps tie at the cutoff) lands in train. Must be
  // in (0, 1).
  // Default: 0.8.
  double time_quantile = 0.8;

  // Random split: fraction of each user's distinct items held out,
  // round(fraction * n) items but never all n (every user keeps at least one
  // train item). Must be in (0, 1].
  // Default: 0.2.
  double test_fraction = 0.2;

  // Leave-k-out: items held out per user; users with <= k distinct items
  // stay whole in train. Must be >= 1.
  // Default: 1.
  int32_t leave_k = 1;

  // Seed for the random split and for leave-k-out without timestamps. The
  // same seed and input give the same split on every platform (the
  // generator is hand-rolled, not std::shuffle).
  // Default: 42.
  uint64_t seed = 42;

  // NBO split: length of the outcome window after the cutoff. Must be > 0.
  // Default: 90 days.
  int64_t window_seconds = 90 * 86400;
};

// Time split: train holds every event before the cutoff; test[u] holds the
// items u takes at or after the cutoff and never took before it (a user with
// no earlier events is still a test user: a cold start is part of the
// problem). Events at or after the cutoff never reach train.
// INVALID_ARGUMENT for empty input, negative or out-of-range indices, or
// time_quantile outside (0, 1); FAILED_PRECONDITION when any timestamp is
// missing (0).
absl::StatusOr<Split> SplitByTime(absl::Span<const Interaction> interactions,
                                  const SplitOptions& options);

// Random split: per user, a seeded random subset of the distinct items (see
// test_fraction) becomes test, and every interaction with those items leaves
// train. Users with a single item stay whole in train.
// INVALID_ARGUMENT for empty input, bad indices or test_fraction outside
// (0, 1].
absl::StatusOr<Split> SplitRandom(absl::Span<const Interaction> interactions,
                                  const SplitOptions& options);

// Leave-k-out: per user with more than k distinct items, the k items taken
// last (by each item's first timestamp; ties by item index) become test. When
// any timestamp in the input is missing, k items drawn at random (seeded)
// instead. INVALID_ARGUMENT for empty input, bad indices or leave_k < 1.
absl::StatusOr<Split> SplitLeaveKOut(absl::Span<const Interaction> interactions,
                                     const SplitOptions& options);

// For the split functions: sizes `split` for inputs whose largest indices
// are max_user and max_item (-1 for none): options.num_users and num_items
// when > 0, else one more than the largest index. INVALID_ARGUMENT when an
// index does not fit the given size.
absl::Status SizeSplit(int32_t max_user, int32_t max_item,
                       const SplitOptions& options, Split& split);

// Dispatches on options.kind. INVALID_ARGUMENT for kNbo, which needs the
// customers' holdings (SplitForNbo in lib/eval/nbo_split.h).
absl::StatusOr<Split> MakeSplit(absl::Span<const Interaction> interactions,
                                const SplitOptions& options);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_SPLIT_H_
