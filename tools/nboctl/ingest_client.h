// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The client side of `nboctl ingest`: sends a directory's customers.csv with
// IngestService.UpsertCustomers and its transactions.csv over the client
// stream IngestService.StreamTransactions, in batches, and adds up what the
// server accepted, recognised as duplicates and rejected.

#ifndef NBO_TOOLS_NBOCTL_INGEST_CLIENT_H_
#define NBO_TOOLS_NBOCTL_INGEST_CLIENT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nbo/v1/ingest_service.grpc.pb.h"

namespace nbo::nboctl {

// Where a file's records have got to; handed to IngestOptions::on_progress.
struct IngestProgress {
  // "customers" or "transactions".
  std::string what;
  // Records handed to gRPC so far.
  int64_t sent = 0;
  // Since the first record of this file was read.
  double seconds = 0;
};

struct IngestOptions {
  // Directory holding customers.csv and transactions.csv. Required.
  std::string data_dir;

  // Records per UpsertCustomers call and per StreamTransactions message;
  // must not exceed the server's --max_ingest_batch.
  // Default: 500.
  int batch = 500;

  // Which files to send. customers.csv may be missing unless it is the only
  // file asked for; transactions.csv is required when asked for.
  // Default: both.
  bool customers = true;
  bool transactions = true;

  // Deadline of each UpsertCustomers call. The transaction stream has none:
  // it lasts as long as the file takes.
  // Default: 60 s.
  absl::Duration call_timeout = absl::Seconds(60);

  // Called with each file's progress at most every progress_interval and
  // once when the file is done. Default: none.
  std::function<void(const IngestProgress&)> on_progress;
  // Default: 1 s.
  absl::Duration progress_interval = absl::Seconds(1);

  // How many rejections to keep, per file, for the summary.
  // Default: 5.
  int max_reasons = 5;
};

// What the server made of one file.
struct IngestTally {
  // The file, or "" when it was not sent.
  std::string path;
  // Records sent.
  int64_t sent = 0;
  int64_t accepted = 0;
  // Transactions the server had already applied (same customer and id).
  int64_t duplicates = 0;
  int64_t rejected = 0;
  // Rows of transactions.csv that answer an offer (accept, decline) and so
  // were not sent.
  int64_t skipped = 0;
  // The first IngestOptions::max_reasons rejections as
  // "path:line: field: reason".
  std::vector<std::string> reasons;
  double seconds = 0;
};

struct IngestSummary {
  IngestTally customers;
  IngestTally transactions;
};

// Sends the files `options` names through `stub`, customers first; a bearer
// token, when the server wants one, rides on the stub's channel
// (services::ClientOptions::bearer_token). Returns
// the tally of each file sent; a record the server rejects is counted, not
// an error. Errors: NOT_FOUND for a required file that does not exist;
// INVALID_ARGUMENT, naming "path:line", for a malformed file (records before
// the bad row may have been applied already: fix it and run again, nothing
// is applied twice); the RPC's own status, its message prefixed with what
// was being sent and how far it got, when a call fails.
// REQUIRES: options.batch >= 1, and at least one file is asked for.
absl::StatusOr<IngestSummary> RunIngest(const IngestOptions& options,
                                        v1::IngestService::StubInterface* stub);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_INGEST_CLIENT_H_
