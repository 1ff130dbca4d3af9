// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/access_control.h"

#include <cstdio>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/bearer_auth.h"
#include "services/common/method_roles.h"

namespace nbo::services {
namespace {

using grpc::experimental::InterceptionHookPoints;

std::optional<absl::string_view> AuthorizationHeader(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

// Remembers who called when the call's metadata arrives, and writes the
// audit line when its status goes out.
class AuditInterceptor : public grpc::experimental::Interceptor {
 public:
  AuditInterceptor(const AccessControl* access, std::string method)
      : access_(access), method_(std::move(method)) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      name_ = access_->AuditName(
          AuthorizationHeader(*methods->GetRecvInitialMetadata()));
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      access_->Audit(name_, method_, methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  const AccessControl* const access_;
  const std::string method_;
  std::string name_ = "-";
};

class AuditFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AuditFactory(const AccessControl* access) : access_(access) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (RequiredRole(info->method()) != auth::Role::kAdmin) return nullptr;
    return new AuditInterceptor(access_, info->method());
  }

 private:
  const AccessControl* const access_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AccessControl>> AccessControl::Create(
    Options options) {
  if (!options.now) options.now = [] { return absl::Now(); };
  if (!options.audit) {
    options.audit = [](const std::string& line) {
      std::fprintf(stderr, "%s\n", line.c_str());
    };
  }
  auth::TokenRegistry::Options registry_options;
  registry_options.tokens_file = options.tokens_file;
  registry_options.admin_token = options.admin_token;
  registry_options.reload_interval = options.reload_interval;
  registry_options.now = options.now;
  absl::StatusOr<std::unique_ptr<auth::TokenRegistry>> registry =
      auth::TokenRegistry::Create(std::move(registry_options));
  if (!registry.ok()) return registry.status();
  return std::unique_ptr<AccessControl>(
      new AccessControl(std::move(options), *std::move(registry)));
}

grpc::Status AccessControl::Check(const grpc::ServerContextBase& context,
                                  absl::string_view method) const {
  if (registry_->open()) return grpc::Status::OK;
  const std::optional<auth::Role> needed = RequiredRole(method);
  if (!needed.has_value()) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "no role may call this RPC");
  }
  const std::optional<absl::string_view> header =
      AuthorizationHeader(context.client_metadata());
  if (!header.has_value()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this RPC needs 'authorization: Bearer <token>'");
  }
  const std::optional<absl::string_view> token = BearerToken(*header);
  const std::optional<auth::Principal> principal =
      token.has_value() ? registry_->Authenticate(*token) : std::nullopt;
  if (!principal.has_value()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the bearer token is not valid");
  }
  if (!principal->roles.Has(*needed)) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("this RPC needs a token with role '",
                                     auth::RoleName(*needed), "'"));
  }
  return grpc::Status::OK;
}

bool AccessControl::HasRole(const grpc::ServerContextBase& context,
                            auth::Role role) const {
  if (registry_->open()) return true;
  const std::optional<absl::string_view> header =
      AuthorizationHeader(context.client_metadata());
  const std::optional<absl::string_view> token =
      header.has_value() ? BearerToken(*header) : std::nullopt;
  const std::optional<auth::Principal> principal =
      token.has_value() ? registry_->Authenticate(*token) : std::nullopt;
  return principal.has_value() && principal->roles.Has(role);
}

std::string AccessControl::AuditName(
    std::optional<absl::string_view> header) const {
  if (registry_->open()) return "-open-";
  if (!header.has_value()) return "-";
  const std::optional<absl::string_view> token = BearerToken(*header);
  const std::optional<auth::Principal> principal =
      token.has_value() ? registry_->Authenticate(*token) : std::nullopt;
  return principal.has_value() ? principal->name : "?";
}

void AccessControl::Audit(absl::string_view name, absl::string_view method,
                          grpc::StatusCode code) const {
  options_.audit(absl::StrCat(
      "nbo: audit time=",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", options_.now(),
                       absl::UTCTimeZone()),
      " token=", name, " method=", method,
      " code=", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
AccessControl::AuditInterceptorFactory() const {
  return std::make_unique<AuditFactory>(this);
}

}  // namespace nbo::services
