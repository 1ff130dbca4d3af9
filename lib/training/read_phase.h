// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The read phase of a training run: the bank's files in a data directory
// (products.csv, transactions.csv, customers.csv when present) and,
// optionally, a feedback file of offer answers, read into what the later
// phases use.
//
//   ReadOptions options;
//   options.data_dir = "/data/bank";
//   NBO_ASSIGN_OR_RETURN(TrainingData input, ReadTrainingData(options));
//   std::cout << DescribeData(input) << "\n";

#ifndef NBO_LIB_TRAINING_READ_PHASE_H_
#define NBO_LIB_TRAINING_READ_PHASE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "lib/data/bank_data.h"
#include "lib/training/split_phase.h"

namespace nbo::training {

struct ReadOptions {
  // Directory with products.csv and transactions.csv, and optionally
  // customers.csv. Required.
  std::string data_dir;
  // A feedback file (data::ReadFeedback's format); empty means none.
  std::string feedback_path;
  // Malformed rows tolerated, in the bank's files and, separately, in the
  // feedback file. Default: 0.
  int64_t max_bad_rows = 0;
};

// What the feedback file held, for the run's log.
struct FeedbackCounts {
  bool read = false;  // Whether there was a feedback file.
  int64_t accepts = 0;
  int64_t declines = 0;
  int64_t unknown_customer_rows = 0;
  int64_t unknown_product_rows = 0;
  int64_t impression_rows = 0;
  int64_t skipped_rows = 0;
};

struct TrainingData {
  data::BankData bank;
  // How events became weights (the defaults today): what the published
  // version's fold-in must use too.
  data::EventWeights weights;
  // bank's events, offer answers (the feedback file's appended) and holding
  // changes, apart; min_time and max_time cover the feedback file too.
  SplitInputs inputs;
  FeedbackCounts feedback;
};

// Reads options.data_dir's files, then the feedback file. The errors of
// data::ReadBankData and data::ReadFeedback (NOT_FOUND, INVALID_ARGUMENT
// with path:line); INVALID_ARGUMENT when transactions.csv has no event with
// a positive weight.
absl::StatusOr<TrainingData> ReadTrainingData(const ReadOptions& options);

// "N customers, P products, T transactions (S skipped rows), from .. to".
std::string DescribeData(const TrainingData& input);

// "A accepts, D declines; skipped ..." of the feedback file.
std::string DescribeFeedback(const FeedbackCounts& counts);

}  // namespace nbo::training

#endif  // NBO_LIB_TRAINING_READ_PHASE_H_
