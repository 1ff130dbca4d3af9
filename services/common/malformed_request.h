// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A request whose bytes are not a valid protobuf message is the client's
// mistake, so it should get INVALID_ARGUMENT saying so. gRPC C++ answers it
// itself, before any handler runs: UNIMPLEMENTED with an empty message from
// callback handlers, INTERNAL with an empty message from synchronous ones.
// This server interceptor rewrites exactly those answers, on methods of the
// services it is given, to INVALID_ARGUMENT "request is not a valid
// <message type>". nbo's own handlers never answer either code with an empty
// message (ToGrpcStatus sends INTERNAL with a fixed text), so nothing else is
// touched. Client streams parse their bytes themselves (client_stream_reactor)
// and name the bad message's index.

#ifndef NBO_SERVICES_COMMON_MALFORMED_REQUEST_H_
#define NBO_SERVICES_COMMON_MALFORMED_REQUEST_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/support/server_interceptor.h"

namespace nbo::services {

// For grpc::ServerBuilder::experimental().SetInterceptorCreators.
// `services`: full names of the services whose methods are covered
// ("nbo.v1.NBOService"); their descriptors must be linked in.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MalformedRequestInterceptorFactory(std::vector<std::string> services);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_MALFORMED_REQUEST_H_
