// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The NBO evaluation protocol: the split that asks a model the question the
// bank asks it. At a cutoff, each customer's candidates are the products
// they do not hold (products they have only viewed or applied for included:
// they are the likeliest to convert, and the server offers them); the
// positives are the candidates they open or purchase in the window after the
// cutoff.
//
//   NBO_ASSIGN_OR_RETURN(Split split,
//                        SplitForNbo(events, holding_changes, options));
//   ... train on split.train, then Evaluate(split, score_fn, options) ...

#ifndef NBO_LIB_EVAL_NBO_SPLIT_H_
#define NBO_LIB_EVAL_NBO_SPLIT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/eval/split.h"

namespace nbo::eval {

// A customer starting or ending a holding of a product: an open or purchase
// (`opens`), or a close. Indices are mapped as for Interaction.
struct HoldingChange {
  int32_t user = 0;
  int32_t item = 0;
  // Seconds since the Unix epoch; 0 means unknown.
  int64_t unix_seconds = 0;
  bool opens = true;
};

// The NBO split of `interactions` (what the model may learn from: views,
// applies, opens, purchases...) and `holdings` (opens, purchases and
// closes). With cutoff c and window end e = c + options.window_seconds:
//   - train: the interactions before c, in input order; later ones are
//     dropped (those in [c, e) are the future; those from e on are after
//     the question was asked);
//   - excluded[u]: the items u holds at c, i.e. whose last holding change
//     before c is an open (changes at one instant apply in input order),
//     as data::BankData::Holdings() decides at the end of the data;
//   - test[u]: the items u opens in [c, e) and does not hold at c,
//     ascending. A customer without one is not ranked (the ranking metrics
//     are undefined for them) but stays in the population;
//   - population[u]: 1 when u has an interaction or a holding change before
//     e: the customers whose every candidate the calibration metrics count.
// With options.cutoff_unix_seconds == 0 the cutoff is chosen so that the
// window is the last window_seconds of the data: c = t_max + 1 - window,
// t_max the latest timestamp of either input. options.num_users/num_items
// size the split as for the other splits; kind, time_quantile,
// test_fraction, leave_k and seed are ignored.
// INVALID_ARGUMENT for empty interactions, negative or out-of-range indices,
// or window_seconds <= 0; FAILED_PRECONDITION when a timestamp is missing
// (0) or no interaction falls before the cutoff (the data is shorter than
// the window).
absl::StatusOr<Split> SplitForNbo(absl::Span<const Interaction> interactions,
                                  absl::Span<const HoldingChange> holdings,
                                  const SplitOptions& options);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_NBO_SPLIT_H_
