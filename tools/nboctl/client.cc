// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/client.h"

#include "absl/flags/flag.h"
#include "services/common/grpc_status.h"
#include "tools/nboctl/common_flags.h"

namespace nbo::nboctl {

services::ClientOptions ServerOptions(const std::string& server,
                                      const std::string& token) {
  services::ClientOptions options;
  options.target = server;
  options.bearer_token = token;
  options.ca_file = absl::GetFlag(FLAGS_ca_file);
  options.cert_file = absl::GetFlag(FLAGS_cert_file);
  options.key_file = absl::GetFlag(FLAGS_key_file);
  options.authority_override = absl::GetFlag(FLAGS_tls_server_name);
  return options;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ServerChannel() {
  return services::MakeChannel(
      ServerOptions(absl::GetFlag(FLAGS_server), absl::GetFlag(FLAGS_token)));
}

int ReportRpcError(const std::string& what, const grpc::Status& status) {
  return ReportError(what, services::FromGrpcStatus(status));
}

}  // namespace nbo::nboctl
