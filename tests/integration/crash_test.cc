// Copyright (c) 2026 The nbo Authors. MIT License.
//
// kill -9 in the middle of a PublishModel stream, again and again: after each
// restart the store must open, the interrupted version must be gone without
// a trace, the old version must still serve, and the interrupted version
// number must be publishable. Every third round dies around the commit
// instead, where the version must be either whole or absent, and present if
// the publish was acknowledged.
//
// Iterations: 3, or NBO_CRASH_ITERATIONS (the "heavy" ctest entry runs 50).

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
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
using ::nbo::testing::StatusIs;

constexpr char kPublishBytes[] = "nbo_model_publish_bytes_total";

int Iterations() {
  const char* env = std::getenv("NBO_CRASH_ITERATIONS");
  int n = 0;
  if (env != nullptr && absl::SimpleAtoi(env, &n) && n > 0) return n;
  return 3;
}

// The version that must survive every crash.
SyntheticModel BaseModel() {
  SyntheticModel::Options options;
  options.version = 1;
  options.customers = 1000;
  options.products = 20;
  options.rank = 32;
  options.seed = 11;
  options.rows_per_chunk = 500;
  return SyntheticModel(options);
}

// The version being published when the server dies: big enough that the
// stream takes a while, in chunks of 2,000 rows (~290 KB).
SyntheticModel BigModel(int64_t version) {
  SyntheticModel::Options options;
  options.version = version;
  options.customers = 150000;
  options.products = 20;
  options.rank = 32;
  options.seed = 13;
  options.rows_per_chunk = 2000;
  return SyntheticModel(options);
}

// The interrupted version number, published for real after the restart.
SyntheticModel RetryModel(int64_t version) {
  SyntheticModel::Options options;
  options.version = version;
  options.customers = 1000;
  options.products = 20;
  options.rank = 32;
  options.seed = 17;
  options.rows_per_chunk = 500;
  return SyntheticModel(options);
}

absl::StatusOr<double> PublishBytes(const ServerProcess& server) {
  absl::StatusOr<std::string> metrics = server.FetchMetrics();
  if (!metrics.ok()) return metrics.status();
  return MetricValue(*metrics, kPublishBytes);
}

class CrashTest : public ::testing::Test {
 protected:
  void StartServer() {
    ASSERT_OK_AND_ASSIGN(server_, ServerProcess::Start(dir_.Sub("data")));
    Connect();
  }
  void Connect() {
    nbo_ = nbo::v1::NBOService::NewStub(server_->channel());
    models_ = nbo::v1::ModelService::NewStub(server_->channel());
  }

  // Asserts that the model holds exactly version 1, AVAILABLE, and that it
  // answers a known customer.
  void ExpectOnlyVersionOneServes(int64_t interrupted) {
    ASSERT_OK_AND_ASSIGN(nbo::v1::ListModelsResponse list,
                         ListModels(*models_));
    ASSERT_EQ(list.models_size(), 1);
    EXPECT_EQ(list.models(0).model_name(), "nbo");
    ASSERT_EQ(list.models(0).versions_size(), 1);
    EXPECT_EQ(list.models(0).versions(0).version(), 1);
    EXPECT_EQ(list.models(0).versions(0).state(),
              nbo::v1::VERSION_STATE_AVAILABLE);
    EXPECT_EQ(list.models(0).versions(0).customer_count(), 1000);
    ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus status, GetModelStatus(*models_));
    ASSERT_EQ(status.versions_size(), 1);
    EXPECT_EQ(status.versions(0).version(), 1);

    ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r,
                         Recommend(*nbo_, "C0000042", 5));
    EXPECT_EQ(r.model_version(), 1);
    EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
    std::vector<std::string> offered;
    for (const nbo::v1::Offer& offer : r.offers()) {
      offered.push_back(offer.product_id());
    }
    EXPECT_EQ(offered, BaseModel().ExpectedTopN(41, 5));
    // A customer only the interrupted version had is unknown.
    ASSERT_OK_AND_ASSIGN(r, Recommend(*nbo_, "C0100000"));
    EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_POPULARITY);
    EXPECT_THAT(Recommend(*nbo_, "C0000042", 3, interrupted),
                StatusIs(absl::StatusCode::kNotFound));
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<nbo::v1::NBOService::Stub> nbo_;
  std::unique_ptr<nbo::v1::ModelService::Stub> models_;
};

