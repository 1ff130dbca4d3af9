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
          "C<N> to draw from (0: the model's customer count); with "
          "--method=transactions|foldin, synthetic customers to use (0: "
          "10000 and 1000)");
ABSL_FLAG(bool, json, false, "Print machine-readable JSON");
ABSL_FLAG(std::string, token, "",
          "Bearer token for admin RPCs (sent as 'authorization: Bearer ...')");
ABSL_FLAG(std::string, ca_file, "",
          "PEM CA file: reach --server over TLS, verified against it (the "
          "certificate must name --server's host)");
ABSL_FLAG(std::string, cert_file, "",
          "PEM client certificate for mutual TLS (needs --key_file)");
ABSL_FLAG(std::string, key_file, "", "PEM private key of --cert_file");
ABSL_FLAG(std::string, tls_server_name, "",
          "The name --server's TLS certificate must carry, when it is not "
          "--server's host (e.g. a probe dialling 127.0.0.1)");
ABSL_FLAG(int, batch, 500,
          "ingest: records per UpsertCustomers call and per StreamTransactions "
          "message. bench --method=transactions|foldin: transactions per "
          "RecordTransactions call. At most the server's --max_ingest_batch");
ABSL_FLAG(std::string, customer_id, "",
          "feedback, customer: the bank's customer id, e.g. C0000042 "
          "(--customer is read when this is unset)");
ABSL_FLAG(std::string, product_id, "",
          "feedback: the offered product. similar: the product to compare");
ABSL_FLAG(std::string, channel, "",
          "recommend, feedback: where the offer is shown (\"branch\", "
          "\"mobile\", ...); [a-z0-9_-]{0,32}");
