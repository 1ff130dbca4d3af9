// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The real nbo-server's /metrics under attack, with its default limits and
// timeouts: idle and slowloris connections must not delay a scrape past 1 s,
// and gRPC (health, Recommend) does not depend on the endpoint at all.

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lib/testing/slow_clients.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::nbo::testing::IsOk;
using ::nbo::testing::SlowClients;
using ::testing::HasSubstr;

TEST(MetricsEndpointTest,
     ScrapeAnswersWithinASecondWhileIdleAndSlowClientsAttack) {
  nbo::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(dir.Sub("data")));
  auto models = nbo::v1::ModelService::NewStub(server->channel());
  auto nbo = nbo::v1::NBOService::NewStub(server->channel());
  auto health = grpc::health::v1::Health::NewStub(server->channel());
  SyntheticModel::Options model_options;
  model_options.version = 1;
  ASSERT_THAT(Publish(*models, SyntheticModel(model_options).Messages()),
              IsOk());

  // The defaults are the attack: 50 idle connections and 50 that
  // send a byte every 200 ms.
  SlowClients::Options attack_options;
  attack_options.port = server->metrics_port();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SlowClients> attack,
                       SlowClients::Start(attack_options));
  for (int round = 1; round <= 5; ++round) {
    ASSERT_TRUE(attack->WaitForRounds(round, absl::Seconds(10)));
    const absl::Time start = absl::Now();
    ASSERT_OK_AND_ASSIGN(const std::string metrics, server->FetchMetrics());
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << "round " << round;
    EXPECT_THAT(metrics, HasSubstr("nbo_grpc_requests_total"));

    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, HealthCheckRequest(), &response).ok());
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
    EXPECT_THAT(Recommend(*nbo, SyntheticModel::CustomerId(round)), IsOk());
  }
}

}  // namespace
}  // namespace nbo::integration
