// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl publish: the command line around PublishFactors().

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"
#include "tools/nboctl/publisher.h"

ABSL_FLAG(std::string, factors, "",
          "publish: directory holding userFactors/ and itemFactors/ in Spark "
          "MLlib's JSON-lines layout (as gen-factors writes it)");
ABSL_FLAG(std::string, products, "",
          "gen-factors: number of products (8: the demo catalog, 24: a "
          "Santander-like one; default 8). publish: products.csv with at "
          "least product_id,name,category (default <factors>/products.csv). "
          "catalog update: products.csv with business values, eligibility "
          "and contact policies. bench: comma-separated product ids for "
          "--method=transactions|foldin (default: the model's catalog)");
ABSL_FLAG(std::string, id_map, "",
          "publish: optional CSV (header spark_id,customer_id) mapping Spark's "
          "integer user ids to the bank's customer ids");
ABSL_FLAG(int, chunk_rows, 4096, "publish: rows per FactorChunk message");

namespace nbo::nboctl {

int Publish(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("publish", "unexpected argument '" + args[0] + "'");
  }
  PublishOptions options;
  options.server = absl::GetFlag(FLAGS_server);
  options.factors_dir = absl::GetFlag(FLAGS_factors);
  options.products_file = absl::GetFlag(FLAGS_products);
  options.id_map_file = absl::GetFlag(FLAGS_id_map);
  options.model = absl::GetFlag(FLAGS_model);
  options.version = absl::GetFlag(FLAGS_version);
  options.chunk_rows = absl::GetFlag(FLAGS_chunk_rows);
  options.token = absl::GetFlag(FLAGS_token);
  if (options.server.empty())
    return UsageError("publish", "--server is required");
  if (options.factors_dir.empty()) {
    return UsageError("publish", "--factors=DIR is required");
  }
  if (options.version <= 0) {
    return UsageError("publish", "--version=N with N > 0 is required");
  }
  if (options.chunk_rows < 1) {
    return UsageError("publish", "--chunk_rows must be at least 1");
  }

  absl::StatusOr<PublishResult> result = PublishFactors(options);
  if (!result.ok()) return ReportError("publish", result.status());
  const v1::PublishModelResponse& response = result->response;
  if (absl::GetFlag(FLAGS_json)) {
    if (PrintJson(response) != 0) return 1;
  } else {
    const double mib = result->bytes_sent / (1024.0 * 1024.0);
    std::printf(
        "published model %s version %lld: %s, %lld customers, %lld products; "
        "%.1f MiB in %.2f s (%.1f MiB/s)\n",
        response.model_name().empty() ? "(default)"
                                      : response.model_name().c_str(),
        static_cast<long long>(response.version()),
        StateName(response.state()).c_str(),
        static_cast<long long>(response.customer_count()),
        static_cast<long long>(response.product_count()), mib, result->seconds,
        result->seconds > 0 ? mib / result->seconds : 0.0);
  }
  if (response.state() != v1::VERSION_STATE_AVAILABLE) {
    std::fprintf(stderr,
                 "nboctl: publish: version %lld ended %s, not AVAILABLE; see "
                 "`nboctl models status` for the reason\n",
                 static_cast<long long>(response.version()),
                 StateName(response.state()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace nbo::nboctl
