// Copyright (c) 2026 The nbo Authors. MIT License.
//
// MakeChannel and FromGrpcStatus against a real in-process gRPC server on a
// loopback port: plaintext and TLS (self-signed), the bearer token on every
// call, and the option errors.

#include "services/common/client_channel.h"

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "services/common/grpc_status.h"

namespace nbo::services {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A self-signed certificate for "nbo.test" (CA:TRUE, so it is its own root),
// valid until 2126, and its key. Test data only.
constexpr char kCertPem[] = R"pem(-----BEGIN CERTIFICATE-----
MIIBkjCCATigAwIBAgIUbKqs9gbkilxjm12rcqKvnIVG8jswCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwIbmJvLnRlc3QwIBcNMjYxMjA0MTQxNzI5WhgPMjEyNjExMTAx
NDE3MjlaMBMxETAPBgNVBAMMCG5iby50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAE7BVxdQkO6xW2DMTMvSGvppRVRNq1DSjeoVDpMvCG/DIRvvPz7XV9U6gp
Rzuu3hiJ4AEp9a0X7Uh/CRQCvZ6ZgqNoMGYwHQYDVR0OBBYEFITzHiDUKx+Tj71t
6D3Dr3tMwF7FMB8GA1UdIwQYMBaAFITzHiDUKx+Tj71t6D3Dr3tMwF7FMBMGA1Ud
EQQMMAqCCG5iby50ZXN0MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAw
RQIhAL4YxWJsIJq6k/aaAa6+R+AJ5kZKOkqLtDqgmORG5i21AiACN5jBfRsw3s4P
Z/xbXA/bz6VO+YUIUXQCNcB8K/ZTcA==
-----END CERTIFICATE-----
)pem";
constexpr char kKeyPem[] = R"pem(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg20zBNEnstZVrR8U0
jZZ3I6gkgRYe/f1B8tJPo3zZbPqhRANCAATsFXF1CQ7rFbYMxMy9Ia+mlFVE2rUN
KN6hUOky8Ib8MhG+8/PtdX1TqClHO67eGIngASn1rRftSH8JFAK9npmC
-----END PRIVATE KEY-----
)pem";
constexpr char kCertName[] = "nbo.test";

// Answers Health/Check with SERVING and records, per call, the authorization
// header (empty when there was none) and the peer address (one per
// connection). Thread-safe.
class RecordingHealth final : public Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* context,
                     const HealthCheckRequest* /*request*/,
                     HealthCheckResponse* response) override {
    std::string value;
    const auto& metadata = context->client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      value.assign(it->second.data(), it->second.size());
    }
    absl::MutexLock lock(&mu_);
    headers_.push_back(std::move(value));
    peers_.push_back(context->peer());
    response->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }

  std::vector<std::string> headers() const {
    absl::MutexLock lock(&mu_);
    return headers_;
  }

  std::vector<std::string> peers() const {
    absl::MutexLock lock(&mu_);
    return peers_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> headers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> peers_ ABSL_GUARDED_BY(mu_);
};

// RecordingHealth on 127.0.0.1, on a port the kernel picks.
class TestServer {
 public:
  explicit TestServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~TestServer() { server_->Shutdown(); }

  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }
  int port() const { return port_; }
  const RecordingHealth& service() const { return service_; }

 private:
  RecordingHealth service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

