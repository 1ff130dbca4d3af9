// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/client_channel.h"

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/interceptor.h"
#include "lib/common/status_macros.h"
#include "services/common/tls_files.h"

namespace nbo::services {
namespace {

constexpr char kAuthorizationKey[] = "authorization";
constexpr char kConnectionKeyArg[] = "nbo.connection_key";
// How often the TLS files are looked at for a change, and how often gRPC
// looks at the staged copy (which only ever changes whole).
constexpr int kCertificateReloadSeconds = 5;
constexpr unsigned int kStagedRefreshSeconds = 1;

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

// The channel's service config: the retry policy of retry_unavailable's
// methods and health checking, as gRPC's JSON (doc/service_config.md).
// INVALID_ARGUMENT for a malformed method name.
absl::StatusOr<std::string> ServiceConfig(const ClientOptions& options) {
  std::vector<std::string> names;
  for (const std::string& method : options.retry_unavailable) {
    const std::vector<std::string> parts = absl::StrSplit(method, '/');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty() ||
        absl::StrContains(method, '"') || absl::StrContains(method, '\\')) {
      return absl::InvalidArgumentError(absl::StrCat(
          "retry_unavailable: '", method, "' is not package.Service/Method"));
    }
    names.push_back(absl::StrCat("{\"service\":\"", parts[0],
                                 "\",\"method\":\"", parts[1], "\"}"));
  }
  std::vector<std::string> fields;
  if (!names.empty()) {
    fields.push_back(absl::StrCat(
        "\"methodConfig\":[{\"name\":[", absl::StrJoin(names, ","),
        "],\"retryPolicy\":{\"maxAttempts\":", kRetryAttempts,
        ",\"initialBackoff\":\"", absl::ToDoubleSeconds(kRetryBackoff),
        "s\",\"maxBackoff\":\"1s\",\"backoffMultiplier\":2,"
        "\"retryableStatusCodes\":[\"UNAVAILABLE\"]}}]"));
    // Retries stop while more than half of 100 tokens are spent (each
    // failure costs 1, each success gives 0.1 back).
    fields.push_back(
        "\"retryThrottling\":{\"maxTokens\":100,\"tokenRatio\":0.1}");
  }
  if (options.health_checked) {
    fields.push_back("\"healthCheckConfig\":{\"serviceName\":\"\"}");
  }
  if (fields.empty()) return std::string();
  return absl::StrCat("{", absl::StrJoin(fields, ","), "}");
}

absl::Status ValidateOptions(const ClientOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("no server address (empty target)");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs both cert_file and key_file");
  }
  if (!options.authority_override.empty() && options.ca_file.empty() &&
      options.cert_file.empty()) {
    // Else a name meant for a certificate check would quietly go out over
    // plaintext, and the token with it.
    return absl::InvalidArgumentError(
        "a TLS server name (authority_override) needs TLS: set ca_file or "
        "cert_file");
  }
  return absl::OkStatus();
}

// Keeps the staged copy of a channel's TLS files alive as long as the
// channel: the channel owns its interceptor factories. Intercepts nothing.
class KeepAliveFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit KeepAliveFactory(std::shared_ptr<StagedTlsFiles> staged)
      : staged_(std::move(staged)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return nullptr;
  }

 private:
  const std::shared_ptr<StagedTlsFiles> staged_;
};

// TLS credentials from the checked, staged copy of the options' files
// (tls_files.h): a wrong or unparsable file fails here, naming it, and a
// renewed certificate reaches long-running clients (the gateway, nbo-trainer
// serve) without a restart. `staged` receives the copy to keep alive.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(
    const ClientOptions& options, std::shared_ptr<StagedTlsFiles>* staged) {
  NBO_ASSIGN_OR_RETURN(
      *staged,
      StagedTlsFiles::Get(
          TlsFileSet{options.cert_file, options.key_file, options.ca_file},
          TlsFileNames(), absl::Seconds(kCertificateReloadSeconds)));
  const TlsFileSet& current = (*staged)->files();
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          current.key_file, current.cert_file, current.ca_file,
          kStagedRefreshSeconds));
  // Without a ca_file, the system's default roots verify the server.
  if (!current.ca_file.empty()) tls.watch_root_certs();
  if (!current.cert_file.empty()) tls.watch_identity_key_cert_pairs();
  tls.set_certificate_verifier(
      std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  return grpc::experimental::TlsCredentials(tls);
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options) {
  NBO_RETURN_IF_ERROR(ValidateOptions(options));
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  std::shared_ptr<StagedTlsFiles> staged;
  if (!options.ca_file.empty() || !options.cert_file.empty()) {
    NBO_ASSIGN_OR_RETURN(credentials, TlsCredentials(options, &staged));
  }
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  if (!options.authority_override.empty()) {
    args.SetSslTargetNameOverride(options.authority_override);
  }
  if (!options.connection_key.empty()) {
    args.SetString(kConnectionKeyArg, options.connection_key);
  }
  NBO_ASSIGN_OR_RETURN(std::string service_config, ServiceConfig(options));
  if (!service_config.empty()) {
    args.SetServiceConfigJSON(service_config);
    // Ours, not one from a DNS TXT record.
    args.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  if (!options.bearer_token.empty()) {
    interceptors.push_back(
        std::make_unique<BearerTokenInterceptorFactory>(options.bearer_token));
  }
  if (staged != nullptr) {
    interceptors.push_back(
        std::make_unique<KeepAliveFactory>(std::move(staged)));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.target, credentials, args, std::move(interceptors));
}

void AddBearerToken(const std::string& token, grpc::ClientContext* context) {
  if (!token.empty())
    context->AddMetadata(kAuthorizationKey, BearerValue(token));
}

}  // namespace nbo::services
