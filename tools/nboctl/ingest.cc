// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl ingest: the command line around RunIngest().

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/common/json.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"
#include "tools/nboctl/ingest_client.h"

ABSL_FLAG(std::string, data_dir, "",
          "ingest: directory with customers.csv (optional) and "
          "transactions.csv, as `nboctl datagen` writes them");
ABSL_FLAG(bool, customers_only, false,
          "ingest: send customers.csv only (then it is required)");
ABSL_FLAG(bool, transactions_only, false, "ingest: send transactions.csv only");

namespace nbo::nboctl {
namespace {

void PrintProgress(const IngestProgress& progress) {
  std::fprintf(stderr, "nboctl ingest: %s: %lld sent, %.0f/s\n",
               progress.what.c_str(), static_cast<long long>(progress.sent),
               progress.seconds > 0 ? progress.sent / progress.seconds : 0.0);
}

void PrintTally(const char* what, const IngestTally& tally) {
  if (tally.path.empty()) {
    std::printf("%s: not sent\n", what);
    return;
  }
  std::printf("%s: %lld sent in %.1f s, %lld accepted", what,
              static_cast<long long>(tally.sent), tally.seconds,
              static_cast<long long>(tally.accepted));
  if (tally.duplicates > 0) {
    std::printf(", %lld duplicates (already applied)",
                static_cast<long long>(tally.duplicates));
  }
  std::printf(", %lld rejected", static_cast<long long>(tally.rejected));
  if (tally.skipped > 0) {
    std::printf("; %lld offer answers (accept/decline) skipped",
                static_cast<long long>(tally.skipped));
  }
  std::printf("\n");
  for (const std::string& reason : tally.reasons) {
    std::printf("  rejected %s\n", reason.c_str());
  }
  if (tally.rejected > static_cast<int64_t>(tally.reasons.size())) {
    std::printf(
        "  ... and %lld more\n",
        static_cast<long long>(tally.rejected -
                               static_cast<int64_t>(tally.reasons.size())));
  }
}

std::string TallyJson(const IngestTally& tally) {
  std::string reasons = "[";
  for (size_t i = 0; i < tally.reasons.size(); ++i) {
    absl::StrAppend(&reasons, i == 0 ? "" : ",",
                    common::JsonString(tally.reasons[i]));
  }
  reasons += "]";
  return absl::StrCat(
      "{\"file\":", common::JsonString(tally.path), ",\"sent\":", tally.sent,
      ",\"accepted\":", tally.accepted, ",\"duplicates\":", tally.duplicates,
      ",\"rejected\":", tally.rejected, ",\"skipped\":", tally.skipped,
      ",\"seconds\":", common::JsonNumber(tally.seconds),
      ",\"first_rejections\":", reasons, "}");
}

}  // namespace

int Ingest(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("ingest", "unexpected argument '" + args[0] + "'");
  }
  IngestOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.batch = absl::GetFlag(FLAGS_batch);
  const bool customers_only = absl::GetFlag(FLAGS_customers_only);
  const bool transactions_only = absl::GetFlag(FLAGS_transactions_only);
  const std::string server = absl::GetFlag(FLAGS_server);
  if (server.empty()) return UsageError("ingest", "--server is required");
  if (options.data_dir.empty()) {
    return UsageError("ingest", "--data_dir=DIR is required");
  }
  if (options.batch < 1) {
    return UsageError("ingest", "--batch must be at least 1");
  }
  if (customers_only && transactions_only) {
    return UsageError("ingest",
                      "give --customers_only or --transactions_only, not both");
  }
  options.customers = !transactions_only;
  options.transactions = !customers_only;
  options.on_progress = PrintProgress;

  std::unique_ptr<v1::IngestService::Stub> stub =
      NewServerStub<v1::IngestService>("ingest");
  if (stub == nullptr) return 1;
  absl::StatusOr<IngestSummary> summary = RunIngest(options, stub.get());
  if (!summary.ok()) return ReportError("ingest", summary.status());
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("{\"customers\":%s,\"transactions\":%s}\n",
                TallyJson(summary->customers).c_str(),
                TallyJson(summary->transactions).c_str());
  } else {
    PrintTally("customers", summary->customers);
    PrintTally("transactions", summary->transactions);
  }
  return 0;
}

}  // namespace nbo::nboctl
