// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Mutual TLS on every gRPC hop, with the real binaries and certificates made
// by openssl at test time: nbo-server and nbo-trainer serve only clients
// with a certificate from the CA; nbo-trainer publishes, nboctl asks and
// nbo-gateway forwards over it, each with its own flags; plaintext and
// certificate-less clients are refused.

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lib/auth/token_file.h"
#include "lib/common/file_util.h"
#include "lib/data/bank_datagen.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_pki.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"
#include "services/common/http_client.h"
#include "tests/integration/server_process.h"

namespace nbo::integration {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kToken[] = "tls-test-admin-token";

// Runs `argv` with its output in `log`; the exit code (-1 if it did not
// exit normally).
int RunCommand(const std::vector<std::string>& argv, const std::string& log) {
  const std::string command =
      absl::StrCat("'", absl::StrJoin(argv, "' '"), "' >'", log, "' 2>&1");
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The whole of `path`, or "" when it cannot be read (for failure messages
// and log checks).
std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// One Health/Check on a fresh channel made from `options`.
absl::Status CheckHealth(services::ClientOptions options) {
  static int connections = 0;
  options.connection_key = absl::StrCat("health-", ++connections);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      services::MakeChannel(options);
  if (!channel.ok()) return channel.status();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  HealthCheckResponse response;
  return services::FromGrpcStatus(Health::NewStub(*channel)->Check(
      &context, HealthCheckRequest(), &response));
}

class TlsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(pki_, nbo::testing::MakeTestPki(dir_.Sub("pki")));
    ASSERT_THAT(common::WriteFileAtomically(
                    dir_.Sub("tokens"),
                    auth::TokenFileLine("ops", "read,act,ingest,customer,admin",
                                        kToken)),
                IsOk());
  }

  // --tls_cert, --tls_key and --tls_client_ca of a mutual-TLS listener.
  std::vector<std::string> ServeFlags() const {
    return {absl::StrCat("--tls_cert=", pki_.server_cert),
            absl::StrCat("--tls_key=", pki_.server_key),
            absl::StrCat("--tls_client_ca=", pki_.ca_cert),
            absl::StrCat("--tokens_file=", dir_.Sub("tokens"))};
  }

  // A client of `target` with the CA and, if `certificate`, the client pair.
  services::ClientOptions Client(const std::string& target,
                                 bool certificate) const {
    services::ClientOptions options;
    options.target = target;
    options.ca_file = pki_.ca_cert;
    if (certificate) {
      options.cert_file = pki_.client_cert;
      options.key_file = pki_.client_key;
    }
    return options;
  }

  nbo::testing::TempDir dir_;
  nbo::testing::TestPki pki_;
};

TEST_F(TlsIntegrationTest, EveryGrpcHopSpeaksMutualTls) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(dir_.Sub("server"), ServeFlags()));
  EXPECT_EQ(server->CountInLog("serving gRPC over mutual TLS on port"), 1);
  const std::string target = server->grpc_target();

  // Plaintext, and TLS without a client certificate, are refused; the
  // client pair from the CA is served.
  services::ClientOptions plaintext;
  plaintext.target = target;
  EXPECT_THAT(CheckHealth(plaintext), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(CheckHealth(Client(target, false)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(CheckHealth(Client(target, true)), IsOk());

  // nbo-trainer train publishes over mutual TLS (--upstream_*).
  data::BankDataGenerator::Options bank;
  bank.customers = 500;
  bank.products = 8;
  ASSERT_OK_AND_ASSIGN(auto generator, data::BankDataGenerator::Create(bank));
  ASSERT_THAT(data::WriteBankData(*generator, dir_.Sub("bank"), nullptr),
              IsOk());
  const std::vector<std::string> train = {
      NBO_TRAINER_PATH,
      "train",
      "--data_dir=" + dir_.Sub("bank"),
      "--publish_to=" + target,
      "--tune=off",
      "--second_stage=off",
      "--factors=8",
      "--iterations=5",
      "--force",
      absl::StrCat("--admin_token=", kToken),
      "--upstream_ca=" + pki_.ca_cert};
  std::vector<std::string> without_certificate = train;
  EXPECT_EQ(RunCommand(without_certificate, dir_.Sub("train-refused.log")), 1);
  std::vector<std::string> with_certificate = train;
  with_certificate.push_back("--upstream_cert=" + pki_.client_cert);
  with_certificate.push_back("--upstream_key=" + pki_.client_key);
  ASSERT_EQ(RunCommand(with_certificate, dir_.Sub("train.log")), 0)
      << ReadFileOrEmpty(dir_.Sub("train.log"));
  EXPECT_THAT(ReadFileOrEmpty(dir_.Sub("train.log")),
              HasSubstr(absl::StrCat(target, ": ok")));
  EXPECT_THAT(ReadFileOrEmpty(dir_.Sub("train-refused.log")),
              HasSubstr(absl::StrCat(target, ": GetModelStatus: ")));

  // nboctl over mutual TLS (--ca_file, --cert_file, --key_file).
  const std::vector<std::string> status = {NBO_NBOCTL_PATH,
                                           "models",
                                           "status",
                                           "--server=" + target,
                                           absl::StrCat("--token=", kToken),
                                           "--json",
                                           "--ca_file=" + pki_.ca_cert,
                                           "--cert_file=" + pki_.client_cert,
                                           "--key_file=" + pki_.client_key};
  ASSERT_EQ(RunCommand(status, dir_.Sub("status.log")), 0)
      << ReadFileOrEmpty(dir_.Sub("status.log"));
  EXPECT_THAT(ReadFileOrEmpty(dir_.Sub("status.log")), HasSubstr("AVAILABLE"));
  EXPECT_NE(RunCommand({NBO_NBOCTL_PATH, "models", "status",
                        "--server=" + target, absl::StrCat("--token=", kToken)},
                       dir_.Sub("status-plaintext.log")),
            0);
  EXPECT_THAT(ReadFileOrEmpty(dir_.Sub("status-plaintext.log")),
              HasSubstr("UNAVAILABLE"));

  // nboctl health, the chart's exec probe when the port speaks TLS: the
  // certificate is checked against --tls_server_name, not the address.
  const std::vector<std::string> health = {NBO_NBOCTL_PATH,
                                           "health",
                                           "--server=" + target,
                                           "--ca_file=" + pki_.ca_cert,
                                           "--cert_file=" + pki_.client_cert,
                                           "--key_file=" + pki_.client_key,
                                           "--tls_server_name=localhost"};
  ASSERT_EQ(RunCommand(health, dir_.Sub("health.log")), 0)
      << ReadFileOrEmpty(dir_.Sub("health.log"));
  EXPECT_EQ(ReadFileOrEmpty(dir_.Sub("health.log")), "SERVING\n");
  std::vector<std::string> wrong_name = health;
  wrong_name.back() = "--tls_server_name=nbo-server.example";
  EXPECT_EQ(RunCommand(wrong_name, dir_.Sub("health-wrong.log")), 1);
  EXPECT_THAT(ReadFileOrEmpty(dir_.Sub("health-wrong.log")),
              HasSubstr("UNAVAILABLE"));

  // nbo-gateway forwards over mutual TLS (--upstream_*).
  ServerProcess::Options gateway;
  gateway.http = true;
  gateway.data_dir = dir_.Sub("gateway");
  gateway.extra_flags = {"--upstream=" + target,
                         "--upstream_ca=" + pki_.ca_cert,
                         "--upstream_cert=" + pki_.client_cert,
                         "--upstream_key=" + pki_.client_key};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> http,
                       ServerProcess::Start(gateway));
  services::HttpCallOptions call;
  call.headers.emplace_back("Authorization", absl::StrCat("Bearer ", kToken));
  ASSERT_OK_AND_ASSIGN(
      services::HttpAnswer offers,
      services::HttpCall(absl::StrCat("127.0.0.1:", http->http_port()), "GET",
                         "/v1/customers/C0000001/offers", call));
  EXPECT_EQ(offers.status, 200) << offers.body;
  EXPECT_THAT(offers.body, HasSubstr("\"decisionId\""));
}

// Publishing to dns:///NAME:PORT dials each address NAME resolves to and
// checks each server's certificate against NAME: a certificate that names
// only "localhost" is accepted through dns:///localhost and refused when
// its address is dialled directly.
TEST_F(TlsIntegrationTest, DnsTargetsAreCheckedAgainstTheirName) {
  ASSERT_OK_AND_ASSIGN(
      nbo::testing::TestPki named,
      nbo::testing::MakeTestPki(dir_.Sub("named"), "DNS:localhost"));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ServerProcess> server,
      ServerProcess::Start(
          dir_.Sub("server"),
          {"--tls_cert=" + named.server_cert, "--tls_key=" + named.server_key,
           absl::StrCat("--tokens_file=", dir_.Sub("tokens"))}));
  data::BankDataGenerator::Options bank;
  bank.customers = 300;
  bank.products = 8;
  ASSERT_OK_AND_ASSIGN(auto generator, data::BankDataGenerator::Create(bank));
  ASSERT_THAT(data::WriteBankData(*generator, dir_.Sub("bank"), nullptr),
              IsOk());
  const auto train = [&](const std::string& target, const std::string& log) {
    return RunCommand(
        {NBO_TRAINER_PATH, "train", "--data_dir=" + dir_.Sub("bank"),
         "--publish_to=" + target, "--tune=off", "--second_stage=off",
         "--factors=8", "--iterations=3", "--force",
         absl::StrCat("--admin_token=", kToken),
         "--upstream_ca=" + named.ca_cert},
        log);
  };
  const std::string port = absl::StrCat(server->grpc_port());
  EXPECT_EQ(train("127.0.0.1:" + port, dir_.Sub("by-address.log")), 1);
  EXPECT_THAT(ReadFileOrEmpty(dir_.Sub("by-address.log")),
              HasSubstr("UNAVAILABLE"));
  const std::string target = "dns:///localhost:" + port;
  ASSERT_EQ(train(target, dir_.Sub("by-name.log")), 0)
      << ReadFileOrEmpty(dir_.Sub("by-name.log"));
  EXPECT_THAT(ReadFileOrEmpty(dir_.Sub("by-name.log")),
              HasSubstr(absl::StrCat(target, " -> 127.0.0.1:", port, ": ok")));
}

