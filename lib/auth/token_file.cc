// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/auth/token_file.h"

#include <openssl/sha.h>

#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/common/quote.h"

namespace nbo::auth {
namespace {

constexpr absl::string_view kHashPrefix = "sha256:";
constexpr size_t kMaxNameBytes = 64;

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '@' || c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

absl::Status ParseName(absl::string_view field) {
  if (field.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the name is longer than ", kMaxNameBytes, " bytes"));
  }
  for (char c : field) {
    if (!IsNameChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the name ", common::QuoteForError(field, 32),
                       " has a character outside [A-Za-z0-9._@-]"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RoleSet> ParseRoles(absl::string_view field) {
  RoleSet roles;
  for (absl::string_view name : absl::StrSplit(field, ',')) {
    if (name.empty()) {
      return absl::InvalidArgumentError(
          "the role list has an empty entry (roles are separated by one ',')");
    }
    absl::StatusOr<Role> role = ParseRole(name);
    if (!role.ok()) return role.status();
    roles.Add(*role);
  }
  return roles;
}

// Never quotes `field`: it may be a token pasted in by mistake.
absl::StatusOr<TokenHash> ParseHash(absl::string_view field) {
  const absl::Status bad = absl::InvalidArgumentError(
      "the third field must be 'sha256:' and 64 lowercase hex digits (the "
      "SHA-256 of the token, not the token)");
  if (field.size() != kHashPrefix.size() + 64 ||
      field.substr(0, kHashPrefix.size()) != kHashPrefix) {
    return bad;
  }
  field.remove_prefix(kHashPrefix.size());
  TokenHash hash{};
  for (size_t i = 0; i < hash.size(); ++i) {
    const int hi = HexValue(field[2 * i]);
    const int lo = HexValue(field[2 * i + 1]);
    if (hi < 0 || lo < 0) return bad;
    hash[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return hash;
}

absl::StatusOr<TokenEntry> ParseLine(absl::string_view line) {
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
  if (fields.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected 'NAME ROLE[,ROLE...] sha256:HEX', got ",
                     fields.size(), fields.size() == 1 ? " field" : " fields"));
  }
  TokenEntry entry;
  if (absl::Status s = ParseName(fields[0]); !s.ok()) return s;
  entry.name = std::string(fields[0]);
  absl::StatusOr<RoleSet> roles = ParseRoles(fields[1]);
  if (!roles.ok()) return roles.status();
  entry.roles = *roles;
  absl::StatusOr<TokenHash> hash = ParseHash(fields[2]);
  if (!hash.ok()) return hash.status();
  entry.hash = *hash;
  return entry;
}

}  // namespace

TokenHash HashToken(absl::string_view token) {
  TokenHash hash{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         hash.data());
  return hash;
}

std::string TokenFileLine(absl::string_view name, absl::string_view roles,
                          absl::string_view token) {
  std::string line = absl::StrCat(name, " ", roles, " ", kHashPrefix);
  for (uint8_t byte : HashToken(token)) {
    absl::StrAppend(&line, absl::Hex(byte, absl::kZeroPad2));
  }
  line.push_back('\n');
  return line;
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokenFile(
    absl::string_view contents, absl::string_view file_name) {
  std::vector<TokenEntry> entries;
  std::map<std::string, int, std::less<>> name_lines;
  std::map<TokenHash, int> hash_lines;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    ++line_number;
    if (size_t hash_mark = line.find('#'); hash_mark != line.npos) {
      line = line.substr(0, hash_mark);
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    auto error = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_number, ": ", what));
    };
    absl::StatusOr<TokenEntry> entry = ParseLine(line);
    if (!entry.ok()) return error(entry.status().message());
    if (auto [it, added] = name_lines.emplace(entry->name, line_number);
        !added) {
      return error(absl::StrCat("the name ",
                                common::QuoteForError(entry->name, 32),
                                " is already used on line ", it->second));
    }
    if (auto [it, added] = hash_lines.emplace(entry->hash, line_number);
        !added) {
      return error(absl::StrCat("the same token as line ", it->second,
                                " (every token needs its own line)"));
    }
    entries.push_back(*std::move(entry));
  }
  if (entries.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": no tokens"));
  }
  return entries;
}

}  // namespace nbo::auth
