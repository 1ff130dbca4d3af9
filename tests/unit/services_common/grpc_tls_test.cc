// Copyright (c) 2026 The nbo Authors. MIT License.
//
// MakeServerCredentials with certificates made at test time (openssl): a
// real gRPC server on loopback answers health checks over TLS and mutual
// TLS, refuses peers it cannot verify, serves a renewed certificate without
// a restart, and refuses bad files at start with a message naming them.

#include "services/common/grpc_tls.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_pki.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"

namespace nbo::services {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::nbo::testing::TestPki;
using ::testing::HasSubstr;

// Answers every Health/Check with SERVING.
class ServingHealth final : public Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* /*context*/,
                     const HealthCheckRequest* /*request*/,
                     HealthCheckResponse* response) override {
    response->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

// ServingHealth on 127.0.0.1, on a port the kernel picks.
class HealthServer {
 public:
  explicit HealthServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~HealthServer() { server_->Shutdown(); }
  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  ServingHealth service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// One Health/Check on a fresh connection (its own connection_key) to
// `options`, as an absl::Status.
absl::Status Check(ClientOptions options) {
  static int connections = 0;
  options.connection_key = absl::StrCat("check-", ++connections);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  if (!channel.ok()) return channel.status();
  auto stub = Health::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  HealthCheckResponse response;
  return FromGrpcStatus(stub->Check(&context, HealthCheckRequest(), &response));
}

class GrpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(pki_, nbo::testing::MakeTestPki(dir_.Sub("pki")));
  }

  TlsFiles ServerFiles(bool mutual) const {
    return TlsFiles{pki_.server_cert, pki_.server_key,
                    mutual ? pki_.ca_cert : ""};
  }

  // A client of `server` that trusts the test CA and checks "localhost".
  ClientOptions Client(const HealthServer& server) const {
    ClientOptions options;
    options.target = server.target();
    options.ca_file = pki_.ca_cert;
    options.authority_override = "localhost";
    return options;
  }

  TempDir dir_;
  TestPki pki_;
};

TEST_F(GrpcTlsTest, NoFilesMeansPlaintext) {
  EXPECT_FALSE(WantsTls(TlsFiles{}));
  EXPECT_STREQ(TlsDescription(TlsFiles{}), "");
  ASSERT_OK_AND_ASSIGN(auto credentials, MakeServerCredentials(TlsFiles{}));
  EXPECT_EQ(credentials.staged, nullptr);
  HealthServer server(credentials.credentials);
  ClientOptions plaintext;
  plaintext.target = server.target();
  EXPECT_THAT(Check(plaintext), IsOk());
}

