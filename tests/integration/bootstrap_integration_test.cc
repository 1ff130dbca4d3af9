// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Replicas and bootstrap with real processes: three nbo-servers with the
// same versions, labels and split behind one nbo-gateway (round robin over
// three loopback ports) while clients keep asking it for offers over HTTP.
// One server is killed (SIGKILL) and started again, empty, on its port with
// --bootstrap_from the other two: it copies what they serve, reports
// SERVING, serves the same answers and gets traffic again. Then another is
// stopped with SIGTERM. No HTTP request may fail throughout.

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "lib/auth/token_file.h"
#include "lib/common/file_util.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/common/client_channel.h"
#include "services/common/http_client.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::nbo::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kToken[] = "bootstrap-test-admin-token";
constexpr int kReplicas = 3;
constexpr int kCustomers = 3000;
constexpr int kClients = 3;

SyntheticModel Model(int64_t version) {
  SyntheticModel::Options options;
  options.version = version;
  options.customers = kCustomers;
  options.products = 20;
  options.rank = 16;
  options.seed = 11;
  options.rows_per_chunk = 500;
  return SyntheticModel(options);
}

// A channel to `server` that carries the admin token.
std::shared_ptr<grpc::Channel> AdminChannel(const ServerProcess& server) {
  services::ClientOptions options;
  options.target = server.grpc_target();
  options.bearer_token = kToken;
  return *services::MakeChannel(options);
}

// The server's health for "", once it is no longer `from` (or the watch
// ended: then UNKNOWN).
HealthCheckResponse::ServingStatus HealthOnceNot(
    const ServerProcess& server, HealthCheckResponse::ServingStatus from) {
  auto health = grpc::health::v1::Health::NewStub(server.NewChannel());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto watch = health->Watch(&context, {});
  HealthCheckResponse response;
  HealthCheckResponse::ServingStatus seen = HealthCheckResponse::UNKNOWN;
  while (watch->Read(&response)) {
    seen = response.status();
    if (seen != from) {
      context.TryCancel();
      break;
    }
  }
  const grpc::Status ignored = watch->Finish();
  (void)ignored;
  return seen;
}

// The HTTP clients: each asks the gateway for one customer's offers after
// another until stopped. Every answer that is not a 200 is a failure.
class Load {
 public:
  explicit Load(int gateway_port) : port_(gateway_port) {
    for (int c = 0; c < kClients; ++c) {
      threads_.emplace_back([this, c] { Run(c); });
    }
  }
  ~Load() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  // Blocks until `more` requests have been answered after the call (or a
  // minute has passed).
  void WaitFor(int64_t more) {
    absl::MutexLock lock(&mu_);
    target_ = ok_ + failed_ + more;
    mu_.AwaitWithTimeout(absl::Condition(this, &Load::Reached),
                         absl::Seconds(60));
  }

