// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl export-feedback: ModelService.ExportFeedback into a feedback file
// (data::kFeedbackCsvHeader's format), the input of
// `nbo-trainer train --feedback_path`. Accepts and declines are written;
// impressions say nothing about preference and are only counted.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "lib/common/status_macros.h"
#include "lib/data/bank_data.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "services/common/grpc_status.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(std::string, since, "",
          "export-feedback: only feedback at or after this time (ISO-8601 "
          "like 2024-03-01T00:00:00Z, or unix seconds); empty means all the "
          "server retains");

// Defined in gen_factors.cc, where it names a directory; here it is a file.
ABSL_DECLARE_FLAG(std::string, out);

namespace nbo::nboctl {
namespace {

// The whole export is one stream; the server retains a bounded log, so this
// is generous rather than tight.
constexpr std::chrono::minutes kExportTimeout(30);
// A progress line on stderr every this many rows written.
constexpr int64_t kProgressRows = 100000;

struct Counts {
  int64_t accepts = 0;
  int64_t declines = 0;
  int64_t impressions = 0;
  // Outcomes this nboctl does not know (newer servers), skipped.
  int64_t other = 0;
  int64_t written() const { return accepts + declines; }
};

void PrintProgress(const Counts& counts, bool done) {
  std::fprintf(stderr,
               "nboctl export-feedback: %s%lld rows written (%lld accepts, "
               "%lld declines); %lld impressions and %lld others skipped\n",
               done ? "done, " : "", static_cast<long long>(counts.written()),
               static_cast<long long>(counts.accepts),
               static_cast<long long>(counts.declines),
               static_cast<long long>(counts.impressions),
               static_cast<long long>(counts.other));
}

// Streams the export into `out`. The RPC's status, or INTERNAL when `out`
// cannot be written.
absl::Status Export(const v1::ExportFeedbackRequest& request,
                    std::ofstream* out, Counts* counts) {
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, ServerChannel());
  std::unique_ptr<v1::ModelService::Stub> stub =
      v1::ModelService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kExportTimeout);
  std::unique_ptr<grpc::ClientReader<v1::ExportFeedbackResponse>> reader =
      stub->ExportFeedback(&context, request);
  *out << data::kFeedbackCsvHeader;
  v1::ExportFeedbackResponse response;
  int64_t next_progress = kProgressRows;
  while (reader->Read(&response)) {
    for (const v1::ExportedFeedback& feedback : response.feedback()) {
      data::Event event;
      switch (feedback.outcome()) {
        case v1::FEEDBACK_OUTCOME_ACCEPTED:
          event = data::Event::kAccept;
          ++counts->accepts;
          break;
        case v1::FEEDBACK_OUTCOME_DECLINED:
          event = data::Event::kDecline;
          ++counts->declines;
          break;
        case v1::FEEDBACK_OUTCOME_IMPRESSION:
          ++counts->impressions;
          continue;
        default:
          ++counts->other;
          continue;
      }
      *out << data::FeedbackCsvRow(feedback.customer_id(),
                                   feedback.product_id(), event,
                                   feedback.timestamp().seconds());
    }
    if (!*out) {
      context.TryCancel();
      // The RPC's own status no longer matters: the file failed first.
      (void)reader->Finish();
      return absl::InternalError("write failed");
    }
    if (counts->written() >= next_progress) {
      PrintProgress(*counts, /*done=*/false);
      next_progress = (counts->written() / kProgressRows + 1) * kProgressRows;
    }
  }
  return services::FromGrpcStatus(reader->Finish());
}

}  // namespace

int ExportFeedback(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("export-feedback",
                      "unexpected argument '" + args[0] + "'");
  }
  const std::string path = absl::GetFlag(FLAGS_out);
  if (path.empty()) {
    return UsageError("export-feedback", "--out=FILE is required");
  }
  v1::ExportFeedbackRequest request;
  if (const std::string since = absl::GetFlag(FLAGS_since); !since.empty()) {
    absl::StatusOr<int64_t> seconds = data::ParseTimestamp(since);
    if (!seconds.ok()) {
      return UsageError("export-feedback",
                        absl::StrCat("--since: ", seconds.status().message()));
    }
    request.mutable_since()->set_seconds(*seconds);
  }

  // Written beside the target and renamed into place when complete, so that
  // a failed export never leaves a truncated file a trainer would read.
  const std::string temporary = path + ".tmp";
  Counts counts;
  absl::Status status;
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      return ReportError("export-feedback",
                         absl::InternalError("cannot open " + temporary));
    }
    status = Export(request, &out, &counts);
    out.close();
    if (status.ok() && !out) status = absl::InternalError("write failed");
  }
  std::error_code ec;
  if (status.ok()) {
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
      status = absl::InternalError(
          absl::StrCat("rename ", temporary, " to ", path, ": ", ec.message()));
    }
  }
  if (!status.ok()) {
    std::filesystem::remove(temporary, ec);
    return ReportError(absl::StrCat("export-feedback to ", path), status);
  }
  PrintProgress(counts, /*done=*/true);
  return 0;
}

}  // namespace nbo::nboctl
