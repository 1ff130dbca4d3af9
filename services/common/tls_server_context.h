// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The TLS side of HttpServer: an OpenSSL server context built from PEM
// files (certificate chain, private key and, for mutual TLS, the CA that
// signs client certificates), rebuilt when the files change so that a
// renewed certificate is served without a restart. Internal to
// http_server; Asio's ssl::context is the point here, so it is in the
// interface.

#ifndef NBO_SERVICES_COMMON_TLS_SERVER_CONTEXT_H_
#define NBO_SERVICES_COMMON_TLS_SERVER_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/ssl/context.hpp"
#include "services/common/tls_files.h"

namespace nbo::services {

// The current server context and the files it came from. Contexts are
// handed out as shared_ptr, so a connection keeps the one it started with
// across a reload.
//
// Not thread-safe: the owner calls it from one thread (HttpServer's
// acceptor).
class TlsServerContext {
 public:
  // Loads `files` (TLS 1.2 and later only). INVALID_ARGUMENT naming the
  // file that cannot be read or parsed, or saying that the key does not
  // match the certificate.
  static absl::StatusOr<std::unique_ptr<TlsServerContext>> Create(
      TlsFiles files, absl::Duration reload_interval);

  // The context for a new connection. At most once per reload interval it
  // looks at the files' modification times, sizes and inodes; if any
  // changed it loads them again. A pair that fails to load keeps the
  // previous context and says why on stderr (never with key material); the
  // same files are not tried again until they change again.
  std::shared_ptr<boost::asio::ssl::context> Current(absl::Time now);

 private:
  // What identifies one version of the files.
  struct Stamp {
    std::string value;
    bool operator==(const Stamp&) const = default;
  };

  TlsServerContext(TlsFiles files, absl::Duration reload_interval, Stamp stamp,
                   std::shared_ptr<boost::asio::ssl::context> context);

  static Stamp StampOf(const TlsFiles& files);

  const TlsFiles files_;
  const absl::Duration reload_interval_;
  absl::Time checked_ = absl::InfinitePast();
  Stamp stamp_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

// A server context for `files`; the error codes of TlsServerContext::Create.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> LoadTlsContext(
    const TlsFiles& files);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_TLS_SERVER_CONTEXT_H_
