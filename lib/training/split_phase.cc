// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/split_phase.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/status/status.h"

namespace nbo::training {

SplitInputs SplitInputsFromBankData(const data::BankData& data) {
  SplitInputs inputs;
  inputs.min_time = std::numeric_limits<int64_t>::max();
  inputs.max_time = std::numeric_limits<int64_t>::min();
  inputs.events.reserve(data.interactions.size());
  for (const data::Interaction& in : data.interactions) {
    inputs.min_time = std::min(inputs.min_time, in.unix_seconds);
    inputs.max_time = std::max(inputs.max_time, in.unix_seconds);
    const eval::Interaction x{in.customer, in.product, in.weight,
                              in.unix_seconds};
    if (in.event == data::Event::kOpen || in.event == data::Event::kPurchase ||
        in.event == data::Event::kClose) {
      inputs.holdings.push_back({in.customer, in.product, in.unix_seconds,
                                 in.event != data::Event::kClose});
    }
    if (data::IsOfferResponse(in.event)) {
      if (in.weight != 0) inputs.feedback.push_back(x);
    } else if (in.weight > 0) {
      inputs.events.push_back(x);
    }
  }
  return inputs;
}

absl::StatusOr<eval::Split> SplitForEvaluation(
    const SplitInputs& inputs, const eval::SplitOptions& options) {
  if (inputs.events.empty()) {
    return absl::InvalidArgumentError(
        "split: no events with a positive weight");
  }
  if (options.kind == eval::SplitKind::kNbo) {
    return eval::SplitForNbo(inputs.events, inputs.holdings, options);
  }
  return eval::MakeSplit(inputs.events, options);
}

absl::StatusOr<eval::Split> ValidationSplit(const SplitInputs& inputs,
                                            const eval::Split& test_split,
                                            const eval::SplitOptions& options) {
  eval::SplitOptions validation = options;
  if (options.kind == eval::SplitKind::kNbo) {
    validation.cutoff_unix_seconds =
        test_split.cutoff_unix_seconds - options.window_seconds;
    // 0 would mean "choose the cutoff", i.e. ask the test split's question.
    if (validation.cutoff_unix_seconds <= 0) {
      return absl::FailedPreconditionError(
          "validation split: the test split's cutoff is less than a window "
          "after the epoch");
    }
    return eval::SplitForNbo(inputs.events, inputs.holdings, validation);
  }
  validation.seed = options.seed + 1;
  validation.cutoff_unix_seconds = 0;  // A quantile of the train part.
  if (test_split.train.empty()) {
    return absl::FailedPreconditionError(
        "validation split: the test split leaves nothing to train on");
  }
  return eval::MakeSplit(test_split.train, validation);
}

std::vector<eval::Interaction> FeedbackBeforeHoldout(
    absl::Span<const eval::Interaction> feedback, const eval::Split& split,
    eval::SplitKind kind) {
  const bool by_time =
      kind == eval::SplitKind::kTime || kind == eval::SplitKind::kNbo;
  std::vector<eval::Interaction> kept;
  for (const eval::Interaction& f : feedback) {
    if (by_time) {
      if (f.unix_seconds >= split.cutoff_unix_seconds) continue;
    } else if (std::binary_search(split.test[f.user].begin(),
                                  split.test[f.user].end(), f.item)) {
      continue;
    }
    kept.push_back(f);
  }
  return kept;
}

}  // namespace nbo::training