std::shared_ptr<grpc::ServerCredentials> TlsServerCredentials(
    bool require_client_certificate) {
  grpc::SslServerCredentialsOptions options(
      require_client_certificate
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = kCertPem;
  options.pem_key_cert_pairs.push_back({kKeyPem, kCertPem});
  return grpc::SslServerCredentials(options);
}

// One Health/Check over `channel`, as an absl::Status.
absl::Status Check(const std::shared_ptr<grpc::Channel>& channel,
                   const std::string& per_call_token = "") {
  auto stub = Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  AddBearerToken(per_call_token, &context);
  HealthCheckResponse response;
  return FromGrpcStatus(stub->Check(&context, HealthCheckRequest(), &response));
}

std::string WriteFile(const TempDir& dir, const std::string& name,
                      const std::string& contents) {
  const std::string path = dir.Sub(name);
  std::ofstream(path) << contents;
  return path;
}

// Options for a TLS channel to `server` that trusts kCertPem (written into
// `dir`) and checks the certificate's name.
ClientOptions TlsOptions(const TestServer& server, const TempDir& dir) {
  ClientOptions options;
  options.target = server.target();
  options.ca_file = WriteFile(dir, "ca.pem", kCertPem);
  options.authority_override = kCertName;
  return options;
}

TEST(FromGrpcStatusTest, KeepsCodeAndMessageForEveryCode) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status = FromGrpcStatus(
        grpc::Status(static_cast<grpc::StatusCode>(code), "why"));
    EXPECT_EQ(static_cast<int>(status.code()), code);
    EXPECT_EQ(status.message(), "why");
  }
  EXPECT_THAT(FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "v7")),
              StatusIs(absl::StatusCode::kNotFound, "v7"));
  EXPECT_THAT(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "")),
      StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(FromGrpcStatusTest, OkIsOk) {
  EXPECT_THAT(FromGrpcStatus(grpc::Status::OK), IsOk());
}

TEST(FromGrpcStatusTest, RoundTripsThroughToGrpcStatus) {
  const absl::Status original = absl::FailedPreconditionError("rank 9 != 8");
  EXPECT_EQ(FromGrpcStatus(ToGrpcStatus(original)), original);
}

TEST(MakeChannelTest, EmptyTargetIsInvalidArgument) {
  EXPECT_THAT(MakeChannel(ClientOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MakeChannelTest, CertificateWithoutKeyIsInvalidArgument) {
  TempDir dir;
  ClientOptions options;
  options.target = "127.0.0.1:1";
  options.cert_file = WriteFile(dir, "cert.pem", kCertPem);
  EXPECT_THAT(MakeChannel(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.cert_file.clear();
  options.key_file = WriteFile(dir, "key.pem", kKeyPem);
  EXPECT_THAT(MakeChannel(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MakeChannelTest, UnreadableFileIsInvalidArgumentNamingIt) {
  TempDir dir;
  ClientOptions options;
  options.target = "127.0.0.1:1";
  options.ca_file = dir.Sub("missing-ca.pem");
  EXPECT_THAT(MakeChannel(options), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("missing-ca.pem")));
  options.ca_file = WriteFile(dir, "ca.pem", kCertPem);
  options.cert_file = WriteFile(dir, "cert.pem", kCertPem);
  options.key_file = dir.Sub("missing-key.pem");
  EXPECT_THAT(MakeChannel(options), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("missing-key.pem")));
}

TEST(MakeChannelTest, UnparsableFilesAreInvalidArgumentNamingThem) {
  TempDir dir;
  ClientOptions options;
  options.target = "127.0.0.1:1";
  options.ca_file = WriteFile(dir, "ca.pem", "not a certificate\n");
  EXPECT_THAT(MakeChannel(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot load ca_file '" + options.ca_file)));
  options.ca_file = WriteFile(dir, "good-ca.pem", kCertPem);
  options.cert_file = WriteFile(dir, "cert.pem", kCertPem);
  options.key_file = WriteFile(dir, "key.pem", "");
  EXPECT_THAT(MakeChannel(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot load key_file '" + options.key_file)));
}

TEST(MakeChannelTest, ServerNameWithoutTlsIsInvalidArgument) {
  ClientOptions options;
  options.target = "127.0.0.1:1";
  options.authority_override = kCertName;
  EXPECT_THAT(MakeChannel(options), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("needs TLS")));
}

TEST(MakeChannelTest, PlaintextChannelSendsTheBearerTokenOnEveryCall) {
  TestServer server(grpc::InsecureServerCredentials());
  ClientOptions options;
  options.target = server.target();
  options.bearer_token = "s3cret";
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       MakeChannel(options));
  EXPECT_THAT(Check(channel), IsOk());
  EXPECT_THAT(Check(channel), IsOk());
  EXPECT_THAT(server.service().headers(),
              ElementsAre("Bearer s3cret", "Bearer s3cret"));
}

TEST(MakeChannelTest, NoTokenMeansNoAuthorizationHeader) {
  TestServer server(grpc::InsecureServerCredentials());
  ClientOptions options;
  options.target = server.target();
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       MakeChannel(options));
  EXPECT_THAT(Check(channel), IsOk());
  EXPECT_THAT(Check(channel, "per-call"), IsOk());
  EXPECT_THAT(server.service().headers(), ElementsAre("", "Bearer per-call"));
}

TEST(MakeChannelTest, DnsSchemeTargetIsServed) {
  TestServer server(grpc::InsecureServerCredentials());
  ClientOptions options;
  options.target = absl::StrCat("dns:///localhost:", server.port());
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       MakeChannel(options));
  EXPECT_THAT(Check(channel), IsOk());
}

TEST(MakeChannelTest, DistinctConnectionKeysGetAConnectionEach) {
  TestServer server(grpc::InsecureServerCredentials());
  ClientOptions options;
  options.target = server.target();
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> shared_a,
                       MakeChannel(options));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> shared_b,
                       MakeChannel(options));
  options.connection_key = "1";
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> own,
                       MakeChannel(options));
  EXPECT_THAT(Check(shared_a), IsOk());
  EXPECT_THAT(Check(shared_b), IsOk());
  EXPECT_THAT(Check(own), IsOk());
  const std::vector<std::string> peers = server.service().peers();
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0], peers[1]);
  EXPECT_NE(peers[0], peers[2]);
}

