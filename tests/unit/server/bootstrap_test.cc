// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Bootstrap against real peers: in-process NboServers on loopback port 0
// with RocksDB in temp dirs. The local side is a real store, manager and
// catalog registry (Bootstrap::Run driven by hand) or a whole NboServer
// started with options.bootstrap.

#include "services/nbo_server/bootstrap.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/auth/token_file.h"
#include "lib/common/file_util.h"
#include "lib/common/status_macros.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_pki.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/common/client_channel.h"
#include "services/nbo_server/server.h"
#include "tests/unit/server/test_server.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::server {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::nbo::serving::testing::TestModel;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kAdminToken[] = "peer-admin-token";
constexpr char kReaderToken[] = "peer-reader-token";

// A peer: an NboServer whose tokens are kAdminToken (admin) and
// kReaderToken (read), and an admin channel to it; with `pki`, it serves
// mutual TLS only.
class Peer {
 public:
  explicit Peer(const std::string& name,
                const nbo::testing::TestPki* pki = nullptr) {
    EXPECT_THAT(common::WriteFileAtomically(
                    dir_.Sub("tokens"),
                    auth::TokenFileLine("admin", "admin", kAdminToken) +
                        auth::TokenFileLine("reader", "read", kReaderToken)),
                IsOk());
    NboServer::Options options;
    options.tokens_file = dir_.Sub("tokens");
    options.audit = [](const std::string&) {};
    services::ClientOptions client;
    if (pki != nullptr) {
      options.tls = {pki->server_cert, pki->server_key, pki->ca_cert};
      client.ca_file = pki->ca_cert;
      client.cert_file = pki->client_cert;
      client.key_file = pki->client_key;
    }
    auto server = testing::StartTestServer(options, dir_);
    EXPECT_THAT(server.status(), IsOk()) << name;
    if (!server.ok()) return;
    server_ = *std::move(server);
    client.target = address();
    client.bearer_token = kAdminToken;
    channel_ = *services::MakeChannel(client);
    models_ = nbo::v1::ModelService::NewStub(channel_);
  }

  std::string address() const {
    return absl::StrCat("127.0.0.1:", server_->grpc_port());
  }
  // Starts a shutdown with `drain` on another thread: health turns
  // NOT_SERVING at once while the peer keeps answering for `drain`.
  std::thread DrainInBackground(absl::Duration drain) {
    return std::thread(
        [this, drain] { server_->Shutdown(drain, absl::Seconds(1)); });
  }
  int port() const { return server_->grpc_port(); }
  nbo::v1::ModelService::Stub& models() { return *models_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  // Versions 1..3 of the default model, "stable" on 1, "canary" on 3, a
  // split between them with salt "s1", a catalog update and a lever.
  void PublishThreeVersionsWithRouting() {
    for (int64_t version = 1; version <= 3; ++version) {
      TestModel model;
      model.version = version;
      ASSERT_THAT(testing::PublishStream(models(), model.Stream(), ""), IsOk());
    }
    for (const auto& [label, version] :
         {std::pair<std::string, int64_t>{"stable", 1}, {"canary", 3}}) {
      grpc::ClientContext context;
      nbo::v1::SetVersionLabelRequest request;
      request.set_label(label);
      request.set_version(version);
      nbo::v1::SetVersionLabelResponse response;
      ASSERT_TRUE(models().SetVersionLabel(&context, request, &response).ok());
    }
    grpc::ClientContext split_context;
    nbo::v1::SetTrafficSplitRequest split;
    split.set_salt("s1");
    nbo::v1::TrafficArm* stable = split.add_arms();
    stable->set_label("stable");
    stable->set_weight(90);
    nbo::v1::TrafficArm* two = split.add_arms();
    two->set_version(2);
    two->set_weight(10);
    nbo::v1::SetTrafficSplitResponse split_response;
    ASSERT_TRUE(
        models().SetTrafficSplit(&split_context, split, &split_response).ok());
    // The catalog drops P06, which version 3 still has factors for.
    grpc::ClientContext catalog_context;
    nbo::v1::UpdateCatalogRequest catalog;
    for (int j = 0; j < 5; ++j) {
      nbo::v1::Product* p = catalog.add_catalog();
      p->set_product_id(TestModel().ProductId(j));
      p->set_name(absl::StrCat("Product ", j));
      p->set_business_value(1 + j);
    }
    nbo::v1::UpdateCatalogResponse catalog_response;
    ASSERT_TRUE(models()
                    .UpdateCatalog(&catalog_context, catalog, &catalog_response)
                    .ok());
    grpc::ClientContext levers_context;
    nbo::v1::SetLeversRequest levers;
    (*levers.mutable_levers())["P02"] = 2.5;
    nbo::v1::SetLeversResponse levers_response;
    ASSERT_TRUE(
        models().SetLevers(&levers_context, levers, &levers_response).ok());
  }

 private:
  nbo::testing::TempDir dir_;
  std::unique_ptr<NboServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<nbo::v1::ModelService::Stub> models_;
};

// The local side: a store, manager and catalog registry driven by hand.
class BootstrapTest : public serving::testing::DecisioningTest {
 protected:
  BootstrapOptions Options(std::vector<std::string> peers,
                           const std::string& token = kAdminToken) {
    BootstrapOptions options;
    options.peers = std::move(peers);
    options.timeout = absl::Milliseconds(400);
    options.initial_backoff = absl::Milliseconds(50);
    options.max_backoff = absl::Milliseconds(100);
    options.call_timeout = absl::Seconds(5);
    if (!token.empty()) {
      options.token_file = dir_.Sub(absl::StrCat("token", ++tokens_));
      EXPECT_THAT(common::WriteFileAtomically(options.token_file,
                                              absl::StrCat(token, "\n")),
                  IsOk());
    }
    return options;
  }

