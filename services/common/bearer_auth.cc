// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/bearer_auth.h"

#include <string>

#include "absl/strings/match.h"

namespace nbo::services {

bool BearerTokenMatches(absl::string_view header,
                        absl::string_view expected_token) {
  constexpr absl::string_view kScheme = "bearer";
  const bool scheme_ok =
      header.size() > kScheme.size() &&
      absl::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme) &&
      header[kScheme.size()] == ' ';
  absl::string_view got;
  if (scheme_ok) {
    got = header.substr(kScheme.size());
    while (!got.empty() && got.front() == ' ') got.remove_prefix(1);
  }
  // Every byte of the expected token is looked at whatever was sent, so the
  // time taken does not tell how much of a guess was right.
  unsigned char diff = scheme_ok && got.size() == expected_token.size() ? 0 : 1;
  for (size_t i = 0; i < expected_token.size(); ++i) {
    diff |= static_cast<unsigned char>(expected_token[i] ^
                                       (i < got.size() ? got[i] : 0));
  }
  return diff == 0;
}

grpc::Status CheckBearerToken(const grpc::ServerContextBase& context,
                              absl::string_view expected_token) {
  if (expected_token.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this RPC needs 'authorization: Bearer <token>'");
  }
  const grpc::string_ref& got = it->second;
  if (!BearerTokenMatches(absl::string_view(got.data(), got.size()),
                          expected_token)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the bearer token is not valid");
  }
  return grpc::Status::OK;
}

}  // namespace nbo::services
