// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/model_manager.h"

#include <memory>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::serving {
namespace {

using ::nbo::serving::testing::Publish;
using ::nbo::serving::testing::TestModel;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

nbo::v1::ModelSelector Latest() { return {}; }
nbo::v1::ModelSelector Version(int64_t v) {
  nbo::v1::ModelSelector s;
  s.set_version(v);
  return s;
}
nbo::v1::ModelSelector Label(const std::string& label) {
  nbo::v1::ModelSelector s;
  s.set_label(label);
  return s;
}

class ModelManagerTest : public testing::ServingTest {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    ModelManager::Options options;
    options.keep_versions = 2;
    options.on_change = [this] { ++changes_; };
    ServingTest::Open(std::move(options));
  }

  void PublishVersion(int64_t version) {
    TestModel model;
    model.version = version;
    ASSERT_THAT(Publish(manager_.get(), store_.get(), model.Stream()), IsOk());
  }

  nbo::v1::VersionState StateOf(int64_t version) {
    auto status = manager_->GetModelStatus("nbo");
    if (!status.ok()) return nbo::v1::VERSION_STATE_UNSPECIFIED;
    for (const auto& v : status->versions()) {
      if (v.version() == version) return v.state();
    }
    return nbo::v1::VERSION_STATE_UNSPECIFIED;
  }

  int64_t RoutedVersion(const nbo::v1::ModelSelector& selector,
                        const std::string& customer = "C0000001") {
    auto route = manager_->Resolve(selector, customer);
    EXPECT_THAT(route, IsOk());
    return route.ok() ? route->version->version() : -1;
  }

  std::atomic<int> changes_{0};
};

TEST_F(ModelManagerTest, IsUnavailableUntilAVersionLoads) {
  EXPECT_FALSE(manager_->AnyAvailable());
  EXPECT_THAT(manager_->Resolve(Latest(), "C0000001"),
              StatusIs(absl::StatusCode::kUnavailable));
  nbo::v1::ModelSelector other;
  other.set_model_name("other");
  EXPECT_THAT(manager_->Resolve(other, "C0000001"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("other")));
  PublishVersion(1);
  EXPECT_TRUE(manager_->AnyAvailable());
  EXPECT_EQ(RoutedVersion(Latest()), 1);
  EXPECT_GT(changes_.load(), 0);
  EXPECT_EQ(manager_->swaps(), 1);
}

TEST_F(ModelManagerTest, RoutesExplicitVersionThenLabelThenSplitThenLatest) {
  PublishVersion(1);
  PublishVersion(2);
  EXPECT_EQ(RoutedVersion(Latest()), 2);
  EXPECT_EQ(RoutedVersion(Version(1)), 1);
  ASSERT_THAT(manager_->SetLabel("nbo", "stable", 1), IsOk());
  EXPECT_EQ(RoutedVersion(Label("stable")), 1);
  // A split sends everyone to the stable arm.
  ASSERT_THAT(manager_->SetTrafficSplit("nbo", {{0, "stable", 1}}, "s"),
              IsOk());
  auto route = manager_->Resolve(Latest(), "C0000001");
  ASSERT_THAT(route, IsOk());
  EXPECT_EQ(route->version->version(), 1);
  EXPECT_EQ(route->arm, "stable");
  // Explicit version still beats the split.
  EXPECT_EQ(RoutedVersion(Version(2)), 2);
  // Clearing the split goes back to the latest.
  ASSERT_THAT(manager_->SetTrafficSplit("nbo", {}, ""), IsOk());
  EXPECT_EQ(RoutedVersion(Latest()), 2);
}

TEST_F(ModelManagerTest, TrafficSplitIsStickyPerCustomerAndFollowsWeights) {
  PublishVersion(1);
  PublishVersion(2);
  ASSERT_THAT(manager_->SetTrafficSplit("nbo", {{1, "", 3}, {2, "", 1}}, "x"),
              IsOk());
  int on_v1 = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string customer = absl::StrFormat("C%07d", i);
    auto first = manager_->Resolve(Latest(), customer);
    auto again = manager_->Resolve(Latest(), customer);
    ASSERT_THAT(first, IsOk());
    ASSERT_THAT(again, IsOk());
    ASSERT_EQ(first->version->version(), again->version->version());
    on_v1 += first->version->version() == 1;
    EXPECT_EQ(first->arm, absl::StrFormat("v%d", first->version->version()));
  }
  // 3:1 weights; the hash is fixed, so the count is too (about 3000).
  EXPECT_GT(on_v1, 2800);
  EXPECT_LT(on_v1, 3200);
}

