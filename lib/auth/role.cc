// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/auth/role.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/common/quote.h"

namespace nbo::auth {
namespace {

constexpr Role kAllRoles[] = {Role::kRead, Role::kAct, Role::kIngest,
                              Role::kCustomer, Role::kAdmin};

}  // namespace

RoleSet RoleSet::WithImplied(RoleSet roles) {
  if (roles.Has(Role::kAct) || roles.Has(Role::kAdmin)) roles.Add(Role::kRead);
  return roles;
}

std::string RoleSet::ToString() const {
  std::string out;
  for (Role role : kAllRoles) {
    if (!Has(role)) continue;
    absl::StrAppend(&out, out.empty() ? "" : ",", RoleName(role));
  }
  return out;
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRead:
      return "read";
    case Role::kAct:
      return "act";
    case Role::kIngest:
      return "ingest";
    case Role::kCustomer:
      return "customer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role role : kAllRoles) {
    if (name == RoleName(role)) return role;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role ", common::QuoteForError(name, 32),
                   " (roles: read, act, ingest, customer, admin)"));
}

}  // namespace nbo::auth
