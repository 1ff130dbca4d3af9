// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/bearer_auth.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace nbo::services {

grpc::Status CheckBearerToken(const grpc::ServerContextBase& context,
                              absl::string_view expected_token) {
  if (expected_token.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this RPC needs 'authorization: Bearer <token>'");
  }
  const std::string expected = absl::StrCat("Bearer ", expected_token);
  const grpc::string_ref& got = it->second;
  unsigned char diff = got.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^
                                       (i < got.size() ? got.data()[i] : 0));
  }
  if (diff != 0) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the bearer token is not valid");
  }
  return grpc::Status::OK;
}

}  // namespace nbo::services