  int64_t ok() const {
    absl::MutexLock lock(&mu_);
    return ok_;
  }
  int64_t failed() const {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  std::vector<std::string> failures() const {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

 private:
  bool Reached() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ok_ + failed_ >= target_;
  }

  void Run(int client) {
    services::HttpCallOptions options;
    options.timeout = absl::Seconds(30);
    options.headers.emplace_back("Authorization",
                                 absl::StrCat("Bearer ", kToken));
    for (int i = client; !stop_; i += kClients) {
      const std::string customer = SyntheticModel::CustomerId(i % kCustomers);
      absl::StatusOr<services::HttpAnswer> answer = services::HttpCall(
          absl::StrCat("127.0.0.1:", port_), "GET",
          absl::StrCat("/v1/customers/", customer, "/offers"), options);
      absl::MutexLock lock(&mu_);
      if (answer.ok() && answer->status == 200) {
        ++ok_;
      } else {
        ++failed_;
        if (failures_.size() < 5) {
          failures_.push_back(
              answer.ok() ? absl::StrCat(answer->status, " ", answer->body)
                          : answer.status().ToString());
        }
      }
    }
  }

  const int port_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  mutable absl::Mutex mu_;
  int64_t ok_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
  int64_t target_ ABSL_GUARDED_BY(mu_) = 0;
};

// Versions, their states, labels, split and salt: what bootstrap copies.
std::string Routing(const nbo::v1::ModelStatus& model) {
  std::vector<std::string> parts;
  for (const nbo::v1::VersionStatus& v : model.versions()) {
    parts.push_back(absl::StrCat("v", v.version(), "=",
                                 nbo::v1::VersionState_Name(v.state())));
  }
  std::map<std::string, int64_t> labels(model.labels().begin(),
                                        model.labels().end());
  for (const auto& [label, version] : labels) {
    parts.push_back(absl::StrCat(label, "->", version));
  }
  for (const nbo::v1::TrafficArm& arm : model.traffic_split()) {
    parts.push_back(
        absl::StrCat("arm ", arm.label(), arm.version(), " ", arm.weight()));
  }
  parts.push_back(absl::StrCat("salt ", model.split_salt()));
  return absl::StrJoin(parts, ", ");
}

// Recommend requests answered OK by `server`, from its /metrics.
double RecommendsServed(const ServerProcess& server) {
  absl::StatusOr<std::string> metrics = server.FetchMetrics();
  if (!metrics.ok()) return -1;
  return MetricValue(*metrics, "nbo_grpc_requests_total",
                     {{"method", "Recommend"}, {"code", "OK"}})
      .value_or(0);
}

class BootstrapIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(common::WriteFileAtomically(
                    dir_.Sub("tokens"),
                    auth::TokenFileLine(
                        "test", "read,act,ingest,customer,admin", kToken)),
                IsOk());
    ASSERT_THAT(common::WriteFileAtomically(dir_.Sub("bootstrap_token"),
                                            absl::StrCat(kToken, "\n")),
                IsOk());
  }

  std::vector<std::string> ServerFlags() const {
    return {absl::StrCat("--tokens_file=", dir_.Sub("tokens")), "--drain=1s"};
  }

  nbo::testing::TempDir dir_;
};

