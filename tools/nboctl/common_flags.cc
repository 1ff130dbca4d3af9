// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/common_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, server, "localhost:50051",
          "nbo-server gRPC address, HOST:PORT");
ABSL_FLAG(std::string, model, "",
          "Model name; empty means the server's default model");
ABSL_FLAG(int64_t, version, 0, "Model version");
ABSL_FLAG(int64_t, customers, 0,
          "gen-factors: customers to generate. bench: customer ids C0000001.."
          "C<N> to draw from (0: the model's customer count)");
ABSL_FLAG(bool, json, false, "Print machine-readable JSON");
ABSL_FLAG(std::string, token, "",
          "Bearer token for admin RPCs (sent as 'authorization: Bearer ...')");
