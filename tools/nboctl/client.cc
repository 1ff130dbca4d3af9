// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/client.h"

#include <cstdio>

#include "absl/status/status.h"

namespace nbo::nboctl {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& server) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(),
                                   args);
}

void AddAuth(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
}

int ReportRpcError(const std::string& what, const grpc::Status& status) {
  std::fprintf(stderr, "nboctl: %s: %s: %s\n", what.c_str(),
               absl::StatusCodeToString(
                   static_cast<absl::StatusCode>(status.error_code()))
                   .c_str(),
               status.error_message().c_str());
  return 1;
}

}  // namespace nbo::nboctl