TEST_F(BootstrapIntegrationTest,
       KilledReplicaRestartsEmptyBootstrapsAndTheGatewayNeverFails) {
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int i = 0; i < kReplicas; ++i) {
    ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<ServerProcess> server,
        ServerProcess::Start(dir_.Sub(absl::StrCat("server", i)),
                             ServerFlags()));
    servers.push_back(std::move(server));
  }
  // Publish to all: two versions, "stable" on 1, a 50/50 split of stable
  // and version 2.
  for (const auto& server : servers) {
    auto models = nbo::v1::ModelService::NewStub(AdminChannel(*server));
    for (int64_t version : {1, 2}) {
      ASSERT_OK_AND_ASSIGN(nbo::v1::PublishModelResponse published,
                           Publish(*models, Model(version).Messages()));
      ASSERT_EQ(published.state(), nbo::v1::VERSION_STATE_AVAILABLE);
    }
    ASSERT_THAT(SetLabel(*models, "stable", 1).status(), IsOk());
    nbo::v1::SetTrafficSplitRequest split;
    split.set_salt("bootstrap-test");
    split.add_arms()->set_label("stable");
    split.mutable_arms(0)->set_weight(1);
    split.add_arms()->set_version(2);
    split.mutable_arms(1)->set_weight(1);
    ASSERT_THAT(
        Unary(*models, &nbo::v1::ModelService::Stub::SetTrafficSplit, split)
            .status(),
        IsOk());
  }
  const int killed_port = servers[2]->grpc_port();
  ServerProcess::Options gateway_options;
  gateway_options.http = true;
  gateway_options.data_dir = dir_.Sub("gateway");
  gateway_options.extra_flags = {absl::StrCat(
      "--upstream=ipv4:127.0.0.1:", servers[0]->grpc_port(),
      ",127.0.0.1:", servers[1]->grpc_port(), ",127.0.0.1:", killed_port)};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> gateway,
                       ServerProcess::Start(gateway_options));

  Load load(gateway->http_port());
  load.WaitFor(100);
  ASSERT_EQ(load.failed(), 0) << load.failures().front();

  // SIGKILL: calls in flight on it fail UNAVAILABLE at the gateway's
  // channel, which retries them on the others.
  ASSERT_THAT(servers[2]->Kill9(), IsOk());
  load.WaitFor(100);

  // Started again empty, on the same port, from the two others.
  const absl::Time restart = absl::Now();
  std::vector<std::string> flags = ServerFlags();
  flags.push_back(absl::StrCat("--grpc_addr=127.0.0.1:", killed_port));
  flags.push_back(
      absl::StrCat("--bootstrap_from=127.0.0.1:", servers[0]->grpc_port(),
                   ",127.0.0.1:", servers[1]->grpc_port()));
  flags.push_back(
      absl::StrCat("--bootstrap_token_file=", dir_.Sub("bootstrap_token")));
  flags.push_back("--bootstrap_timeout=20s");
  ASSERT_OK_AND_ASSIGN(servers[2],
                       ServerProcess::Start(dir_.Sub("server2-empty"), flags));
  ASSERT_EQ(servers[2]->grpc_port(), killed_port);
  ASSERT_EQ(HealthOnceNot(*servers[2], HealthCheckResponse::NOT_SERVING),
            HealthCheckResponse::SERVING)
      << servers[2]->LogTail();
  const absl::Duration bootstrap_time = absl::Now() - restart;
  EXPECT_EQ(servers[2]->CountInLog("nbo: bootstrap: copied 2 versions ("), 1)
      << servers[2]->LogTail();

  // The same versions, labels and split as a peer, and the same answers.
  auto peer_models = nbo::v1::ModelService::NewStub(AdminChannel(*servers[0]));
  auto new_models = nbo::v1::ModelService::NewStub(AdminChannel(*servers[2]));
  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus peer_status,
                       GetModelStatus(*peer_models));
  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus new_status,
                       GetModelStatus(*new_models));
  EXPECT_EQ(Routing(new_status), Routing(peer_status));
  EXPECT_THAT(Routing(new_status),
              HasSubstr("v1=VERSION_STATE_AVAILABLE, v2=VERSION_STATE_"
                        "AVAILABLE, stable->1"));
  auto peer_nbo = nbo::v1::NBOService::NewStub(AdminChannel(*servers[0]));
  auto new_nbo = nbo::v1::NBOService::NewStub(AdminChannel(*servers[2]));
  for (int i : {0, 7, 1234}) {
    const std::string customer = SyntheticModel::CustomerId(i);
    ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse there,
                         Recommend(*peer_nbo, customer));
    ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse here,
                         Recommend(*new_nbo, customer));
    EXPECT_EQ(here.model_version(), there.model_version()) << customer;
    EXPECT_EQ(here.experiment_arm(), there.experiment_arm()) << customer;
    ASSERT_EQ(here.offers_size(), there.offers_size()) << customer;
    for (int k = 0; k < here.offers_size(); ++k) {
      EXPECT_EQ(here.offers(k).product_id(), there.offers(k).product_id());
      EXPECT_DOUBLE_EQ(here.offers(k).score(), there.offers(k).score());
    }
  }

  // Back in the gateway's rotation: it answers some of the load again.
  double served = 0;
  for (int round = 0; round < 40 && served <= 0; ++round) {
    load.WaitFor(25);
    served = RecommendsServed(*servers[2]);
  }
  EXPECT_GT(served, 0) << "the bootstrapped replica got no traffic back";

  // SIGTERM: it drains (NOT_SERVING first, --drain=1s) and exits.
  ASSERT_THAT(servers[0]->Terminate(), IsOk());
  ASSERT_OK_AND_ASSIGN(ExitStatus exit,
                       servers[0]->WaitForExit(absl::Seconds(30)));
  EXPECT_TRUE(exit.ExitedWith(0)) << exit.ToString();
  load.WaitFor(100);
  load.Stop();

  std::printf(
      "bootstrap: %s from restart to SERVING\n"
      "load: %lld requests answered 200, %lld failed\n",
      absl::FormatDuration(bootstrap_time).c_str(),
      static_cast<long long>(load.ok()), static_cast<long long>(load.failed()));
  const std::string log = servers[2]->Log();
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "nbo: bootstrap:")) {
      std::printf("%s\n", std::string(line).c_str());
    }
  }
  EXPECT_EQ(load.failed(), 0) << absl::StrJoin(load.failures(), "\n");
  EXPECT_GT(load.ok(), 300);
}