TEST_F(CrashTest, KillDuringPublishLeavesNoPartialVersion) {
  const int iterations = Iterations();
  std::mt19937 gen(20260401);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_OK_AND_ASSIGN(nbo::v1::PublishModelResponse base,
                       Publish(*models_, BaseModel().Messages()));
  ASSERT_EQ(base.state(), nbo::v1::VERSION_STATE_AVAILABLE);

  // Header, item chunk, customer chunks, commit.
  std::vector<nbo::v1::PublishModelRequest> stream = BigModel(2).Messages();
  const int chunks = static_cast<int>(stream.size()) - 2;

  for (int i = 0; i < iterations && !HasFatalFailure(); ++i) {
    const int64_t version = 2 + i;
    stream[0].mutable_header()->set_version(version);
    // Most rounds never send the commit, so the server cannot commit and the
    // outcome is known exactly; they die once the server has taken the
    // header and at least `k` chunks (0 <= k <= chunks), i.e. anywhere from
    // "pending marker written" to "every row written, commit awaited". Every
    // third round sends the commit and dies while the server commits and
    // loads (or just after): the version must then be there whole, or not
    // at all.
    const bool with_commit = i % 3 == 2;
    const int k = with_commit
                      ? chunks
                      : std::uniform_int_distribution<int>(0, chunks)(gen);
    SCOPED_TRACE(absl::StrCat(
        "iteration ", i, ": version ", version,
        with_commit ? ", kill during the commit"
                    : absl::StrCat(", kill after chunk ", k, " of ", chunks)));
    uint64_t threshold = 0;
    for (int m = 0; m <= (with_commit ? chunks + 1 : k); ++m) {
      threshold += stream[m].ByteSizeLong();
    }
    ASSERT_OK_AND_ASSIGN(const double bytes_before, PublishBytes(*server_));

    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(300)));
    nbo::v1::PublishModelResponse response;
    auto writer = models_->PublishModel(&context, &response);
    absl::Notification killed;
    std::atomic<bool> stream_ended{false};
    grpc::Status publish_status;
    std::thread sender([&] {
      const size_t count = with_commit ? stream.size() : stream.size() - 1;
      bool written = true;
      for (size_t m = 0; m < count && written; ++m) {
        written = writer->Write(stream[m]);
      }
      if (with_commit || !written) {
        // The server answers (or has already ended the call).
        writer->WritesDone();
        publish_status = writer->Finish();
        stream_ended = true;
        return;
      }
      // No commit and no half-close: the stream stays open until the
      // server dies.
      killed.WaitForNotification();
      publish_status = writer->Finish();
    });

    // Poll the server's own count of the publish bytes it has processed.
    const absl::Time deadline = absl::Now() + absl::Seconds(120);
    absl::StatusOr<double> bytes = PublishBytes(*server_);
    while (bytes.ok() && *bytes - bytes_before < threshold && !stream_ended &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
      bytes = PublishBytes(*server_);
    }
    const double processed = bytes.ok() ? *bytes - bytes_before : -1;
    if (with_commit) {
      // Not a synchronization: a seeded random kill point inside the commit
      // window (flush, commit record and load take tens of ms), so that
      // some rounds die before the commit and some after it.
      absl::SleepFor(
          absl::Milliseconds(std::uniform_int_distribution<int>(0, 120)(gen)));
    }
    EXPECT_THAT(server_->Kill9(), IsOk());
    killed.Notify();
    sender.join();
    std::fprintf(stderr,
                 "crash_test: round %d killed after %.0f of %llu bytes (%s)\n",
                 i, processed, static_cast<unsigned long long>(threshold),
                 !with_commit          ? "no commit"
                 : publish_status.ok() ? "commit acknowledged"
                                       : "commit sent");
    ASSERT_GE(processed, static_cast<double>(threshold))
        << "the server never processed the stream up to the kill point";
    if (!with_commit) {
      EXPECT_THAT(services::FromGrpcStatus(publish_status),
                  StatusIs(absl::StatusCode::kUnavailable));
    } else if (!publish_status.ok()) {
      EXPECT_THAT(services::FromGrpcStatus(publish_status),
                  StatusIs(absl::StatusCode::kUnavailable));
    }

    // The store opens and throws an interrupted publish away.
    ASSERT_THAT(server_->Restart(), IsOk());
    Connect();
    const int removed = server_->CountInLog(
        absl::StrCat("nbo: removed version ", version,
                     " of model 'nbo': its publish never committed"));
    ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus status, GetModelStatus(*models_));
    const nbo::v1::VersionStatus* committed = nullptr;
    for (const nbo::v1::VersionStatus& v : status.versions()) {
      if (v.version() == version) committed = &v;
    }
    std::fprintf(stderr, "crash_test: round %d after restart: %s\n", i,
                 committed != nullptr ? "committed whole"
                 : removed == 1       ? "removed as partial"
                                      : "neither committed nor removed");
    if (!with_commit) {
      EXPECT_EQ(removed, 1);
      EXPECT_EQ(committed, nullptr);
    } else {
      // Exactly one of: committed whole, or removed as partial.
      EXPECT_EQ(removed, committed == nullptr ? 1 : 0);
      if (publish_status.ok()) {
        // An acknowledged publish is durable.
        EXPECT_NE(committed, nullptr)
            << "version " << version << " was acknowledged, then lost";
      }
    }

    if (committed != nullptr) {
      // The crash hit after the commit: the version is whole and serves.
      EXPECT_EQ(committed->state(), nbo::v1::VERSION_STATE_AVAILABLE);
      EXPECT_EQ(committed->customer_count(), 150000);
      EXPECT_EQ(committed->product_count(), 20);
      ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r,
                           Recommend(*nbo_, "C0150000", 3, version));
      EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
      EXPECT_THAT(Publish(*models_, RetryModel(version).Messages()),
                  StatusIs(absl::StatusCode::kAlreadyExists));
    } else {
      ASSERT_NO_FATAL_FAILURE(ExpectOnlyVersionOneServes(version));
      // The interrupted number is free.
      ASSERT_OK_AND_ASSIGN(nbo::v1::PublishModelResponse retried,
                           Publish(*models_, RetryModel(version).Messages()));
      EXPECT_EQ(retried.version(), version);
      EXPECT_EQ(retried.state(), nbo::v1::VERSION_STATE_AVAILABLE);
      ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r,
                           Recommend(*nbo_, "C0000042", 5));
      EXPECT_EQ(r.model_version(), version);
      EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
      std::vector<std::string> offered;
      for (const nbo::v1::Offer& offer : r.offers()) {
        offered.push_back(offer.product_id());
      }
      EXPECT_EQ(offered, RetryModel(version).ExpectedTopN(41, 5));
    }

    // Back to version 1 alone for the next round.
    {
      grpc::ClientContext delete_context;
      delete_context.set_deadline(
          absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
      nbo::v1::DeleteVersionRequest request;
      request.set_version(version);
      nbo::v1::DeleteVersionResponse deleted;
      ASSERT_THAT(services::FromGrpcStatus(models_->DeleteVersion(
                      &delete_context, request, &deleted)),
                  IsOk());
    }
    ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r,
                         Recommend(*nbo_, "C0000042"));
    EXPECT_EQ(r.model_version(), 1);
  }

  // A last restart: what the loop left (version 1 alone) is what comes back.
  ASSERT_THAT(server_->Kill9(), IsOk());
  ASSERT_THAT(server_->Restart(), IsOk());
  Connect();
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyVersionOneServes(2 + iterations));
}

}  // namespace
}  // namespace nbo::integration
