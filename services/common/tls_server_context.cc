// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/tls_server_context.h"

#include <openssl/ssl.h>

#include <cstdio>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"

namespace nbo::services {
namespace {

namespace ssl = boost::asio::ssl;

absl::Status CannotLoad(absl::string_view what, const std::string& path,
                        const boost::system::error_code& ec) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot load ", what, " '", path, "': ", ec.message()));
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> LoadTlsContext(
    const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return absl::InternalError("OpenSSL refuses TLS 1.2 as minimum version");
  }
  boost::system::error_code ec;
  context->set_options(
      ssl::context::default_workarounds | ssl::context::single_dh_use, ec);
  if (!ec) context->use_certificate_chain_file(files.cert_file, ec);
  if (ec) return CannotLoad("tls_cert_file", files.cert_file, ec);
  context->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) return CannotLoad("tls_key_file", files.key_file, ec);
  if (SSL_CTX_check_private_key(native) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls_key_file '", files.key_file,
                     "' does not match tls_cert_file '", files.cert_file, "'"));
  }
  if (!files.client_ca_file.empty()) {
    context->load_verify_file(files.client_ca_file, ec);
    if (ec) return CannotLoad("tls_client_ca_file", files.client_ca_file, ec);
    // Tells clients which CAs' certificates to present.
    STACK_OF(X509_NAME)* names =
        SSL_load_client_CA_file(files.client_ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(native, names);
    context->set_verify_mode(
        ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return CannotLoad("tls_client_ca_file", files.client_ca_file, ec);
  }
  return context;
}

absl::StatusOr<std::unique_ptr<TlsServerContext>> TlsServerContext::Create(
    TlsFiles files, absl::Duration reload_interval) {
  // The stamp is taken first: a file changed while loading is loaded again.
  Stamp stamp = StampOf(files);
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<ssl::context> context,
                       LoadTlsContext(files));
  return std::unique_ptr<TlsServerContext>(new TlsServerContext(
      std::move(files), reload_interval, std::move(stamp), std::move(context)));
}

TlsServerContext::TlsServerContext(TlsFiles files,
                                   absl::Duration reload_interval, Stamp stamp,
                                   std::shared_ptr<ssl::context> context)
    : files_(std::move(files)),
      reload_interval_(reload_interval),
      stamp_(std::move(stamp)),
      context_(std::move(context)) {}

TlsServerContext::Stamp TlsServerContext::StampOf(const TlsFiles& files) {
  return {TlsFilesStamp(ServerFileSet(files))};
}

std::shared_ptr<ssl::context> TlsServerContext::Current(absl::Time now) {
  if (now - checked_ < reload_interval_) return context_;
  checked_ = now;
  Stamp stamp = StampOf(files_);
  if (stamp == stamp_) return context_;
  stamp_ = std::move(stamp);
  absl::StatusOr<std::shared_ptr<ssl::context>> reloaded =
      LoadTlsContext(files_);
  if (!reloaded.ok()) {
    // The message names files and OpenSSL's reason, never their contents.
    std::fprintf(stderr,
                 "nbo: TLS files changed but do not load; keeping the "
                 "previous certificate: %s\n",
                 std::string(reloaded.status().message()).c_str());
    return context_;
  }
  context_ = *std::move(reloaded);
  return context_;
}

}  // namespace nbo::services
