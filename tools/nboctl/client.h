// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_TOOLS_NBOCTL_CLIENT_H_
#define NBO_TOOLS_NBOCTL_CLIENT_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"

namespace nbo::nboctl {

// A channel to `server` (HOST:PORT), insecure, with message-size limits large
// enough for publish chunks and exports (64 MiB).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& server);

// Adds `authorization: Bearer <token>` to `context` when token is non-empty.
void AddAuth(grpc::ClientContext* context, const std::string& token);

// Prints "nboctl: <what>: <code name>: <message>" to stderr and returns 1.
int ReportRpcError(const std::string& what, const grpc::Status& status);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_CLIENT_H_
