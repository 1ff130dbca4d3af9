// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_TOOLS_NBOCTL_PUBLISHER_H_
#define NBO_TOOLS_NBOCTL_PUBLISHER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::nboctl {

struct PublishOptions {
  // nbo-server address, HOST:PORT. Required.
  std::string server;
  // Directory with userFactors/ and itemFactors/ (Spark MLlib ALS layout).
  std::string factors_dir;
  // products.csv; empty means <factors_dir>/products.csv.
  std::string products_file;
  // Optional CSV mapping Spark's integer ids to the bank's customer ids.
  std::string id_map_file;
  // Model name; empty means the server's default.
  std::string model;
  // New version number, > 0.
  int64_t version = 0;
  // Customer rows per FactorChunk message.
  int chunk_rows = 4096;
  // Print a progress line (rows, MiB, MiB/s) to stderr while sending.
  bool progress = true;
  // Bearer token for ModelService writes.
  std::string token;
};

struct PublishResult {
  nbo::v1::PublishModelResponse response;
  double seconds = 0;
  uint64_t bytes_sent = 0;
};

// Reads Spark-format factors and the catalog, streams them to
// ModelService.PublishModel, and returns the server's answer. Errors carry
// the server's status code, or INVALID_ARGUMENT/NOT_FOUND for local input.
absl::StatusOr<PublishResult> PublishFactors(const PublishOptions& options);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_PUBLISHER_H_