  absl::StatusOr<BootstrapReport> Run(BootstrapOptions options,
                                      int own_port = 0,
                                      const std::string& marker = "") {
    NBO_ASSIGN_OR_RETURN(std::unique_ptr<Bootstrap> bootstrap,
                         Bootstrap::Create(std::move(options)));
    running_ = bootstrap.get();
    BootstrapTarget local;
    local.manager = manager_.get();
    local.store = store_.get();
    local.catalogs = catalogs_.get();
    local.own_port = own_port;
    local.marker_path = marker;
    absl::StatusOr<BootstrapReport> report = bootstrap->Run(local);
    running_ = nullptr;
    return report;
  }

  // The local manager again, keeping `keep_versions` versions.
  void ReopenKeeping(int keep_versions) {
    catalogs_.reset();
    manager_.reset();
    store_.reset();
    serving::ModelManager::Options options;
    options.keep_versions = keep_versions;
    ASSERT_NO_FATAL_FAILURE(Open(options));
    serving::CatalogRegistry::Options catalog_options;
    catalog_options.store = store_.get();
    ASSERT_OK_AND_ASSIGN(catalogs_,
                         serving::CatalogRegistry::Create(catalog_options));
  }

  Bootstrap* running_ = nullptr;  // During Run(), for on_copied to stop.

