// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The one place absl::Status and grpc::Status become each other (after TF
// Serving's model_servers/grpc_status_util.h): servers convert on the way
// out, clients (nboctl, nbo-trainer, the bench, tests) on the way in.

#ifndef NBO_SERVICES_COMMON_GRPC_STATUS_H_
#define NBO_SERVICES_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace nbo::services {

// Same code and message, except INTERNAL, UNKNOWN and DATA_LOSS: those are
// logged in full and sent as a fixed message, so storage internals never
// reach a client.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The same code and message as an absl::Status; OK for OK. What a client
// gets back from a call, for code that speaks absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_GRPC_STATUS_H_