TEST_F(ModelManagerTest, ReportsUnknownVersionsAndLabelsAsNotFound) {
  PublishVersion(1);
  EXPECT_THAT(manager_->Resolve(Version(9), "C1"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("version 9")));
  EXPECT_THAT(manager_->Resolve(Label("canary"), "C1"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("canary")));
  EXPECT_THAT(manager_->Resolve(Version(-1), "C1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ModelManagerTest, LabelsOnlyAvailableVersionsWithExactCodes) {
  PublishVersion(1);
  EXPECT_THAT(manager_->SetLabel("nbo", "Stable!", 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(manager_->SetLabel("nbo", "stable", 7),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager_->SetLabel("nope", "stable", 1),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager_->SetLabel("nbo", "canary", 0),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(manager_->SetLabel("nbo", "stable", 1), IsOk());
  ASSERT_THAT(manager_->SetTrafficSplit("nbo", {{0, "stable", 1}}, ""), IsOk());
  EXPECT_THAT(manager_->SetLabel("nbo", "stable", 0),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ModelManagerTest, RejectsMalformedSplitsWithExactCodes) {
  PublishVersion(1);
  EXPECT_THAT(manager_->SetTrafficSplit("nbo", {{1, "", 0}}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(manager_->SetTrafficSplit("nbo", {{0, "", 1}}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(manager_->SetTrafficSplit("nbo", {{5, "", 1}}, ""),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager_->SetTrafficSplit("nbo", {{0, "ghost", 1}}, ""),
              StatusIs(absl::StatusCode::kNotFound));
  std::vector<store::SplitArm> many(17, store::SplitArm{1, "", 1});
  EXPECT_THAT(manager_->SetTrafficSplit("nbo", many, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ModelManagerTest, KeepsNewestVersionsPlusLabelledOnes) {
  PublishVersion(1);
  ASSERT_THAT(manager_->SetLabel("nbo", "stable", 1), IsOk());
  PublishVersion(2);
  PublishVersion(3);
  PublishVersion(4);
  // keep_versions = 2: versions 3 and 4, plus labelled 1; 2 is gone.
  EXPECT_EQ(StateOf(1), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_EQ(StateOf(2), nbo::v1::VERSION_STATE_END);
  EXPECT_EQ(StateOf(3), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_EQ(StateOf(4), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_THAT(store_->GetVersion("nbo", 2),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager_->Resolve(Version(2), "C1"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ModelManagerTest, KeepsOldVersionUntilInFlightRequestsFinish) {
  PublishVersion(1);
  PublishVersion(2);
  // A request in flight on version 1.
  ASSERT_OK_AND_ASSIGN(Route held, manager_->Resolve(Version(1), "C0000001"));
  // Version 3 pushes 1 out (keep 2); the unload must wait for `held`.
  std::thread publisher([this] { PublishVersion(3); });
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (StateOf(1) != nbo::v1::VERSION_STATE_UNLOADING &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(StateOf(1), nbo::v1::VERSION_STATE_UNLOADING);
  // Version 3 is already serving, and version 1's data is still readable by
  // the request that holds it.
  EXPECT_EQ(RoutedVersion(Latest()), 3);
  float factor[4];
  EXPECT_THAT(store_->GetCustomerFactor("nbo", 1, "C0000001", factor), IsOk());
  EXPECT_EQ(held.version->TopN(factor, 1).size(), 1u);
  held = Route();
  publisher.join();
  EXPECT_EQ(StateOf(1), nbo::v1::VERSION_STATE_END);
  EXPECT_THAT(store_->GetCustomerFactor("nbo", 1, "C0000001", factor),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ModelManagerTest, DeleteRefusesLabelledSplitOrOnlyVersion) {
  PublishVersion(1);
  EXPECT_THAT(manager_->DeleteVersion("nbo", 1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("only AVAILABLE")));
  ASSERT_THAT(manager_->SetLabel("nbo", "stable", 1), IsOk());
  EXPECT_THAT(
      manager_->DeleteVersion("nbo", 1),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("stable")));
  PublishVersion(2);
  ASSERT_THAT(manager_->SetTrafficSplit("nbo", {{2, "", 1}}, ""), IsOk());
  EXPECT_THAT(manager_->DeleteVersion("nbo", 2),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("traffic split")));
  EXPECT_THAT(manager_->DeleteVersion("nbo", 9),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager_->DeleteVersion("ghost", 1),
              StatusIs(absl::StatusCode::kNotFound));
  // Nothing changed.
  EXPECT_EQ(StateOf(1), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_EQ(StateOf(2), nbo::v1::VERSION_STATE_AVAILABLE);
}

TEST_F(ModelManagerTest, DeleteUnloadsAndReclaimsSpace) {
  PublishVersion(1);
  PublishVersion(2);
  EXPECT_GT(store_->ApproximateVersionBytes("nbo", 1), 0u);
  ASSERT_THAT(manager_->DeleteVersion("nbo", 1), IsOk());
  EXPECT_EQ(StateOf(1), nbo::v1::VERSION_STATE_END);
  EXPECT_EQ(store_->ApproximateVersionBytes("nbo", 1), 0u);
  EXPECT_THAT(manager_->DeleteVersion("nbo", 1),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ModelManagerTest, FailedVersionNeverReplacesTheServingOne) {
  PublishVersion(1);
  // Commit a version straight to the store whose catalog lists a product
  // without item factors: it cannot load.
  ASSERT_OK_AND_ASSIGN(auto writer, store_->BeginVersion("nbo", 2, 4));
  const float item[4] = {1, 0, 0, 0};
  ASSERT_THAT(writer->PutItemFactor(0, item), IsOk());
  store::VersionRecord record;
  record.model_name = "nbo";
  record.version = 2;
  record.rank = 4;
  record.catalog = {{"P01", "a", "c"}, {"P02", "b", "c"}};
  record.popularity = {0, 0};
  ASSERT_THAT(writer->Commit(record), IsOk());
  EXPECT_THAT(manager_->LoadVersion("nbo", 2),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("failed to load")));
  EXPECT_EQ(StateOf(2), nbo::v1::VERSION_STATE_FAILED);
  EXPECT_EQ(RoutedVersion(Latest()), 1);
  EXPECT_THAT(manager_->SetLabel("nbo", "canary", 2),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(manager_->Resolve(Version(2), "C1"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("FAILED")));
}

TEST_F(ModelManagerTest, RestoresVersionsLabelsAndSplitAfterRestart) {
  PublishVersion(1);
  PublishVersion(2);
  ASSERT_THAT(manager_->SetLabel("nbo", "stable", 1), IsOk());
  ASSERT_THAT(manager_->SetTrafficSplit("nbo", {{0, "stable", 1}}, "salt"),
              IsOk());
  Open();
  EXPECT_EQ(StateOf(1), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_EQ(StateOf(2), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_EQ(RoutedVersion(Label("stable")), 1);
  auto route = manager_->Resolve(Latest(), "C0000002");
  ASSERT_THAT(route, IsOk());
  EXPECT_EQ(route->arm, "stable");
  ASSERT_OK_AND_ASSIGN(auto status, manager_->GetModelStatus("nbo"));
  EXPECT_EQ(status.split_salt(), "salt");
  EXPECT_EQ(status.labels().at("stable"), 1);
}

// A version record as a server before model kinds stored it: no kind
// (0 on reading), implicit-ALS factors.
TEST_F(ModelManagerTest, AVersionStoredBeforeKindsLoadsAsImplicitAls) {
  ASSERT_OK_AND_ASSIGN(auto writer, store_->BeginVersion("nbo", 3, 2));
  const float a[2] = {1, 0};
  const float b[2] = {0, 2};
  ASSERT_THAT(writer->PutItemFactor(0, a), IsOk());
  ASSERT_THAT(writer->PutItemFactor(1, b), IsOk());
  store::VersionRecord record;
  record.model_name = "nbo";
  record.version = 3;
  record.rank = 2;
  record.catalog = {{"P01", "a", "c"}, {"P02", "b", "c"}};
  record.popularity = {0, 0};
  ASSERT_EQ(record.model_kind, 0);
  ASSERT_THAT(writer->Commit(record), IsOk());
  Open();
  EXPECT_EQ(StateOf(3), nbo::v1::VERSION_STATE_AVAILABLE);
  ASSERT_OK_AND_ASSIGN(auto route, manager_->Resolve(Version(3), "C1"));
  EXPECT_EQ(route.version->kind(), model::ModelKind::kImplicitAls);
  EXPECT_EQ(route.version->gramian()(1, 1), 4.0f);  // ALS's fold-in needs it.
  ASSERT_OK_AND_ASSIGN(auto status, manager_->GetModelStatus("nbo"));
  EXPECT_EQ(status.versions(0).model_kind(), nbo::v1::MODEL_KIND_IMPLICIT_ALS);
}

// A store written by a newer server holding a kind this one does not know
// (a rollback): the version fails, names the kind, and is kept for the
// server that can serve it.
TEST_F(ModelManagerTest, AStoredVersionOfAnUnknownKindFailsButStays) {
  PublishVersion(1);
  ASSERT_OK_AND_ASSIGN(auto writer, store_->BeginVersion("nbo", 2, 1));
  const float a[1] = {1};
  ASSERT_THAT(writer->PutItemFactor(0, a), IsOk());
  store::VersionRecord record;
  record.model_name = "nbo";
  record.version = 2;
  record.rank = 1;
  record.catalog = {{"P01", "a", "c"}};
  record.popularity = {0};
  record.model_kind = 7;
  ASSERT_THAT(writer->Commit(record), IsOk());
  EXPECT_THAT(manager_->LoadVersion("nbo", 2),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("model kind 7 is unknown")));
  EXPECT_EQ(StateOf(2), nbo::v1::VERSION_STATE_FAILED);
  EXPECT_EQ(RoutedVersion(Latest()), 1);
  EXPECT_THAT(store_->GetVersion("nbo", 2), IsOk());
  Open();
  EXPECT_EQ(StateOf(2), nbo::v1::VERSION_STATE_FAILED);
  ASSERT_OK_AND_ASSIGN(auto status, manager_->GetModelStatus("nbo"));
  for (const auto& v : status.versions()) {
    if (v.version() == 2) {
      EXPECT_EQ(static_cast<int>(v.model_kind()), 7);
    }
  }
}

}  // namespace
}  // namespace nbo::serving
