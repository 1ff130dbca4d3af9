// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/client_channel.h"

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/interceptor.h"
#include "lib/common/status_macros.h"

namespace nbo::services {
namespace {

constexpr char kAuthorizationKey[] = "authorization";
constexpr char kConnectionKeyArg[] = "nbo.connection_key";
// How often TLS files are looked at again.
constexpr unsigned int kCertificateReloadSeconds = 5;

std::string BearerValue(const std::string& token) {
  return absl::StrCat("Bearer ", token);
}

// Adds the authorization header to the initial metadata of every call.
class BearerTokenInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(const std::string* value) : value_(value) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kAuthorizationKey, *value_);
    }
    methods->Proceed();
  }

 private:
  const std::string* const value_;  // Owned by the factory.
};

// Owned by the channel, which outlives its calls and their interceptors.
class BearerTokenInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenInterceptorFactory(const std::string& token)
      : value_(BearerValue(token)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new BearerTokenInterceptor(&value_);
  }

 private:
  const std::string value_;
};

// The whole of `path`. INVALID_ARGUMENT naming `what` and the file when it
// cannot be read or is empty.
absl::StatusOr<std::string> ReadPemFile(const std::string& what,
                                        const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " '", path, "'"));
  }
  std::string contents((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  if (in.bad() || contents.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read ", what, " '", path, "' (empty or unreadable)"));
  }
  return contents;
}

absl::Status ValidateOptions(const ClientOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("no server address (empty target)");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs both cert_file and key_file");
  }
  return absl::OkStatus();
}

// Plaintext, or TLS with the options' roots and client certificate. The
// files are read once here so that a wrong path fails at start with its
// name; gRPC's file watcher then re-reads them, so a long-running client
// (the gateway, nbo-trainer serve) picks up a renewed certificate.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const ClientOptions& options) {
  if (options.ca_file.empty() && options.cert_file.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  if (!options.ca_file.empty()) {
    NBO_RETURN_IF_ERROR(ReadPemFile("ca_file", options.ca_file).status());
  }
  if (!options.cert_file.empty()) {
    NBO_RETURN_IF_ERROR(ReadPemFile("cert_file", options.cert_file).status());
    NBO_RETURN_IF_ERROR(ReadPemFile("key_file", options.key_file).status());
  }
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          options.key_file, options.cert_file, options.ca_file,
          kCertificateReloadSeconds));
  // Without a ca_file, the system's default roots verify the server.
  if (!options.ca_file.empty()) tls.watch_root_certs();
  if (!options.cert_file.empty()) tls.watch_identity_key_cert_pairs();
  tls.set_certificate_verifier(
      std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  return grpc::experimental::TlsCredentials(tls);
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options) {
  NBO_RETURN_IF_ERROR(ValidateOptions(options));
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                       MakeCredentials(options));
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  if (!options.authority_override.empty()) {
    args.SetSslTargetNameOverride(options.authority_override);
  }
  if (!options.connection_key.empty()) {
    args.SetString(kConnectionKeyArg, options.connection_key);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  if (!options.bearer_token.empty()) {
    interceptors.push_back(
        std::make_unique<BearerTokenInterceptorFactory>(options.bearer_token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.target, credentials, args, std::move(interceptors));
}

void AddBearerToken(const std::string& token, grpc::ClientContext* context) {
  if (!token.empty())
    context->AddMetadata(kAuthorizationKey, BearerValue(token));
}

}  // namespace nbo::services