TEST(MakeChannelTest, TlsChannelVerifiesTheServerAndSendsTheToken) {
  TestServer server(TlsServerCredentials(/*require_client_certificate=*/false));
  TempDir dir;
  ClientOptions options = TlsOptions(server, dir);
  options.bearer_token = "tls-token";
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       MakeChannel(options));
  EXPECT_THAT(Check(channel), IsOk());
  EXPECT_THAT(server.service().headers(), ElementsAre("Bearer tls-token"));
}

TEST(MakeChannelTest, TlsChannelRejectsAServerItCannotVerify) {
  TestServer server(TlsServerCredentials(/*require_client_certificate=*/false));
  TempDir dir;
  ClientOptions options = TlsOptions(server, dir);
  options.authority_override = "someone-else.test";
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                       MakeChannel(options));
  EXPECT_THAT(Check(channel), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(server.service().headers(), ::testing::IsEmpty());
}

TEST(MakeChannelTest, MutualTlsPresentsTheClientCertificate) {
  TestServer server(TlsServerCredentials(/*require_client_certificate=*/true));
  TempDir dir;
  ClientOptions options = TlsOptions(server, dir);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> without_certificate,
                       MakeChannel(options));
  EXPECT_THAT(Check(without_certificate),
              StatusIs(absl::StatusCode::kUnavailable));

  options.cert_file = WriteFile(dir, "cert.pem", kCertPem);
  options.key_file = WriteFile(dir, "key.pem", kKeyPem);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> with_certificate,
                       MakeChannel(options));
  EXPECT_THAT(Check(with_certificate), IsOk());
}

// Answers Health/Check UNAVAILABLE `failures` times, then SERVING; counts
// the calls. Thread-safe.
class FlakyHealth final : public Health::Service {
 public:
  // With `final_answers`, each failure says it would be the same elsewhere
  // (DoNotRetry).
  explicit FlakyHealth(int failures, bool final_answers = false)
      : failures_(failures), final_answers_(final_answers) {}

