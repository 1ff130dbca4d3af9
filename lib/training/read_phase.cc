// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/read_phase.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/status_macros.h"

namespace nbo::training {
namespace {

// Appends the feedback file's answers to input->inputs.feedback and counts
// them.
absl::Status ReadFeedbackFile(const ReadOptions& options, TrainingData* input) {
  data::FeedbackOptions feedback_options;
  feedback_options.path = options.feedback_path;
  feedback_options.weights = input->weights;
  feedback_options.max_bad_rows = options.max_bad_rows;
  NBO_ASSIGN_OR_RETURN(data::Feedback answers,
                       data::ReadFeedback(feedback_options, input->bank));
  FeedbackCounts& counts = input->feedback;
  counts.read = true;
  counts.unknown_customer_rows = answers.unknown_customer_rows;
  counts.unknown_product_rows = answers.unknown_product_rows;
  counts.impression_rows = answers.impression_rows;
  counts.skipped_rows = answers.skipped_rows;
  SplitInputs& inputs = input->inputs;
  for (const data::Interaction& in : answers.interactions) {
    inputs.min_time = std::min(inputs.min_time, in.unix_seconds);
    inputs.max_time = std::max(inputs.max_time, in.unix_seconds);
    ++(in.event == data::Event::kDecline ? counts.declines : counts.accepts);
    if (in.weight == 0) continue;
    inputs.feedback.push_back(
        {in.customer, in.product, in.weight, in.unix_seconds});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TrainingData> ReadTrainingData(const ReadOptions& options) {
  data::BankDataOptions read;
  read.products_path = options.data_dir + "/products.csv";
  read.transactions_path = options.data_dir + "/transactions.csv";
  std::error_code ec;
  if (std::filesystem::exists(options.data_dir + "/customers.csv", ec)) {
    read.customers_path = options.data_dir + "/customers.csv";
  }
  read.max_bad_rows = options.max_bad_rows;
  TrainingData input;
  NBO_ASSIGN_OR_RETURN(input.bank, data::ReadBankData(read));
  input.weights = read.weights;
  input.inputs = SplitInputsFromBankData(input.bank);
  if (input.inputs.events.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        read.transactions_path, ": no events with a positive weight"));
  }
  if (!options.feedback_path.empty()) {
    NBO_RETURN_IF_ERROR(ReadFeedbackFile(options, &input));
  }
  return input;
}

std::string DescribeData(const TrainingData& input) {
  return absl::StrFormat(
      "%d customers, %d products, %d transactions (%d skipped rows), %s .. %s",
      input.bank.customer_ids.size(), input.bank.products.size(),
      input.bank.interactions.size(), input.bank.skipped_rows(),
      data::FormatTimestamp(input.inputs.min_time),
      data::FormatTimestamp(input.inputs.max_time));
}

std::string DescribeFeedback(const FeedbackCounts& counts) {
  return absl::StrFormat(
      "%d accepts, %d declines; skipped %d rows of unknown customers, %d of "
      "unknown products, %d impressions, %d malformed rows",
      counts.accepts, counts.declines, counts.unknown_customer_rows,
      counts.unknown_product_rows, counts.impression_rows, counts.skipped_rows);
}

}  // namespace nbo::training
