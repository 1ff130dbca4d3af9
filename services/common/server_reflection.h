// Copyright (c) 2026 The nbo Authors. MIT License.
//
// gRPC server reflection on one server, on or off. Linking grpc++_reflection
// registers its plugin for every ServerBuilder of the process (a static
// initializer calls InitProtoReflectionServerBuilderPlugin), so reflection
// cannot be left out by not asking for it. This builder option sees the
// builder's plugins before they run and keeps exactly one reflection plugin,
// or none.

#ifndef NBO_SERVICES_COMMON_SERVER_REFLECTION_H_
#define NBO_SERVICES_COMMON_SERVER_REFLECTION_H_

#include <memory>

#include "grpcpp/impl/server_builder_option.h"

namespace nbo::services {

// For grpc::ServerBuilder::SetOption: the server it builds answers
// grpc.reflection.v1alpha.ServerReflection when `enabled`, and does not
// (UNIMPLEMENTED) otherwise.
std::unique_ptr<grpc::ServerBuilderOption> ServerReflectionOption(bool enabled);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_SERVER_REFLECTION_H_