  grpc::Status Check(grpc::ServerContext* context,
                     const HealthCheckRequest* /*request*/,
                     HealthCheckResponse* response) override {
    absl::MutexLock lock(&mu_);
    if (++calls_ <= failures_) {
      if (final_answers_) DoNotRetry(context);
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "not yet");
    }
    response->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }

  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  const int failures_;
  const bool final_answers_;
  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// `service` on 127.0.0.1, on a port the kernel picks (`port`). Without a
// service of its own, a server with only gRPC's default health service
// (callback API): it answers every other method UNIMPLEMENTED.
std::unique_ptr<grpc::Server> Serve(grpc::Service* service, int* port) {
  static grpc::CallbackGenericService* const unimplemented =
      new grpc::CallbackGenericService();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           port);
  if (service != nullptr) {
    builder.RegisterService(service);
  } else {
    builder.RegisterCallbackGenericService(unimplemented);
  }
  return builder.BuildAndStart();
}

TEST(MakeChannelTest, RetriesUnavailableForTheNamedMethodsOnly) {
  FlakyHealth flaky(kRetryAttempts - 1);
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(&flaky, &port);
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", port);
  options.retry_unavailable = {"grpc.health.v1.Health/Check"};
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> retrying,
                       MakeChannel(options));
  EXPECT_THAT(Check(retrying), IsOk());
  EXPECT_EQ(flaky.calls(), kRetryAttempts);

  FlakyHealth once(1);
  int other_port = 0;
  std::unique_ptr<grpc::Server> other = Serve(&once, &other_port);
  options.target = absl::StrCat("127.0.0.1:", other_port);
  options.retry_unavailable = {"grpc.health.v1.Health/Watch"};
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> plain,
                       MakeChannel(options));
  EXPECT_THAT(Check(plain), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(once.calls(), 1);
  server->Shutdown();
  other->Shutdown();
}

// An UNAVAILABLE the server marks as the same on every replica is not
// retried: one attempt, and the retry throttle is left for replicas that
// go away.
TEST(MakeChannelTest, AnswersMarkedDoNotRetryAreNotRetried) {
  FlakyHealth final_answer(kRetryAttempts, /*final_answers=*/true);
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(&final_answer, &port);
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", port);
  options.retry_unavailable = {"grpc.health.v1.Health/Check"};
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> retrying,
                       MakeChannel(options));
  EXPECT_THAT(Check(retrying), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(final_answer.calls(), 1);
  server->Shutdown();
}

TEST(MakeChannelTest, MalformedRetryMethodIsInvalidArgument) {
  ClientOptions options;
  options.target = "127.0.0.1:1";
  for (const char* bad :
       {"Check", "grpc.health.v1.Health/", "/Check", "a/b/c", "a\"b/c"}) {
    options.retry_unavailable = {bad};
    EXPECT_THAT(MakeChannel(options).status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("retry_unavailable")))
        << bad;
  }
}

TEST(MakeChannelTest, HealthCheckedChannelUsesOnlyServingServers) {
  // gRPC's own health service, which implements Watch.
  grpc::EnableDefaultHealthCheckService(true);
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(nullptr, &port);
  grpc::EnableDefaultHealthCheckService(false);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(server->GetHealthCheckService(), nullptr);
  server->GetHealthCheckService()->SetServingStatus(false);
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", port);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> plain,
                       MakeChannel(options));
  options.health_checked = true;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> checked,
                       MakeChannel(options));
  // The call itself reports NOT_SERVING but succeeds on the plain channel;
  // the health-checked one has no server to send it to.
  EXPECT_THAT(Check(plain), IsOk());
  EXPECT_THAT(Check(checked), StatusIs(absl::StatusCode::kUnavailable));
  server->GetHealthCheckService()->SetServingStatus(true);
  auto stub = Health::NewStub(checked);
  grpc::ClientContext context;
  context.set_wait_for_ready(true);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  HealthCheckResponse response;
  EXPECT_TRUE(stub->Check(&context, HealthCheckRequest(), &response).ok());
  server->Shutdown();
}

}  // namespace
}  // namespace nbo::services