TEST_F(TlsIntegrationTest, TrainerServesTrainerServiceOverMutualTls) {
  ServerProcess::Options trainer;
  trainer.binary = NBO_TRAINER_PATH;
  trainer.command = {"serve"};
  trainer.metrics = false;
  trainer.data_dir = dir_.Sub("trainer");
  trainer.extra_flags = ServeFlags();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> process,
                       ServerProcess::Start(trainer));
  EXPECT_EQ(process->CountInLog("serving TrainerService over mutual TLS"), 1);
  const std::string target = process->grpc_target();
  EXPECT_THAT(CheckHealth(Client(target, false)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(CheckHealth(Client(target, true)), IsOk());
}

TEST_F(TlsIntegrationTest, BadTlsFilesStopTheServerAtStartNamingThem) {
  std::vector<std::string> flags = ServeFlags();
  flags[1] = absl::StrCat("--tls_key=", pki_.client_key);  // Not the pair.
  EXPECT_THAT(
      ServerProcess::Start(dir_.Sub("server"), flags),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("key values mismatch")));
  EXPECT_NE(RunCommand({NBO_SERVER_BINARY, "--data_dir=" + dir_.Sub("other"),
                        "--grpc_addr=127.0.0.1:0",
                        "--metrics_addr=", "--tls_cert=" + pki_.server_cert},
                       dir_.Sub("no-key.log")),
            0);
  EXPECT_THAT(ReadFileOrEmpty(dir_.Sub("no-key.log")),
              HasSubstr("both a certificate (tls_cert) and its key"));
}

}  // namespace
}  // namespace nbo::integration
