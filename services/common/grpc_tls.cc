// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/grpc_tls.h"

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "lib/common/status_macros.h"

namespace nbo::services {
namespace {

absl::Status ValidateFiles(const TlsFiles& files) {
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate (tls_cert) and its key (tls_key)");
  }
  if (files.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "a client CA (tls_client_ca) needs a server certificate (tls_cert "
        "and tls_key)");
  }
  // The same loader the HTTPS listener serves with: it reads and parses
  // every file and checks that the key belongs to the certificate.
  return LoadTlsContext(files).status();
}

}  // namespace

bool WantsTls(const TlsFiles& files) {
  return !files.cert_file.empty() || !files.key_file.empty() ||
         !files.client_ca_file.empty();
}

const char* TlsDescription(const TlsFiles& files) {
  if (!WantsTls(files)) return "";
  return files.client_ca_file.empty() ? " over TLS" : " over mutual TLS";
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files, absl::Duration reload_interval) {
  if (!WantsTls(files)) return grpc::InsecureServerCredentials();
  NBO_RETURN_IF_ERROR(ValidateFiles(files));
  const int64_t seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(reload_interval, absl::Seconds(1))));
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          files.key_file, files.cert_file, files.client_ca_file,
          static_cast<unsigned int>(seconds));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!files.client_ca_file.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace nbo::services
