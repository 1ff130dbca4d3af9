// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The split phase of a training run: the bank's transactions become the
// events a model learns from, the offer answers kept apart, and the holdout
// split the evaluation asks its question on.
//
//   SplitInputs inputs = SplitInputsFromBankData(data);
//   NBO_ASSIGN_OR_RETURN(eval::Split split,
//                        SplitForEvaluation(inputs, split_options));
//   std::vector<eval::Interaction> feedback =
//       FeedbackBeforeHoldout(inputs.feedback, split, split_options.kind);

#ifndef NBO_LIB_TRAINING_SPLIT_PHASE_H_
#define NBO_LIB_TRAINING_SPLIT_PHASE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/data/bank_data.h"
#include "lib/eval/nbo_split.h"
#include "lib/eval/split.h"

namespace nbo::training {

// What the split phase needs from the bank's files. A plain value.
struct SplitInputs {
  // Events that say something for a product (view, apply, purchase, open)
  // with a positive weight: the implicit feedback, and, held out, what a
  // customer "took" (time and basket splits).
  std::vector<eval::Interaction> events;
  // Offer answers (accept, decline) with a non-zero, signed weight: they
  // train the model but never enter a split, so a decline is never a
  // positive and an accept never a held-out "took".
  std::vector<eval::Interaction> feedback;
  // Opens and purchases (start a holding) and closes (end one): what the
  // NBO split reads holdings and positives from.
  std::vector<eval::HoldingChange> holdings;
  // Earliest and latest timestamp of any row, offer answers included;
  // INT64_MAX and INT64_MIN when there are no rows.
  int64_t min_time = 0;
  int64_t max_time = 0;
};

// Sorts data.interactions into SplitInputs, in file order. Events and
// answers with weight 0 (a close, zero-weight events) train nothing and are
// left out of `events` and `feedback`; closes still end holdings.
SplitInputs SplitInputsFromBankData(const data::BankData& data);

// The holdout split of `inputs.events` that options.kind names: the NBO
// split (eval::SplitForNbo with inputs.holdings) for kNbo, eval::MakeSplit
// otherwise. The errors of those; INVALID_ARGUMENT when there are no events.
absl::StatusOr<eval::Split> SplitForEvaluation(
    const SplitInputs& inputs, const eval::SplitOptions& options);

// The validation split: the same protocol as `test_split`, asked one step
// earlier, on what the model of `test_split` may learn from, so that tuning
// and the second stage learn on outcomes the test split never shows them.
//   - kNbo: the NBO split of all of `inputs` with the cutoff one window
//     before test_split's (options.window_seconds): candidates are the
//     products not held then, positives those opened in the window that
//     ends where the test window starts.
//   - kTime, kRandom, kLeaveKOut: eval::MakeSplit of test_split.train with
//     options (a time quantile of the train part, or other held-out pairs;
//     the seed is options.seed + 1 so that it does not repeat the test
//     split's draw).
// The errors of those (FAILED_PRECONDITION when the data is shorter than
// two windows).
absl::StatusOr<eval::Split> ValidationSplit(const SplitInputs& inputs,
                                            const eval::Split& test_split,
                                            const eval::SplitOptions& options);

// The offer answers the evaluation's model may learn from: what was known
// before the holdout. Splits with a cutoff (time, NBO) hold out everything
// from the cutoff on, so answers from then on stay out; the other splits
// hold out (customer, product) pairs, so answers on a held-out pair stay out
// (an accept next to the open it led to would give the answer away).
// REQUIRES: `split` was made from the same customers as `feedback`.
std::vector<eval::Interaction> FeedbackBeforeHoldout(
    absl::Span<const eval::Interaction> feedback, const eval::Split& split,
    eval::SplitKind kind);

}  // namespace nbo::training

#endif  // NBO_LIB_TRAINING_SPLIT_PHASE_H_
