// Copyright (c) 2026 The nbo Authors. MIT License.
//
// TLS and mutual TLS on our gRPC listeners (nbo-server, nbo-trainer serve):
// server credentials from PEM files, checked and re-read when they change, so
// that a renewed certificate (a Kubernetes Secret swapped under its mount) is
// served without a restart.
//
//   TlsFiles files{.cert_file = "tls.crt", .key_file = "tls.key",
//                  .client_ca_file = "ca.crt"};
//   NBO_ASSIGN_OR_RETURN(GrpcServerTls tls, MakeServerCredentials(files));
//   builder.AddListeningPort(addr, tls.credentials, &port);
//   // keep tls.staged until the server has shut down

#ifndef NBO_SERVICES_COMMON_GRPC_TLS_H_
#define NBO_SERVICES_COMMON_GRPC_TLS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/server_credentials.h"
#include "services/common/tls_files.h"

namespace nbo::services {

// Whether `files` asks for TLS (any of its paths is set).
bool WantsTls(const TlsFiles& files);

// " over TLS", " over mutual TLS" or "" (plaintext), for start-up lines.
const char* TlsDescription(const TlsFiles& files);

// A gRPC listener's credentials, and the staged copy of its files that
// must outlive the server using them (null for plaintext).
struct GrpcServerTls {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::shared_ptr<StagedTlsFiles> staged;
};

// Plaintext credentials when no path is set; otherwise TLS 1.2+ serving
// cert_file/key_file and, with client_ca_file, requiring and verifying a
// client certificate signed by one of its CAs (mutual TLS).
//
// The files are checked here, so that a mistake stops the binary at start
// with a message naming the flag and file: INVALID_ARGUMENT for cert_file
// without key_file (or the reverse), client_ca_file without a certificate,
// a file that cannot be read or parsed, or a key that does not match the
// certificate. After that the originals are looked at every
// `reload_interval` and a change that checks out is served from then on;
// one that does not keeps the previous files (tls_files.h), so a
// half-written Secret never takes the port down.
absl::StatusOr<GrpcServerTls> MakeServerCredentials(
    const TlsFiles& files, absl::Duration reload_interval = absl::Seconds(5));

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_GRPC_TLS_H_