  int tokens_ = 0;
};

std::vector<std::pair<int64_t, nbo::v1::VersionState>> States(
    const nbo::v1::ModelStatus& model) {
  std::vector<std::pair<int64_t, nbo::v1::VersionState>> out;
  for (const nbo::v1::VersionStatus& v : model.versions()) {
    out.emplace_back(v.version(), v.state());
  }
  return out;
}

TEST_F(BootstrapTest, CopiesVersionsLabelsSplitCatalogAndLeversFromAPeer) {
  Peer peer("peer");
  ASSERT_NO_FATAL_FAILURE(peer.PublishThreeVersionsWithRouting());
  // Port 1 has no server: the next peer is tried. The peer is named by
  // DNS, plaintext: its address is what is dialled.
  ASSERT_OK_AND_ASSIGN(
      BootstrapReport report,
      Run(Options(
          {"127.0.0.1:1", absl::StrCat("dns:///localhost:", peer.port())})));
  EXPECT_EQ(report.outcome, BootstrapReport::Outcome::kCopied);
  EXPECT_EQ(report.peer, peer.address());
  EXPECT_EQ(report.models, 1);
  EXPECT_EQ(report.versions, 3);
  EXPECT_GT(report.bytes, 3u * 10 * 4 * sizeof(float));
  EXPECT_THAT(report.summary, HasSubstr("copied 3 versions ("));
  EXPECT_THAT(report.summary, HasSubstr(") of model nbo from "));

  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus local,
                       manager_->GetModelStatus("nbo"));
  EXPECT_THAT(States(local),
              ElementsAre(Pair(1, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(2, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(3, nbo::v1::VERSION_STATE_AVAILABLE)));
  EXPECT_THAT(local.labels(),
              UnorderedElementsAre(Pair("stable", 1), Pair("canary", 3)));
  ASSERT_EQ(local.traffic_split_size(), 2);
  EXPECT_EQ(local.traffic_split(0).label(), "stable");
  EXPECT_EQ(local.traffic_split(0).weight(), 90u);
  EXPECT_EQ(local.traffic_split(1).version(), 2);
  EXPECT_EQ(local.traffic_split(1).weight(), 10u);
  EXPECT_EQ(local.split_salt(), "s1");

  std::shared_ptr<const serving::DecisionConfig> catalog =
      catalogs_->Get("nbo");
  ASSERT_NE(catalog, nullptr);
  EXPECT_EQ(catalog->record.catalog_size(), 5);
  EXPECT_EQ(catalog->Find("P06"), nullptr);
  ASSERT_NE(catalog->Find("P03"), nullptr);
  EXPECT_EQ(catalog->Find("P03")->business_value(), 3);
  EXPECT_THAT(catalog->record.levers(), ElementsAre(Pair("P02", 2.5)));
}

// Over mutual TLS, each address of a dns:/// target is checked against the
// name: the test certificate names "localhost".
TEST_F(BootstrapTest, CopiesOverMutualTlsCheckingThePeerAgainstItsName) {
  ASSERT_OK_AND_ASSIGN(nbo::testing::TestPki pki,
                       nbo::testing::MakeTestPki(dir_.Sub("pki")));
  Peer peer("tls peer", &pki);
  ASSERT_NO_FATAL_FAILURE(peer.PublishThreeVersionsWithRouting());
  const std::string target = absl::StrCat("dns:///localhost:", peer.port());
  BootstrapOptions no_certificate = Options({target});
  no_certificate.ca_file = pki.ca_cert;
  EXPECT_THAT(Run(no_certificate), StatusIs(absl::StatusCode::kUnavailable));
  BootstrapOptions tls = Options({target});
  tls.ca_file = pki.ca_cert;
  tls.cert_file = pki.client_cert;
  tls.key_file = pki.client_key;
  ASSERT_OK_AND_ASSIGN(BootstrapReport report, Run(tls));
  EXPECT_EQ(report.outcome, BootstrapReport::Outcome::kCopied);
  EXPECT_EQ(report.versions, 3);
}

// A split of several unlabelled versions with a local keep_versions below
// their number: retention is held while they arrive, so the split is set.
TEST_F(BootstrapTest, ASplitOfMoreVersionsThanTheLocalRetentionKeepsIsCopied) {
  Peer peer("peer");
  for (int64_t version = 1; version <= 3; ++version) {
    TestModel model;
    model.version = version;
    ASSERT_THAT(testing::PublishStream(peer.models(), model.Stream(), ""),
                IsOk());
  }
  grpc::ClientContext context;
  nbo::v1::SetTrafficSplitRequest split;
  for (const auto& [version, weight] :
       {std::pair<int64_t, uint32_t>{1, 50}, {2, 30}, {3, 20}}) {
    nbo::v1::TrafficArm* arm = split.add_arms();
    arm->set_version(version);
    arm->set_weight(weight);
  }
  nbo::v1::SetTrafficSplitResponse split_response;
  ASSERT_TRUE(
      peer.models().SetTrafficSplit(&context, split, &split_response).ok());
  ASSERT_NO_FATAL_FAILURE(ReopenKeeping(1));

  ASSERT_OK_AND_ASSIGN(BootstrapReport report, Run(Options({peer.address()})));
  EXPECT_EQ(report.outcome, BootstrapReport::Outcome::kCopied);
  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus local,
                       manager_->GetModelStatus("nbo"));
  EXPECT_THAT(States(local),
              ElementsAre(Pair(1, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(2, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(3, nbo::v1::VERSION_STATE_AVAILABLE)));
  ASSERT_EQ(local.traffic_split_size(), 3);
  EXPECT_EQ(local.traffic_split(2).version(), 3);
}

// A bootstrap stopped after its first version leaves its marker; the next
// start resumes it instead of taking the partial store for its own data,
// and once it is done the marker is gone and a restart keeps the data.
TEST_F(BootstrapTest, AnInterruptedBootstrapIsResumed) {
  Peer peer("peer");
  ASSERT_NO_FATAL_FAILURE(peer.PublishThreeVersionsWithRouting());
  const std::string marker = dir_.Sub("BOOTSTRAP_IN_PROGRESS");
  BootstrapOptions interrupted = Options({peer.address()});
  interrupted.on_copied = [this](const std::string&, int64_t) {
    if (running_ != nullptr) running_->Stop();
  };
  EXPECT_THAT(Run(interrupted, 0, marker),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_TRUE(std::filesystem::exists(marker));
  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus partial,
                       manager_->GetModelStatus("nbo"));
  EXPECT_EQ(partial.versions_size(), 1);

  ASSERT_OK_AND_ASSIGN(BootstrapReport resumed,
                       Run(Options({peer.address()}), 0, marker));
  EXPECT_EQ(resumed.outcome, BootstrapReport::Outcome::kCopied);
  EXPECT_FALSE(std::filesystem::exists(marker));
  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus local,
                       manager_->GetModelStatus("nbo"));
  EXPECT_EQ(local.versions_size(), 3);
  EXPECT_EQ(local.traffic_split_size(), 2);
  EXPECT_THAT(local.labels(),
              UnorderedElementsAre(Pair("stable", 1), Pair("canary", 3)));

  ASSERT_OK_AND_ASSIGN(BootstrapReport again,
                       Run(Options({peer.address()}), 0, marker));
  EXPECT_THAT(again.summary, HasSubstr("not bootstrapping"));
}

// A peer that has versions but is not SERVING (draining here; or itself
// bootstrapping) may hold a partial copy: it is not copied from.
TEST_F(BootstrapTest, APeerWithVersionsThatIsNotServingIsNotCopiedFrom) {
  Peer peer("peer");
  ASSERT_NO_FATAL_FAILURE(peer.PublishThreeVersionsWithRouting());
  std::thread drain = peer.DrainInBackground(absl::Seconds(3));
  // Health turns NOT_SERVING as the drain starts.
  grpc::health::v1::HealthCheckResponse health;
  for (int i = 0; i < 100; ++i) {
    grpc::ClientContext context;
    ASSERT_TRUE(
        grpc::health::v1::Health::NewStub(peer.channel())
            ->Check(&context, grpc::health::v1::HealthCheckRequest(), &health)
            .ok());
    if (health.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_NE(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_THAT(Run(Options({peer.address()})),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("not SERVING (bootstrapping or draining)")));
  EXPECT_TRUE(manager_->ListModels().empty() ||
              manager_->ListModels().front().versions().empty());
  drain.join();
}

TEST_F(BootstrapTest, LocalVersionsSkipThePeers) {
  ASSERT_THAT(serving::testing::Publish(manager_.get(), store_.get(),
                                        TestModel().Stream())
                  .status(),
              IsOk());
  // The peer could not be reached: it is never asked.
  ASSERT_OK_AND_ASSIGN(BootstrapReport report, Run(Options({"127.0.0.1:1"})));
  EXPECT_EQ(report.outcome, BootstrapReport::Outcome::kLocalData);
  EXPECT_THAT(report.summary, HasSubstr("not bootstrapping"));
}

TEST_F(BootstrapTest, PeersWithNothingToServeOrOnlyItselfStartEmpty) {
  Peer empty("empty");
  ASSERT_OK_AND_ASSIGN(BootstrapReport report, Run(Options({empty.address()})));
  EXPECT_EQ(report.outcome, BootstrapReport::Outcome::kNothingToCopy);
  EXPECT_THAT(report.summary, HasSubstr("first replica"));
  EXPECT_EQ(report.versions, 0);

  // Its own address is skipped, not asked (port 1 has no server: asking
  // would fail the round).
  ASSERT_OK_AND_ASSIGN(BootstrapReport alone,
                       Run(Options({"dns:///127.0.0.1:1"}), /*own_port=*/1));
  EXPECT_EQ(alone.outcome, BootstrapReport::Outcome::kNothingToCopy);
  EXPECT_TRUE(manager_->ListModels().empty());
}

TEST_F(BootstrapTest, NoReachablePeerGivesUpUnavailableAfterTheTimeout) {
  const absl::Time start = absl::Now();
  EXPECT_THAT(
      Run(Options({"127.0.0.1:1", "dns:///no-such-host.invalid:50051"})),
      StatusIs(absl::StatusCode::kUnavailable,
               AllOf(HasSubstr("no peer of --bootstrap_from could be copied"),
                     HasSubstr("UNAVAILABLE: 127.0.0.1:1: ListModels: "),
                     HasSubstr("does not resolve"))));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150))
      << "gave up without retrying";
  EXPECT_TRUE(manager_->ListModels().empty());
}

TEST_F(BootstrapTest, RefusedTokensNameTheirCode) {
  Peer peer("peer");
  ASSERT_NO_FATAL_FAILURE(peer.PublishThreeVersionsWithRouting());
  EXPECT_THAT(
      Run(Options({peer.address()}, "not-a-token")),
      StatusIs(absl::StatusCode::kUnauthenticated,
               HasSubstr(absl::StrCat(peer.address(), ": ListModels: "))));
  EXPECT_THAT(Run(Options({peer.address()}, /*token=*/"")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // A read token lists the models but may not export them.
  EXPECT_THAT(Run(Options({peer.address()}, kReaderToken)),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("model 'nbo' version 1: ")));
  EXPECT_TRUE(manager_->ListModels().empty() ||
              manager_->ListModels().front().versions().empty());
}

TEST_F(BootstrapTest, BadOptionsNameTheirFlag) {
  for (const char* bad : {"peers", "peers:0", "ipv4:127.0.0.1:1,127.0.0.1:2",
                          "dns:///peers", ""}) {
    EXPECT_THAT(Bootstrap::Create(Options({bad}, "")).status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("--bootstrap_from: target '")))
        << bad;
  }
  ASSERT_THAT(common::WriteFileAtomically(dir_.Sub("empty"), " \n"), IsOk());
  const struct {
    std::function<void(BootstrapOptions*)> spoil;
    std::string message;
  } cases[] = {
      {[&](BootstrapOptions* o) { o->token_file = dir_.Sub("missing"); },
       "--bootstrap_token_file: cannot read"},
      {[&](BootstrapOptions* o) { o->token_file = dir_.Sub("empty"); },
       "--bootstrap_token_file: '" + dir_.Sub("empty") + "' holds no token"},
      {[](BootstrapOptions* o) { o->timeout = absl::ZeroDuration(); },
       "--bootstrap_timeout"},
      {[&](BootstrapOptions* o) { o->ca_file = dir_.Sub("missing-ca.pem"); },
       "cannot load --bootstrap_ca '" + dir_.Sub("missing-ca.pem") + "'"},
      {[&](BootstrapOptions* o) { o->ca_file = dir_.Sub("empty"); },
       "cannot load --bootstrap_ca '" + dir_.Sub("empty") + "'"},
      {[&](BootstrapOptions* o) { o->cert_file = dir_.Sub("cert.pem"); },
       "both a certificate (--bootstrap_cert) and its key (--bootstrap_key)"},
  };
  for (const auto& c : cases) {
    BootstrapOptions options = Options({"127.0.0.1:5"}, "");
    c.spoil(&options);
    EXPECT_THAT(
        Bootstrap::Create(options).status(),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  }
}

// The health of `channel`'s server for "", once it is no longer
// `not_status` (or the watch ended).
HealthCheckResponse::ServingStatus WaitForHealthOtherThan(
    grpc::Channel* channel, HealthCheckResponse::ServingStatus not_status) {
  auto health = grpc::health::v1::Health::NewStub(channel->shared_from_this());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto watch = health->Watch(&context, {});
  HealthCheckResponse response;
  while (watch->Read(&response)) {
    if (response.status() != not_status) {
      context.TryCancel();
      break;
    }
  }
  const grpc::Status ignored = watch->Finish();
  (void)ignored;
  return response.status();
}

// A whole server: NOT_SERVING while the bootstrap runs, although its first
// version already answers, then SERVING with the peer's answers.
TEST(NboServerBootstrapTest, ServingOnlyOnceEverythingIsCopied) {
  Peer peer("peer");
  ASSERT_NO_FATAL_FAILURE(peer.PublishThreeVersionsWithRouting());
  nbo::testing::TempDir dir;
  ASSERT_THAT(common::WriteFileAtomically(dir.Sub("token"), kAdminToken),
              IsOk());
  absl::Notification first_copied;
  absl::Notification go_on;
  NboServer::Options options;
  options.bootstrap.peers = {peer.address()};
  options.bootstrap.token_file = dir.Sub("token");
  options.bootstrap.on_copied = [&](const std::string&, int64_t version) {
    if (version != 1) return;
    first_copied.Notify();
    go_on.WaitForNotificationWithTimeout(absl::Seconds(60));
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<NboServer> server,
                       testing::StartTestServer(options, dir));
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server->grpc_port()),
                          grpc::InsecureChannelCredentials());
  auto nbo = nbo::v1::NBOService::NewStub(channel);
  auto health = grpc::health::v1::Health::NewStub(channel);

  ASSERT_TRUE(first_copied.WaitForNotificationWithTimeout(absl::Seconds(60)));
  {
    grpc::ClientContext context;
    HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, {}, &response).ok());
    EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
    grpc::ClientContext recommend_context;
    nbo::v1::RecommendRequest request;
    request.set_customer_id("C0000001");
    request.mutable_model()->set_version(1);
    nbo::v1::RecommendResponse answer;
    // Version 1 is in, but not yet the labels and split: no answer from it.
    const grpc::Status refused =
        nbo->Recommend(&recommend_context, request, &answer);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(refused.error_message(), HasSubstr("(bootstrap)"));
  }
  go_on.Notify();
  EXPECT_EQ(
      WaitForHealthOtherThan(channel.get(), HealthCheckResponse::NOT_SERVING),
      HealthCheckResponse::SERVING);

  auto peer_nbo = nbo::v1::NBOService::NewStub(peer.channel());
  for (const char* customer : {"C0000002", "C0000007", "C9999999"}) {
    nbo::v1::RecommendRequest request;
    request.set_customer_id(customer);
    nbo::v1::RecommendResponse here;
    nbo::v1::RecommendResponse there;
    grpc::ClientContext here_context;
    grpc::ClientContext there_context;
    ASSERT_TRUE(nbo->Recommend(&here_context, request, &here).ok());
    ASSERT_TRUE(peer_nbo->Recommend(&there_context, request, &there).ok());
    EXPECT_EQ(here.model_version(), there.model_version()) << customer;
    EXPECT_EQ(here.experiment_arm(), there.experiment_arm()) << customer;
    ASSERT_EQ(here.offers_size(), there.offers_size()) << customer;
    for (int i = 0; i < here.offers_size(); ++i) {
      EXPECT_EQ(here.offers(i).product_id(), there.offers(i).product_id());
    }
  }
  server->Shutdown(absl::ZeroDuration(), absl::Seconds(1));
}

// Shutdown does not wait out --bootstrap_timeout.
TEST(NboServerBootstrapTest, ShutdownStopsABootstrapThatIsStillLooking) {
  nbo::testing::TempDir dir;
  NboServer::Options options;
  options.bootstrap.peers = {"127.0.0.1:1"};
  options.bootstrap.timeout = absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<NboServer> server,
                       testing::StartTestServer(options, dir));
  server->Shutdown(absl::ZeroDuration(), absl::Seconds(1));
  server->Wait();
}

}  // namespace
}  // namespace nbo::server
