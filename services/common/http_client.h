// Copyright (c) 2026 The nbo Authors. MIT License.
//
// One-shot HTTP/1.1 requests over Boost.Beast, plaintext or (mutual) TLS,
// with one deadline over the whole exchange and a cap on the body: how the
// bench and tests scrape a server's /metrics and call the gateway, without a
// hand-written HTTP client each.

#ifndef NBO_SERVICES_COMMON_HTTP_CLIENT_H_
#define NBO_SERVICES_COMMON_HTTP_CLIENT_H_

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

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

  // TLS (1.2 or later) when ca_file or cert_file is set: the server's
  // certificate must be signed by a CA in the PEM `ca_file` (the system's
  // roots if empty) and name the address's host ("localhost",
  // "127.0.0.1", ...). Default: empty (plaintext).
  std::string ca_file;
  // A PEM client certificate and its key, for mutual TLS; both or neither.
  // Default: empty.
  std::string cert_file;
  std::string key_file;
};

struct HttpCallOptions : HttpGetOptions {
  // Sent as is; a non-empty body gets Content-Type application/json unless
  // `headers` names one. Default: none.
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// An answer, whatever its status.
struct HttpAnswer {
  int status = 0;
  // Field names lower-cased; the last value of a repeated field.
  std::map<std::string, std::string> headers;
  // Chunked bodies joined.
  std::string body;

  // The value of field `name` (lower case), or "".
  std::string Header(const std::string& name) const;
};

// Splits "host:port" or "[v6]:port" into host and port; an empty host is
// "localhost". INVALID_ARGUMENT when there is no port.
absl::StatusOr<std::pair<std::string, std::string>> SplitHostPort(
    const std::string& address);

// GETs http://<address><target> (https:// with TLS options; target e.g.
// "/metrics") and returns the body. INVALID_ARGUMENT for a bad address or
// TLS files that do not load; UNAVAILABLE when the name does not resolve,
// nothing accepts the connection, the TLS handshake fails, or the exchange
// breaks or exceeds max_body_bytes; DEADLINE_EXCEEDED past the timeout;
// INTERNAL when the answer's status is not 200 (the message carries it).
// Thread-safe: each call has its own event loop.
absl::StatusOr<std::string> HttpGet(const std::string& address,
                                    const std::string& target,
                                    const HttpGetOptions& options = {});

// Sends `method target` to `address` and returns the answer, whatever its
// status. The codes of HttpGet, except that any status is OK.
absl::StatusOr<HttpAnswer> HttpCall(const std::string& address,
                                    const std::string& method,
                                    const std::string& target,
                                    const HttpCallOptions& options = {});

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_HTTP_CLIENT_H_
