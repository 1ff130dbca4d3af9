// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/call_metadata.h"

#include <algorithm>
#include <cstdint>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/quote.h"

namespace nbo::gateway {
namespace {

using ::nbo::common::QuoteForError;

constexpr absl::string_view kMetadataPrefix = "grpc-metadata-";

bool IsRequestIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

// gRPC metadata keys: lower-case [a-z0-9._-]; not reserved "grpc-" ones.
bool IsForwardableKey(absl::string_view key) {
  if (key.empty() || absl::StartsWith(key, "grpc-")) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.' ||
           c == '_' || c == '-';
  });
}

// Printable ASCII, as gRPC requires of non-binary metadata values.
bool IsForwardableValue(absl::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace

std::string RequestIdFor(const services::HttpRequest& request) {
  const absl::string_view given = request.Header("x-request-id");
  if (!given.empty() && given.size() <= 128 &&
      std::all_of(given.begin(), given.end(), IsRequestIdChar)) {
    return std::string(given);
  }
  thread_local std::mt19937_64 random{std::random_device{}()};
  return absl::StrFormat("%016x%016x", random(), random());
}

absl::StatusOr<absl::Duration> ParseGrpcTimeout(absl::string_view value) {
  const auto invalid = [value] {
    return absl::InvalidArgumentError(
        absl::StrCat("Grpc-Timeout ", QuoteForError(value),
                     " is not 1 to 8 digits and a unit (H, M, S, m, u, n)"));
  };
  if (value.size() < 2 || value.size() > 9) return invalid();
  int64_t amount = 0;
  const absl::string_view digits = value.substr(0, value.size() - 1);
  if (!std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(digits, &amount)) {
    return invalid();
  }
  switch (value.back()) {
    case 'H':
      return absl::Hours(amount);
    case 'M':
      return absl::Minutes(amount);
    case 'S':
      return absl::Seconds(amount);
    case 'm':
      return absl::Milliseconds(amount);
    case 'u':
      return absl::Microseconds(amount);
    case 'n':
      return absl::Nanoseconds(amount);
    default:
      return invalid();
  }
}

absl::StatusOr<CallOptions> CallOptionsFor(const services::HttpRequest& request,
                                           const std::string& request_id,
                                           absl::Time now,
                                           absl::Duration default_deadline,
                                           absl::Duration max_deadline) {
  CallOptions options;
  absl::Duration timeout = default_deadline;
  if (absl::string_view t = request.Header("grpc-timeout"); !t.empty()) {
    absl::StatusOr<absl::Duration> parsed = ParseGrpcTimeout(t);
    if (!parsed.ok()) return parsed.status();
    timeout = std::min(*parsed, max_deadline);
  }
  options.deadline = now + timeout;
  if (absl::string_view auth = request.Header("authorization"); !auth.empty()) {
    options.metadata.emplace_back("authorization", std::string(auth));
  }
  options.metadata.emplace_back("x-request-id", request_id);
  for (const auto& [name, value] : request.headers) {
    if (name.size() <= kMetadataPrefix.size() ||
        !absl::StartsWithIgnoreCase(name, kMetadataPrefix)) {
      continue;
    }
    const std::string key =
        absl::AsciiStrToLower(name.substr(kMetadataPrefix.size()));
    if (!IsForwardableKey(key) || !IsForwardableValue(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header ", QuoteForError(name), " cannot be sent as gRPC metadata"));
    }
    options.metadata.emplace_back(key, value);
  }
  return options;
}

}  // namespace nbo::gateway