// With no replica SERVING the gateway still asks one: an empty server says
// why it has no offers, and the only replica keeps answering while it
// drains (SIGTERM, --drain=3s), as it did before health checking.
TEST_F(BootstrapIntegrationTest, ALoneReplicaIsStillAskedWhenNotServing) {
  std::vector<std::string> flags = ServerFlags();
  flags.push_back("--drain=3s");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(dir_.Sub("alone"), flags));
  ServerProcess::Options gateway_options;
  gateway_options.http = true;
  gateway_options.data_dir = dir_.Sub("alone-gateway");
  gateway_options.extra_flags = {
      absl::StrCat("--upstream=dns:///", server->grpc_target())};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> gateway,
                       ServerProcess::Start(gateway_options));
  services::HttpCallOptions options;
  options.timeout = absl::Seconds(30);
  options.headers.emplace_back("Authorization",
                               absl::StrCat("Bearer ", kToken));
  const std::string address = absl::StrCat("127.0.0.1:", gateway->http_port());
  const std::string offers = "/v1/customers/C0000001/offers";
  ASSERT_OK_AND_ASSIGN(services::HttpAnswer empty,
                       services::HttpCall(address, "GET", offers, options));
  EXPECT_EQ(empty.status, 503);
  EXPECT_THAT(empty.body, HasSubstr("no model version is available yet"));

  auto models = nbo::v1::ModelService::NewStub(AdminChannel(*server));
  ASSERT_THAT(Publish(*models, Model(1).Messages()).status(), IsOk());
  ASSERT_OK_AND_ASSIGN(services::HttpAnswer served,
                       services::HttpCall(address, "GET", offers, options));
  EXPECT_EQ(served.status, 200) << served.body;
  ASSERT_THAT(server->Terminate(), IsOk());
  // Well within the 3 s drain: every answer is still an offer.
  const absl::Time until = absl::Now() + absl::Seconds(1);
  int answered = 0;
  while (absl::Now() < until) {
    ASSERT_OK_AND_ASSIGN(services::HttpAnswer draining,
                         services::HttpCall(address, "GET", offers, options));
    ASSERT_EQ(draining.status, 200)
        << "after " << answered << ": " << draining.body;
    ++answered;
  }
  EXPECT_GT(answered, 10);
}

// Bad values of the bootstrap flags stop the server at start, naming the
// flag.
TEST_F(BootstrapIntegrationTest, BadBootstrapFlagsStopTheServerNamingThem) {
  for (const auto& [flag, message] :
       std::vector<std::pair<std::string, std::string>>{
           {"--bootstrap_from=peers", "--bootstrap_from: target 'peers'"},
           {"--bootstrap_from=dns:///peers", "--bootstrap_from: target"},
           {absl::StrCat("--bootstrap_token_file=", dir_.Sub("missing")),
            "--bootstrap_token_file: cannot read"}}) {
    std::vector<std::string> flags = {flag};
    if (!absl::StartsWith(flag, "--bootstrap_from")) {
      flags.push_back("--bootstrap_from=127.0.0.1:1");
    }
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(dir_.Sub(absl::StrCat("bad", message.size())),
                             flags);
    EXPECT_THAT(
        server.status(),
        nbo::testing::StatusIs(absl::StatusCode::kAborted, HasSubstr(message)))
        << flag;
  }
}

}  // namespace
}  // namespace nbo::integration
