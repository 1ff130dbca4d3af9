// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The one place absl::Status and grpc::Status become each other (after TF
// Serving's model_servers/grpc_status_util.h): servers convert on the way
// out, clients (nboctl, nbo-trainer, the bench, tests) on the way in.

#ifndef NBO_SERVICES_COMMON_GRPC_STATUS_H_
#define NBO_SERVICES_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace nbo::services {

// Same code and message, except INTERNAL, UNKNOWN and DATA_LOSS: those are
// logged in full and sent as a fixed message, so storage internals never
// reach a client.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The same code and message as an absl::Status; OK for OK. What a client
// gets back from a call, for code that speaks absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Tells clients with a retry policy (the gateway's, ClientOptions::
// retry_unavailable) not to send this call again to another replica: its
// answer, UNAVAILABLE included, would be the same there (no version of the
// model is available yet, a label's version is not). Without it such
// answers would each cost retry attempts and drain the retry throttle that
// a replica going away needs. Sets the trailer grpc-retry-pushback-ms: -1.
// REQUIRES: the call has not finished.
void DoNotRetry(grpc::ServerContextBase* context);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_GRPC_STATUS_H_
