// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The roles a bearer token can hold, as a bit set. What each one grants is
// decided per RPC in services/common/method_roles.cc; this file only says
// which roles imply which:
//   - `act` implies `read`: the relationship manager's desk records feedback
//     on the offers it reads.
//   - `admin` implies `read` and nothing else. An operator who publishes a
//     model must be able to check what it serves (model status, catalog,
//     experiment statistics, a Recommend), but managing models is not a
//     licence to write business data (`act`, `ingest`) or to read personal
//     data (`customer`): a bank separates those duties, and a token that
//     needs them lists them (`admin,customer`).

#ifndef NBO_LIB_AUTH_ROLE_H_
#define NBO_LIB_AUTH_ROLE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nbo::auth {

enum class Role : uint8_t {
  kRead = 1 << 0,
  kAct = 1 << 1,
  kIngest = 1 << 2,
  kCustomer = 1 << 3,
  kAdmin = 1 << 4,
};

// A set of roles. Value type.
class RoleSet {
 public:
  constexpr RoleSet() = default;

  // The set holding `roles` and every role they imply (see above).
  static RoleSet WithImplied(RoleSet roles);

  void Add(Role role) { bits_ |= static_cast<uint8_t>(role); }
  bool Has(Role role) const {
    return (bits_ & static_cast<uint8_t>(role)) != 0;
  }
  bool empty() const { return bits_ == 0; }
  bool operator==(const RoleSet& other) const = default;

  // "read,act", in the order of the Role enum; "" when empty.
  std::string ToString() const;

 private:
  uint8_t bits_ = 0;
};

// The role's name as the token file spells it: "read", "act", "ingest",
// "customer", "admin".
absl::string_view RoleName(Role role);

// The role named `name` (exactly, lowercase); INVALID_ARGUMENT naming it
// and the known roles otherwise.
absl::StatusOr<Role> ParseRole(absl::string_view name);

}  // namespace nbo::auth

#endif  // NBO_LIB_AUTH_ROLE_H_
