// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/grpc_tls.h"

#include <utility>

#include "absl/status/status.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "lib/common/status_macros.h"

namespace nbo::services {
namespace {

// How often gRPC looks at the staged copy; it only ever changes whole.
constexpr unsigned int kStagedRefreshSeconds = 1;

}  // namespace

bool WantsTls(const TlsFiles& files) {
  return !files.cert_file.empty() || !files.key_file.empty() ||
         !files.client_ca_file.empty();
}

const char* TlsDescription(const TlsFiles& files) {
  if (!WantsTls(files)) return "";
  return files.client_ca_file.empty() ? " over TLS" : " over mutual TLS";
}

absl::StatusOr<GrpcServerTls> MakeServerCredentials(
    const TlsFiles& files, absl::Duration reload_interval) {
  if (!WantsTls(files)) {
    return GrpcServerTls{grpc::InsecureServerCredentials(), nullptr};
  }
  if (files.cert_file.empty() && files.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client CA (tls_client_ca) needs a server certificate (tls_cert "
        "and tls_key)");
  }
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<StagedTlsFiles> staged,
                       StagedTlsFiles::Get(ServerFileSet(files),
                                           kServerTlsNames, reload_interval));
  const TlsFileSet& current = staged->files();
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          current.key_file, current.cert_file, current.ca_file,
          kStagedRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!current.ca_file.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return GrpcServerTls{grpc::experimental::TlsServerCredentials(options),
                       std::move(staged)};
}

}  // namespace nbo::services
