// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The token file (--tokens_file), the same for nbo-server and nbo-trainer:
// one token per line,
//
//   NAME ROLE[,ROLE...] sha256:HEX
//
// NAME is 1..64 of [A-Za-z0-9._@-] and is what logs and audit lines show;
// ROLEs are those of role.h; HEX is the SHA-256 of the token itself, 64
// lowercase hex digits (`printf %s "$TOKEN" | sha256sum`). Fields are
// separated by spaces or tabs; `#` starts a comment that runs to the end of
// the line; blank lines are ignored; a trailing '\r' is dropped. Names and
// hashes are unique. The file holds hashes only, so reading it does not give
// away a token.

#ifndef NBO_LIB_AUTH_TOKEN_FILE_H_
#define NBO_LIB_AUTH_TOKEN_FILE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/auth/role.h"

namespace nbo::auth {

using TokenHash = std::array<uint8_t, 32>;

// One line of the file.
struct TokenEntry {
  std::string name;
  // The roles as listed, without implied ones.
  RoleSet roles;
  TokenHash hash{};
};

// The SHA-256 of `token`.
TokenHash HashToken(absl::string_view token);

// The file's line, with its '\n', that gives `token` to `name` with `roles`
// ("read,act"): for tools that issue tokens, and tests. Not validated.
std::string TokenFileLine(absl::string_view name, absl::string_view roles,
                          absl::string_view token);

// The entries of a token file's `contents`; `file_name` only names the file
// in errors. INVALID_ARGUMENT "FILE:LINE: what is wrong" for the first bad
// line (wrong number of fields, a bad name, an unknown or empty role, a hash
// that is not "sha256:" and 64 lowercase hex digits, a name or hash already
// on an earlier line), or "FILE: no tokens" when there is no entry at all.
// A message never holds the third field or any part of it: an operator who
// pasted a token where its hash belongs must not find it in a log.
absl::StatusOr<std::vector<TokenEntry>> ParseTokenFile(
    absl::string_view contents, absl::string_view file_name);

}  // namespace nbo::auth

#endif  // NBO_LIB_AUTH_TOKEN_FILE_H_
