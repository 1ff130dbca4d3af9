// Copyright (c) 2026 The nbo Authors. MIT License.
//
// How nboctl's commands reach nbo-server: services::MakeChannel with the
// common flags, and their RPC errors in nboctl's words.

#ifndef NBO_TOOLS_NBOCTL_CLIENT_H_
#define NBO_TOOLS_NBOCTL_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "services/common/client_channel.h"
#include "tools/nboctl/cli_util.h"

namespace nbo::nboctl {

// The options of every nboctl channel: `server` (HOST:PORT) with `token`
// sent as "authorization: Bearer <token>" on every call when non-empty, over
// TLS when --ca_file or --cert_file is set.
services::ClientOptions ServerOptions(const std::string& server,
                                      const std::string& token);

// A channel to --server carrying --token. INVALID_ARGUMENT for an empty
// --server.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ServerChannel();

// A stub of `Service` on ServerChannel(); null, after printing
// "nboctl: <what>: <code name>: <message>", when there is no channel.
template <typename Service>
std::unique_ptr<typename Service::Stub> NewServerStub(const std::string& what);

// Prints "nboctl: <what>: <code name>: <message>" to stderr and returns 1.
int ReportRpcError(const std::string& what, const grpc::Status& status);

// Implementation details follow.

template <typename Service>
std::unique_ptr<typename Service::Stub> NewServerStub(const std::string& what) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ServerChannel();
  if (!channel.ok()) {
    // The exit code is the caller's, on a null stub.
    (void)ReportError(what, channel.status());
    return nullptr;
  }
  return Service::NewStub(*channel);
}

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_CLIENT_H_
