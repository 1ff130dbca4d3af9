// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The one table of who may call what: every RPC of nbo-server and
// nbo-trainer, by full method name, with the role a token needs for it.
// Health and reflection are not ours and are not in it: they stay open.
// A test walks every method of every service the binaries register and
// fails if one is missing here, so a new RPC cannot be left unguarded; an
// RPC missing anyway is refused (AccessControl fails closed).

#ifndef NBO_SERVICES_COMMON_METHOD_ROLES_H_
#define NBO_SERVICES_COMMON_METHOD_ROLES_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/auth/role.h"

namespace nbo::services {

struct MethodRole {
  // "/nbo.v1.NBOService/Recommend", as gRPC names the method of a call.
  absl::string_view method;
  auth::Role role;
};

// Every row of the table.
absl::Span<const MethodRole> MethodRoles();

// The role `method` needs; nullopt for a method not in the table.
std::optional<auth::Role> RequiredRole(absl::string_view method);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_METHOD_ROLES_H_
