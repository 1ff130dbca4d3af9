// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/grpc_status.h"

#include <cstdio>
#include <string>

namespace nbo::services {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      std::fprintf(stderr, "internal error: %s\n", status.ToString().c_str());
      return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                          "internal error; see the service's log");
    default:
      return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                          std::string(status.message()));
  }
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // grpc::StatusCode and absl::StatusCode share their numbering (both are
  // google.rpc.Code).
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

void DoNotRetry(grpc::ServerContextBase* context) {
  context->AddTrailingMetadata("grpc-retry-pushback-ms", "-1");
}

}  // namespace nbo::services
