// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Versions are published, labelled and retired while clients keep sending
// Recommend: no request may fail, and every answer must come from a version
// that was really published and loaded.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::nbo::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::Pair;

constexpr int kCustomers = 2000;
constexpr int kClients = 3;
// Versions published under load, after version 1.
constexpr int64_t kLastVersion = 11;
// The client that asks for the "stable" label once it exists; the others
// select nothing and get the latest version.
constexpr int kLabelClient = kClients - 1;

SyntheticModel HotSwapModel(int64_t version) {
  SyntheticModel::Options options;
  options.version = version;
  options.customers = kCustomers;
  options.products = 24;
  options.rank = 16;
  options.seed = 7;
  options.rows_per_chunk = 500;
  return SyntheticModel(options);
}

// What one client thread saw. Written by that thread only, read by the test
// after joining it (and `latest` polled meanwhile).
struct ClientLog {
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_failure;
  // Answers that broke the invariants below.
  int64_t bad = 0;
  std::string first_bad;
  // model_version -> answers, by how the request selected.
  std::map<int64_t, int64_t> by_default;
  std::map<int64_t, int64_t> by_label;
  // Highest version a request without selector was answered by.
  std::atomic<int64_t> latest{0};
};

TEST(HotSwapTest, SwapsVersionsUnderLoadWithoutFailingRequests) {
  nbo::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(dir.Sub("data")));
  auto models = nbo::v1::ModelService::NewStub(server->channel());
  ASSERT_OK_AND_ASSIGN(nbo::v1::PublishModelResponse first,
                       Publish(*models, HotSwapModel(1).Messages()));
  ASSERT_EQ(first.state(), nbo::v1::VERSION_STATE_AVAILABLE);

  // The highest version whose publish has started; a correct server cannot
  // answer with a higher one.
  std::atomic<int64_t> started{1};
  // The version "stable" was last set to (0: not yet).
  std::atomic<int64_t> stable{0};
  std::atomic<bool> stop{false};
  std::vector<ClientLog> logs(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      ClientLog& log = logs[c];
      auto stub = nbo::v1::NBOService::NewStub(server->NewChannel());
      std::mt19937 gen(c + 1);
      std::uniform_int_distribution<int> customer(0, kCustomers - 1);
      while (!stop.load()) {
        nbo::v1::RecommendRequest request;
        request.set_customer_id(SyntheticModel::CustomerId(customer(gen)));
        const bool by_label = c == kLabelClient && stable.load() > 0;
        if (by_label) request.mutable_model()->set_label("stable");
        absl::StatusOr<nbo::v1::RecommendResponse> r =
            Recommend(*stub, request);
        const int64_t started_now = started.load();
        if (!r.ok()) {
          if (log.failed++ == 0) log.first_failure = r.status().ToString();
          continue;
        }
        ++log.ok;
        const int64_t v = r->model_version();
        if (v < 1 || v > started_now ||
            r->strategy() != nbo::v1::STRATEGY_PERSONALIZED ||
            r->offers_size() != 3) {
          if (log.bad++ == 0) {
            log.first_bad =
                absl::StrCat("version ", v, " (publish of ", started_now,
                             " started), strategy ", r->strategy(), ", ",
                             r->offers_size(), " offers");
          }
        }
        if (by_label) {
          ++log.by_label[v];
        } else {
          ++log.by_default[v];
          if (v > log.latest.load()) log.latest.store(v);
        }
      }
    });
  }

  std::set<int64_t> available = {1};
  std::set<int64_t> labelled;
  for (int64_t v = 2; v <= kLastVersion && !HasFatalFailure(); ++v) {
    SCOPED_TRACE(absl::StrCat("version ", v));
    started.store(v);
    absl::StatusOr<nbo::v1::PublishModelResponse> published =
        Publish(*models, HotSwapModel(v).Messages());
    EXPECT_THAT(published, IsOk());
    if (!published.ok()) break;
    EXPECT_EQ(published->version(), v);
    EXPECT_EQ(published->state(), nbo::v1::VERSION_STATE_AVAILABLE);
    if (published->state() == nbo::v1::VERSION_STATE_AVAILABLE) {
      available.insert(v);
    }
    if (v % 2 == 0) {
      EXPECT_THAT(SetLabel(*models, "stable", v), IsOk());
      labelled.insert(v);
      stable.store(v);
    }
    // The swap is visible under load: a client that selects nothing gets
    // the new version (or a newer one) soon after the publish returned.
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (logs[0].latest.load() < v && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    EXPECT_GE(logs[0].latest.load(), v) << "no client saw the new version";
  }
  stop.store(true);
  for (std::thread& t : clients) t.join();

  for (int c = 0; c < kClients; ++c) {
    SCOPED_TRACE(absl::StrCat("client ", c));
    const ClientLog& log = logs[c];
    // Which versions answered, for whoever reads the test's output.
    std::string seen;
    for (const auto& [v, n] : log.by_default) {
      absl::StrAppend(&seen, " v", v, ":", n);
    }
    for (const auto& [v, n] : log.by_label) {
      absl::StrAppend(&seen, " stable=v", v, ":", n);
    }
    std::fprintf(stderr, "client %d: %lld answers;%s\n", c,
                 static_cast<long long>(log.ok), seen.c_str());
    EXPECT_GT(log.ok, 0);
    EXPECT_EQ(log.failed, 0) << "first failure: " << log.first_failure;
    EXPECT_EQ(log.bad, 0) << "first bad answer: " << log.first_bad;
    for (const auto& [v, n] : log.by_default) {
      EXPECT_TRUE(available.contains(v))
          << n << " answers from version " << v
          << ", which was never reported AVAILABLE";
    }
    for (const auto& [v, n] : log.by_label) {
      EXPECT_TRUE(labelled.contains(v))
          << n << " answers by label from version " << v
          << ", which the label never named";
    }
  }
  EXPECT_FALSE(logs[kLabelClient].by_label.empty());

  // Retention under load: the newest three unlabelled versions and the
  // labelled one stay; the rest were unloaded.
  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus status, GetModelStatus(*models));
  std::vector<int64_t> loaded;
  std::vector<int64_t> ended;
  for (const nbo::v1::VersionStatus& v : status.versions()) {
    if (v.state() == nbo::v1::VERSION_STATE_AVAILABLE) {
      loaded.push_back(v.version());
    } else if (v.state() == nbo::v1::VERSION_STATE_END) {
      ended.push_back(v.version());
    } else {
      ADD_FAILURE() << "version " << v.version() << " is in state "
                    << v.state();
    }
  }
  std::sort(loaded.begin(), loaded.end());
  std::sort(ended.begin(), ended.end());
  EXPECT_THAT(loaded, ElementsAre(8, 9, 10, 11));
  EXPECT_THAT(ended, ElementsAre(1, 2, 3, 4, 5, 6, 7));
  EXPECT_THAT(status.labels(), ElementsAre(Pair("stable", 10)));
}

}  // namespace
}  // namespace nbo::integration