TEST_F(GrpcTlsTest, TlsServesVerifiedClientsAndRefusesPlaintext) {
  EXPECT_STREQ(TlsDescription(ServerFiles(false)), " over TLS");
  ASSERT_OK_AND_ASSIGN(auto credentials,
                       MakeServerCredentials(ServerFiles(false)));
  HealthServer server(credentials.credentials);
  EXPECT_THAT(Check(Client(server)), IsOk());

  ClientOptions plaintext;
  plaintext.target = server.target();
  EXPECT_THAT(Check(plaintext), StatusIs(absl::StatusCode::kUnavailable));

  ClientOptions wrong_name = Client(server);
  wrong_name.authority_override = "nbo-server.example";
  EXPECT_THAT(Check(wrong_name), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(GrpcTlsTest, MutualTlsNeedsAClientCertificateFromTheCa) {
  EXPECT_STREQ(TlsDescription(ServerFiles(true)), " over mutual TLS");
  ASSERT_OK_AND_ASSIGN(auto credentials,
                       MakeServerCredentials(ServerFiles(true)));
  HealthServer server(credentials.credentials);
  ClientOptions options = Client(server);
  EXPECT_THAT(Check(options), StatusIs(absl::StatusCode::kUnavailable));

  // A certificate from another CA is refused too.
  ASSERT_OK_AND_ASSIGN(TestPki other,
                       nbo::testing::MakeTestPki(dir_.Sub("other")));
  options.cert_file = other.client_cert;
  options.key_file = other.client_key;
  EXPECT_THAT(Check(options), StatusIs(absl::StatusCode::kUnavailable));

  options.cert_file = pki_.client_cert;
  options.key_file = pki_.client_key;
  EXPECT_THAT(Check(options), IsOk());
}

// A Kubernetes Secret volume: the files are symlinks into ..data, itself a
// symlink to a timestamped directory that an update replaces whole.
class SecretVolume {
 public:
  explicit SecretVolume(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    for (const char* name : {"tls.crt", "tls.key", "ca.crt"}) {
      std::filesystem::create_symlink(std::string("..data/") + name,
                                      dir_ + "/" + name);
    }
  }

  // Puts the pair and CA in a new directory and swaps ..data to it.
  void Update(const TestPki& pki) {
    const std::string version = absl::StrCat("..v", ++versions_);
    std::filesystem::create_directory(dir_ + "/" + version);
    std::filesystem::copy_file(pki.server_cert,
                               dir_ + "/" + version + "/tls.crt");
    std::filesystem::copy_file(pki.server_key,
                               dir_ + "/" + version + "/tls.key");
    std::filesystem::copy_file(pki.ca_cert, dir_ + "/" + version + "/ca.crt");
    std::filesystem::create_symlink(version, dir_ + "/..data_tmp");
    std::filesystem::rename(dir_ + "/..data_tmp", dir_ + "/..data");
  }

  TlsFiles Files() const {
    return TlsFiles{dir_ + "/tls.crt", dir_ + "/tls.key", ""};
  }

 private:
  const std::string dir_;
  int versions_ = 0;
};

// Checks with `client` until it is OK or 15 s have passed; the last status.
absl::Status CheckUntilOk(const ClientOptions& client) {
  absl::Status status = Check(client);
  for (const absl::Time deadline = absl::Now() + absl::Seconds(15);
       !status.ok() && absl::Now() < deadline;) {
    absl::SleepFor(absl::Milliseconds(100));
    status = Check(client);
  }
  return status;
}

// A Secret update (certificate and key from a new CA) is served without a
// restart, and no connection fails while it happens.
TEST_F(GrpcTlsTest, ServesARenewedSecretWithoutARestart) {
  SecretVolume volume(dir_.Sub("secret"));
  volume.Update(pki_);
  ASSERT_OK_AND_ASSIGN(GrpcServerTls tls,
                       MakeServerCredentials(volume.Files(), absl::Seconds(1)));
  HealthServer server(tls.credentials);
  ClientOptions old_ca = Client(server);
  ASSERT_THAT(Check(old_ca), IsOk());

  ASSERT_OK_AND_ASSIGN(TestPki renewed,
                       nbo::testing::MakeTestPki(dir_.Sub("renewed")));
  volume.Update(renewed);
  ClientOptions new_ca = old_ca;
  new_ca.ca_file = renewed.ca_cert;
  // Until the new pair is served the old one is: every connection is
  // served by one of them.
  int failed_both = 0;
  absl::Status status = Check(new_ca);
  for (const absl::Time deadline = absl::Now() + absl::Seconds(15);
       !status.ok() && absl::Now() < deadline;) {
    if (!Check(old_ca).ok() && !Check(new_ca).ok()) ++failed_both;
    absl::SleepFor(absl::Milliseconds(100));
    status = Check(new_ca);
  }
  EXPECT_THAT(status, IsOk());
  EXPECT_EQ(failed_both, 0);
  EXPECT_THAT(Check(old_ca), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(tls.staged->generation(), 2);
}

// Files changed in place, badly (a key that is not the certificate's, an
// empty key): the port keeps serving the last good pair and the process
// lives; the good pair written back is served again.
TEST_F(GrpcTlsTest, ABadInPlaceChangeKeepsThePreviousPair) {
  const std::string live = dir_.Sub("live");
  std::filesystem::create_directories(live);
  TlsFiles files{live + "/tls.crt", live + "/tls.key", ""};
  std::filesystem::copy_file(pki_.server_cert, files.cert_file);
  std::filesystem::copy_file(pki_.server_key, files.key_file);
  ASSERT_OK_AND_ASSIGN(GrpcServerTls tls,
                       MakeServerCredentials(files, absl::Seconds(1)));
  HealthServer server(tls.credentials);
  const ClientOptions client = Client(server);
  ASSERT_THAT(Check(client), IsOk());

  const auto overwrite = [](const std::string& from, const std::string& to) {
    std::filesystem::copy_file(
        from, to, std::filesystem::copy_options::overwrite_existing);
  };
  overwrite(pki_.client_key, files.key_file);  // Not the certificate's.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_THAT(Check(client), IsOk());
  { std::ofstream truncate(files.key_file, std::ios::trunc); }
  absl::SleepFor(absl::Seconds(3));
  EXPECT_THAT(Check(client), IsOk());
  EXPECT_EQ(tls.staged->generation(), 1);

  ASSERT_OK_AND_ASSIGN(TestPki renewed,
                       nbo::testing::MakeTestPki(dir_.Sub("renewed")));
  overwrite(renewed.server_cert, files.cert_file);
  overwrite(renewed.server_key, files.key_file);
  ClientOptions new_ca = client;
  new_ca.ca_file = renewed.ca_cert;
  EXPECT_THAT(CheckUntilOk(new_ca), IsOk());
  EXPECT_EQ(tls.staged->generation(), 2);
}

// Channels and servers of the same files share one staged copy, removed
// with its last user.
TEST_F(GrpcTlsTest, OneStagedCopyPerFileSetGoneWithItsLastUser) {
  const TlsFileSet files = ServerFileSet(ServerFiles(true));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<StagedTlsFiles> first,
      StagedTlsFiles::Get(files, kServerTlsNames, absl::Seconds(1)));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<StagedTlsFiles> second,
      StagedTlsFiles::Get(files, kServerTlsNames, absl::Seconds(1)));
  EXPECT_EQ(first.get(), second.get());
  const std::filesystem::path dir =
      std::filesystem::path(first->files().cert_file)
          .parent_path()
          .parent_path();
  EXPECT_TRUE(std::filesystem::exists(first->files().ca_file));
  first.reset();
  EXPECT_TRUE(std::filesystem::exists(dir));
  second.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST_F(GrpcTlsTest, BadFilesAreRefusedAtStartNamingThem) {
  EXPECT_THAT(MakeServerCredentials(TlsFiles{pki_.server_cert, "", ""}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("both a certificate (tls_cert) and its key")));
  EXPECT_THAT(MakeServerCredentials(TlsFiles{"", pki_.server_key, ""}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("both a certificate (tls_cert) and its key")));
  EXPECT_THAT(MakeServerCredentials(TlsFiles{"", "", pki_.ca_cert}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a client CA (tls_client_ca) needs")));
  const std::string missing = dir_.Sub("missing.pem");
  EXPECT_THAT(MakeServerCredentials(TlsFiles{missing, pki_.server_key, ""}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(missing)));
  EXPECT_THAT(
      MakeServerCredentials(TlsFiles{pki_.server_cert, pki_.client_key, ""}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("tls_key '" + pki_.client_key + "' does not match")));
  const std::string empty = dir_.Sub("empty.key");
  { std::ofstream create(empty); }
  EXPECT_THAT(MakeServerCredentials(TlsFiles{pki_.server_cert, empty, ""}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot load tls_key '" + empty + "'")));
  EXPECT_THAT(
      MakeServerCredentials(
          TlsFiles{pki_.server_cert, pki_.server_key, pki_.server_key}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("client_ca")));
}

}  // namespace
}  // namespace nbo::services
