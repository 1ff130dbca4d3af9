// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/ingest_client.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "services/common/grpc_status.h"
#include "tools/nboctl/ingest_reader.h"

namespace nbo::nboctl {
namespace {

// The call's status with `what` before its message.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  const absl::Status converted = services::FromGrpcStatus(status);
  return absl::Status(converted.code(),
                      absl::StrCat(what, ": ", converted.message()));
}

// Reports progress to IngestOptions::on_progress, at most once an interval.
class ProgressReporter {
 public:
  ProgressReporter(const IngestOptions& options, std::string what)
      : options_(options), start_(absl::Now()), last_(start_) {
    progress_.what = std::move(what);
  }

  void Sent(int64_t records) {
    progress_.sent += records;
    if (!options_.on_progress) return;
    const absl::Time now = absl::Now();
    if (now - last_ >= options_.progress_interval) {
      last_ = now;
      progress_.seconds = absl::ToDoubleSeconds(now - start_);
      options_.on_progress(progress_);
    }
  }

  // The final report; returns the seconds the file took.
  double Done() {
    progress_.seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    if (options_.on_progress) options_.on_progress(progress_);
    return progress_.seconds;
  }

 private:
  const IngestOptions& options_;
  const absl::Time start_;
  absl::Time last_;
  IngestProgress progress_;
};

// Counts `errors` as rejections of `tally`, keeping the first few reasons
// with the file line each record came from.
void NoteRejections(
    const google::protobuf::RepeatedPtrField<v1::RecordError>& errors,
    const LineMap& lines, int64_t index_base, int max_reasons,
    IngestTally* tally) {
  tally->rejected += errors.size();
  for (const v1::RecordError& error : errors) {
    if (static_cast<int>(tally->reasons.size()) >= max_reasons) break;
    const int64_t line = lines.LineOf(index_base + error.index());
    std::string where =
        line >= 0 ? absl::StrCat(tally->path, ":", line)
                  : absl::StrCat(tally->path, ": record ", error.index());
    tally->reasons.push_back(absl::StrCat(
        where, ": ", error.field().empty() ? "" : error.field() + ": ",
        error.reason()));
  }
}

absl::Status SendCustomers(const IngestOptions& options,
                           v1::IngestService::StubInterface* stub,
                           IngestTally* tally) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<CustomerCsvReader> reader,
                       CustomerCsvReader::Open(tally->path));
  ProgressReporter progress(options, "customers");
  v1::UpsertCustomersRequest request;
  LineMap lines;
  bool more = true;
  while (more) {
    request.Clear();
    lines = LineMap();
    while (request.customers_size() < options.batch) {
      NBO_ASSIGN_OR_RETURN(more, reader->Next(request.add_customers()));
      if (!more) {
        request.mutable_customers()->RemoveLast();
        break;
      }
      lines.Add(reader->line());
    }
    if (request.customers_size() == 0) break;
    grpc::ClientContext context;
    context.set_deadline(
        absl::ToChronoTime(absl::Now() + options.call_timeout));
    v1::UpsertCustomersResponse response;
    const grpc::Status status =
        stub->UpsertCustomers(&context, request, &response);
    if (!status.ok()) {
      return FromGrpc(
          status,
          absl::StrCat("UpsertCustomers with ", tally->path, " lines ",
                       lines.LineOf(0), "..", lines.LineOf(lines.size() - 1),
                       " (", tally->sent, " customers sent before)"));
    }
    tally->sent += request.customers_size();
    tally->accepted += response.accepted();
    NoteRejections(response.rejected(), lines, 0, options.max_reasons, tally);
    progress.Sent(request.customers_size());
  }
  tally->seconds = progress.Done();
  return absl::OkStatus();
}

absl::Status SendTransactions(const IngestOptions& options,
                              v1::IngestService::StubInterface* stub,
                              IngestTally* tally) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<TransactionCsvReader> reader,
                       TransactionCsvReader::Open(tally->path));
  ProgressReporter progress(options, "transactions");
  grpc::ClientContext context;
  v1::RecordTransactionsResponse response;
  std::unique_ptr<grpc::ClientWriterInterface<v1::RecordTransactionsRequest>>
      writer = stub->StreamTransactions(&context, &response);
  // Indices in the response count across the whole stream.
  LineMap lines;
  v1::RecordTransactionsRequest request;
  absl::Status read_status;
  bool open = true;
  bool more = true;
  while (open && more) {
    request.Clear();
    while (request.transactions_size() < options.batch) {
      absl::StatusOr<bool> next = reader->Next(request.add_transactions());
      if (!next.ok()) {
        read_status = next.status();
        more = false;
      } else {
        more = *next;
      }
      if (!more) {
        request.mutable_transactions()->RemoveLast();
        break;
      }
      lines.Add(reader->line());
    }
    if (!read_status.ok()) break;
    if (request.transactions_size() == 0) break;
    // A failed Write means the server has ended the stream; Finish() says
    // why.
    open = writer->Write(request);
    if (open) {
      tally->sent += request.transactions_size();
      progress.Sent(request.transactions_size());
    }
  }
  tally->skipped = reader->skipped_offer_answers();
  if (!read_status.ok()) {
    // Ends the stream with the batches already sent (each durable as it
    // arrived) and reports the file's error, not the cancellation.
    context.TryCancel();
    (void)writer->Finish();  // Deliberately dropped: the read error wins.
    return read_status;
  }
  if (open) writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) {
    return FromGrpc(status, absl::StrCat("StreamTransactions with ",
                                         tally->path, " (", tally->sent,
                                         " transactions written; send the file "
                                         "again: none is applied twice)"));
  }
  tally->accepted = response.accepted();
  tally->duplicates = response.duplicates();
  NoteRejections(response.rejected(), lines, 0, options.max_reasons, tally);
  tally->seconds = progress.Done();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IngestSummary> RunIngest(
    const IngestOptions& options, v1::IngestService::StubInterface* stub) {
  if (options.batch < 1 || (!options.customers && !options.transactions)) {
    return absl::InvalidArgumentError(
        "a batch of at least 1 and at least one file are required");
  }
  const std::filesystem::path dir(options.data_dir);
  IngestSummary summary;
  if (options.customers) {
    const std::string path = (dir / "customers.csv").string();
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      summary.customers.path = path;
      NBO_RETURN_IF_ERROR(SendCustomers(options, stub, &summary.customers));
    } else if (!options.transactions) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    }
  }
  if (options.transactions) {
    summary.transactions.path = (dir / "transactions.csv").string();
    NBO_RETURN_IF_ERROR(SendTransactions(options, stub, &summary.transactions));
  }
  return summary;
}

}  // namespace nbo::nboctl
