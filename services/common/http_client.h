// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A one-shot HTTP/1.1 GET over Boost.Beast, with one deadline over the whole
// exchange and a cap on the body: how the bench and tests scrape a
// server's /metrics without a hand-written HTTP client each.

#ifndef NBO_SERVICES_COMMON_HTTP_CLIENT_H_
#define NBO_SERVICES_COMMON_HTTP_CLIENT_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nbo::services {

struct HttpGetOptions {
  // Bound on connecting, sending and reading the whole answer.
  // Default: 5 s.
  absl::Duration timeout = absl::Seconds(5);

  // Largest body accepted.
  // Default: 64 MiB.
  size_t max_body_bytes = size_t{64} << 20;
};

// Splits "host:port" or "[v6]:port" into host and port; an empty host is
// "localhost". INVALID_ARGUMENT when there is no port.
absl::StatusOr<std::pair<std::string, std::string>> SplitHostPort(
    const std::string& address);

// GETs http://<address><target> (target e.g. "/metrics") and returns the
// body. INVALID_ARGUMENT for a bad address; UNAVAILABLE when the name does
// not resolve, nothing accepts the connection, or the exchange breaks or
// exceeds max_body_bytes; DEADLINE_EXCEEDED past the timeout; INTERNAL when
// the answer's status is not 200 (the message carries it).
// Thread-safe: each call has its own event loop.
absl::StatusOr<std::string> HttpGet(const std::string& address,
                                    const std::string& target,
                                    const HttpGetOptions& options = {});

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_HTTP_CLIENT_H_
