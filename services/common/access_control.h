// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_COMMON_ACCESS_CONTROL_H_
#define NBO_SERVICES_COMMON_ACCESS_CONTROL_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"
#include "lib/auth/token_registry.h"

namespace nbo::services {

// Who may call which RPC of a gRPC server: the bearer token of a call
// (`authorization: Bearer <token>`), authenticated by a TokenRegistry
// (lib/auth), against the role method_roles.h says the method needs.
// Handlers call Check() first thing, before reading or writing anything;
// the audit interceptor writes one line per admin RPC when it ends.
//
// With no token configured the server is open (the local demo's mode):
// Check() lets every call in, as before roles existed.
//
// Thread-safe.
class AccessControl {
 public:
  struct Options {
    // Token file (lib/auth/token_file.h); "" for none. Default: "".
    std::string tokens_file;
    // A token in the clear with role admin; "" for none. Default: "".
    std::string admin_token;
    // How often a check looks at the token file for changes.
    // Default: 1 s.
    absl::Duration reload_interval = absl::Seconds(1);
    // Where audit lines go. Default: stderr, as every other log line.
    std::function<void(const std::string& line)> audit;
    // The clock of audit lines and reloads. Default: absl::Now.
    std::function<absl::Time()> now;
  };

  // TokenRegistry::Create's errors (INVALID_ARGUMENT for a bad file,
  // NOT_FOUND for a missing one, INTERNAL for one that cannot be read).
  static absl::StatusOr<std::unique_ptr<AccessControl>> Create(Options options);

  // Whether no token is configured and every call is let in.
  bool open() const { return registry_->open(); }

  // OK when the server is open, or when the call's bearer token is valid and
  // holds the role RequiredRole(method) names. UNAUTHENTICATED when the call
  // has no bearer token or one that is nobody's; PERMISSION_DENIED naming
  // the role needed when the token lacks it, or when `method` is not in the
  // table at all (fail closed). Messages never quote the token.
  // `method`: the full name, "/nbo.v1.NBOService/Recommend".
  grpc::Status Check(const grpc::ServerContextBase& context,
                     absl::string_view method) const;

  // Whether the call may do what `role` allows: true when the server is
  // open or the call's bearer token is valid and holds `role`. For parts of
  // an answer a role guards (the customer's own attribute values in
  // explanations need `customer`), after Check() let the call in.
  bool HasRole(const grpc::ServerContextBase& context, auth::Role role) const;

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators: writes
  // an audit line for every call of an admin method when it ends:
  //   nbo: audit time=<RFC 3339 UTC> token=<NAME> method=<full name>
  //   code=<gRPC code name>
  // NAME is "-" without a token, "?" for an invalid one and "-open-" in
  // open mode. Never a customer id, a request field or the token.
  // REQUIRES: this AccessControl outlives the server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  AuditInterceptorFactory() const;

  // The token name an audit line shows for a call whose authorization
  // header is `header` (nullopt when there is none).
  std::string AuditName(std::optional<absl::string_view> header) const;

  // Writes one audit line.
  void Audit(absl::string_view name, absl::string_view method,
             grpc::StatusCode code) const;

 private:
  AccessControl(Options options, std::unique_ptr<auth::TokenRegistry> registry)
      : options_(std::move(options)), registry_(std::move(registry)) {}

  const Options options_;
  const std::unique_ptr<auth::TokenRegistry> registry_;
};

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_ACCESS_CONTROL_H_
