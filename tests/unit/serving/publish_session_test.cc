// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/publish_session.h"

#include <cmath>
#include <limits>
#include <memory>

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

using Stream = std::vector<nbo::v1::PublishModelRequest>;

class PublishSessionTest : public testing::ServingTest {
 protected:
  // Publishing `stream` fails with `code` and a message containing `text`,
  // and leaves nothing behind: no version, no bytes, nothing routable.
  void ExpectRejected(const Stream& stream, absl::StatusCode code,
                      const std::string& text, int64_t version = 1) {
    EXPECT_THAT(Publish(manager_.get(), store_.get(), stream),
                StatusIs(code, HasSubstr(text)));
    EXPECT_THAT(store_->GetVersion("nbo", version),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_EQ(store_->ApproximateVersionBytes("nbo", version), 0u);
  }
};

TEST_F(PublishSessionTest, PublishesAndLoadsACompleteStream) {
  TestModel model;
  ASSERT_OK_AND_ASSIGN(auto response,
                       Publish(manager_.get(), store_.get(), model.Stream()));
  EXPECT_EQ(response.model_name(), "nbo");
  EXPECT_EQ(response.version(), 1);
  EXPECT_EQ(response.state(), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_EQ(response.customer_count(), model.customers);
  EXPECT_EQ(response.product_count(), model.products);
  EXPECT_GT(response.bytes_received(), 0u);
  ASSERT_OK_AND_ASSIGN(auto record, store_->GetVersion("nbo", 1));
  // Popularity is the mean predicted score: product j's factor is
  // (1+j) e_(j%4), and customers spread evenly-ish over the 4 unit vectors
  // (C1..C10 -> 3,3,2,2), so P01 (j=0, e_0, 3 customers) scores 1*3/10.
  EXPECT_NEAR(record.popularity[0], 0.3, 1e-9);
  EXPECT_NEAR(record.popularity[5], 6.0 * 3 / 10, 1e-9);  // j=5 -> e_1.
}

TEST_F(PublishSessionTest,
       PublishesAnEaseVersionThatKeepsItsKindAcrossRestarts) {
  TestModel model;
  model.model_kind = nbo::v1::MODEL_KIND_EASE;
  model.rank = model.products;  // EASE: one entry per product.
  ASSERT_OK_AND_ASSIGN(auto response,
                       Publish(manager_.get(), store_.get(), model.Stream()));
  EXPECT_EQ(response.state(), nbo::v1::VERSION_STATE_AVAILABLE);
  for (int reopened = 0; reopened < 2; ++reopened) {
    ASSERT_OK_AND_ASSIGN(auto status, manager_->GetModelStatus("nbo"));
    ASSERT_EQ(status.versions_size(), 1);
    EXPECT_EQ(status.versions(0).model_kind(), nbo::v1::MODEL_KIND_EASE);
    ASSERT_OK_AND_ASSIGN(auto route,
                         manager_->Resolve(nbo::v1::ModelSelector(), "C1"));
    EXPECT_EQ(route.version->kind(), model::ModelKind::kEase);
    EXPECT_EQ(route.version->gramian().size(), 0);
    Open();  // A restart: the kind comes back from the store.
  }
}

TEST_F(PublishSessionTest, HoldsAnEaseRankToTheCatalogSize) {
  TestModel model;
  model.model_kind = nbo::v1::MODEL_KIND_EASE;
  model.rank = model.products - 1;
  ExpectRejected(model.Stream(), absl::StatusCode::kInvalidArgument,
                 "must be its catalog size 6, got 5");
}

TEST_F(PublishSessionTest, RefusesAKindItDoesNotKnowNamingIt) {
  TestModel model;
  model.model_kind = 7;  // A future publisher's kind.
  ExpectRejected(model.Stream(), absl::StatusCode::kFailedPrecondition,
                 "model kind 7 is unknown");
}

TEST_F(PublishSessionTest, RejectsADuplicateVersionWithAlreadyExists) {
  TestModel model;
  ASSERT_THAT(Publish(manager_.get(), store_.get(), model.Stream()), IsOk());
  EXPECT_THAT(Publish(manager_.get(), store_.get(), model.Stream()),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(auto record, store_->GetVersion("nbo", 1));
  EXPECT_EQ(record.customer_count, model.customers);
}

TEST_F(PublishSessionTest, RejectsBadHeaders) {
  TestModel model;
  {
    Stream s = model.Stream();
    s[0].mutable_header()->set_version(0);
    ExpectRejected(s, absl::StatusCode::kInvalidArgument, "version", 0);
  }
  {
    Stream s = model.Stream();
    s[0].mutable_header()->set_rank(0);
    ExpectRejected(s, absl::StatusCode::kInvalidArgument, "rank");
  }
  {
    Stream s = model.Stream();
    s[0].mutable_header()->set_model_name("bad name");
    EXPECT_THAT(
        Publish(manager_.get(), store_.get(), s),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("model name")));
  }
  {
    Stream s = model.Stream();
    *s[0].mutable_header()->add_catalog() = s[0].header().catalog(0);
    ExpectRejected(s, absl::StatusCode::kInvalidArgument, "twice");
  }
  {
    Stream s = model.Stream();
    s[0].mutable_header()->clear_catalog();
    ExpectRejected(s, absl::StatusCode::kInvalidArgument, "catalog");
  }
  {
    Stream s = model.Stream();
    (*s[0].mutable_header()->mutable_popularity())["P99"] = 1.0;
    ExpectRejected(s, absl::StatusCode::kInvalidArgument, "P99");
  }
}

TEST_F(PublishSessionTest, RejectsFactorsOfTheWrongLength) {
  TestModel model;
  Stream s = model.Stream();
  s[1].mutable_item_factors()->mutable_rows(2)->add_values(1.0f);
  ExpectRejected(s, absl::StatusCode::kInvalidArgument, "'P03' has 5 values");
  s = model.Stream();
  s[2].mutable_customer_factors()
      ->mutable_rows(1)
      ->mutable_values()
      ->RemoveLast();
  ExpectRejected(s, absl::StatusCode::kInvalidArgument,
                 "customer row 1 has 3 values");
}

TEST_F(PublishSessionTest, RejectsNanAndInfinity) {
  TestModel model;
  Stream s = model.Stream();
  s[1].mutable_item_factors()->mutable_rows(0)->set_values(
      1, std::numeric_limits<float>::quiet_NaN());
  ExpectRejected(s, absl::StatusCode::kInvalidArgument, "NaN");
  s = model.Stream();
  s[3].mutable_customer_factors()->mutable_rows(0)->set_values(
      0, std::numeric_limits<float>::infinity());
  ExpectRejected(s, absl::StatusCode::kInvalidArgument, "infinite");
}

TEST_F(PublishSessionTest, RejectsUnknownAndMissingProducts) {
  TestModel model;
  Stream s = model.Stream();
  s[1].mutable_item_factors()->mutable_rows(0)->set_id("P77");
  ExpectRejected(s, absl::StatusCode::kInvalidArgument,
                 "'P77', which is not in the catalog");
  s = model.Stream();
  s[1].mutable_item_factors()->mutable_rows()->RemoveLast();
  ExpectRejected(s, absl::StatusCode::kFailedPrecondition,
                 "'P06' has no item factors");
}

TEST_F(PublishSessionTest, RejectsStreamsOutOfOrder) {
  TestModel model;
  Stream s = model.Stream();
  s.erase(s.begin());
  EXPECT_THAT(Publish(manager_.get(), store_.get(), s),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("start with a header")));
  s = model.Stream();
  s.insert(s.end() - 1, s[1]);  // Items again after the customers.
  ExpectRejected(s, absl::StatusCode::kFailedPrecondition,
                 "before customer factors");
  s = model.Stream();
  s.push_back(s[2]);  // Customers after the commit.
  ExpectRejected(s, absl::StatusCode::kFailedPrecondition, "follow the commit");
  s = model.Stream();
  s.push_back(s[0]);
  s.erase(s.end() - 2);  // A second header instead of the commit.
  ExpectRejected(s, absl::StatusCode::kFailedPrecondition, "second header");
}

TEST_F(PublishSessionTest, AStreamEndingWithoutCommitPublishesNothing) {
  TestModel model;
  Stream s = model.Stream();
  s.pop_back();
  ExpectRejected(s, absl::StatusCode::kFailedPrecondition,
                 "ended without a commit");
  // The same version can then be published for real.
  EXPECT_THAT(Publish(manager_.get(), store_.get(), model.Stream()), IsOk());
}

TEST_F(PublishSessionTest, RejectsCountsThatDisagreeWithTheCommit) {
  TestModel model;
  Stream s = model.Stream();
  s.back().mutable_commit()->set_expected_customer_count(model.customers + 1);
  ExpectRejected(s, absl::StatusCode::kFailedPrecondition, "11 customer rows");
}

TEST_F(PublishSessionTest, EnforcesTheChunkSizeAtTheBoundAndOnePast) {
  TestModel model;
  model.customers = 8;
  model.rows_per_chunk = 8;
  Stream s = model.Stream();
  const size_t chunk_bytes = s[2].ByteSizeLong();
  PublishLimits at_bound;
  at_bound.max_chunk_bytes = chunk_bytes;
  {
    PublishSession session(manager_.get(), store_.get(), at_bound);
    for (const auto& m : s) ASSERT_THAT(session.Add(m), IsOk());
    EXPECT_THAT(session.Finish(), IsOk());
  }
  model.version = 2;
  s = model.Stream();
  PublishLimits below = at_bound;
  below.max_chunk_bytes = chunk_bytes - 1;
  PublishSession session(manager_.get(), store_.get(), below);
  ASSERT_THAT(session.Add(s[0]), IsOk());
  ASSERT_THAT(session.Add(s[1]), IsOk());
  EXPECT_THAT(session.Add(s[2]), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("limit is")));
  EXPECT_EQ(store_->ApproximateVersionBytes("nbo", 2), 0u);
}

TEST_F(PublishSessionTest, RejectsBadCustomerIdsWithoutEchoingThem) {
  TestModel model;
  Stream s = model.Stream();
  s[2].mutable_customer_factors()->mutable_rows(0)->set_id(
      std::string(129, 'x'));
  ExpectRejected(s, absl::StatusCode::kInvalidArgument,
                 "customer row 0: customer_id is 129 bytes");
}

// Feeds `stream` to a session with `limits` and finishes it.
absl::StatusOr<nbo::v1::PublishModelResponse> PublishWith(
    ModelManager* manager, store::ModelStore* store, PublishLimits limits,
    const Stream& stream) {
  PublishSession session(manager, store, std::move(limits));
  for (const nbo::v1::PublishModelRequest& m : stream) {
    if (absl::Status s = session.Add(m); !s.ok()) return s;
  }
  return session.Finish();
}

PublishLimits WithFreeSpace(uint64_t free_bytes) {
  PublishLimits limits;
  limits.free_bytes = [free_bytes]() -> absl::StatusOr<uint64_t> {
    return free_bytes;
  };
  return limits;
}

TEST_F(PublishSessionTest, RefusesAVersionThatDoesNotFitBeforeWriting) {
  TestModel model;
  Stream s = model.Stream();
  s[0].mutable_header()->set_customer_count(10'000'000);
  const uint64_t free = uint64_t{200} << 20;
  PublishSession session(manager_.get(), store_.get(), WithFreeSpace(free));
  EXPECT_THAT(
      session.Add(s[0]),
      StatusIs(absl::StatusCode::kResourceExhausted,
               ::testing::MatchesRegex(
                   "storage full: version needs about [0-9]+ MiB, 200 MiB "
                   "free")));
  EXPECT_EQ(store_->ApproximateVersionBytes("nbo", 1), 0u);
  // The same space holds the version as it really is (10 customers).
  s[0].mutable_header()->set_customer_count(10);
  EXPECT_THAT(PublishWith(manager_.get(), store_.get(), WithFreeSpace(free), s),
              IsOk());
}

TEST_F(PublishSessionTest, KeepsAReserveBesidesTheVersion) {
  TestModel model;
  PublishLimits limits = WithFreeSpace(uint64_t{63} << 20);
  EXPECT_THAT(
      PublishWith(manager_.get(), store_.get(), limits, model.Stream()),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("63 MiB free")));
  limits.free_space_reserve_bytes = uint64_t{32} << 20;
  EXPECT_THAT(PublishWith(manager_.get(), store_.get(), limits, model.Stream()),
              IsOk());
}

TEST_F(PublishSessionTest, FreeSpaceQueryFailureFailsThePublish) {
  PublishLimits limits;
  limits.free_bytes = []() -> absl::StatusOr<uint64_t> {
    return absl::InternalError("cannot query free space of /data");
  };
  EXPECT_THAT(
      PublishWith(manager_.get(), store_.get(), limits, TestModel().Stream()),
      StatusIs(absl::StatusCode::kInternal, HasSubstr("/data")));
}

TEST_F(PublishSessionTest, HoldsTheStreamToTheDeclaredCustomerCount) {
  TestModel model;  // 10 customers, chunks of 4.
  Stream s = model.Stream();
  s[0].mutable_header()->set_customer_count(-1);
  ExpectRejected(s, absl::StatusCode::kInvalidArgument,
                 "header.customer_count must be in [0, 10000000000], got -1");
  s[0].mutable_header()->set_customer_count(5);
  ExpectRejected(s, absl::StatusCode::kInvalidArgument,
                 "more than the 5 customer rows its header declared");
  s[0].mutable_header()->set_customer_count(11);
  ExpectRejected(s, absl::StatusCode::kFailedPrecondition,
                 "header declares 11 customer rows; the stream carried 10");
  s[0].mutable_header()->set_customer_count(10);
  EXPECT_THAT(Publish(manager_.get(), store_.get(), s), IsOk());
}

// Issue 10: a publish failing on a full disk kept its version number until
// restart. Whatever fails it, the same version publishes right after.
TEST_F(PublishSessionTest, AFailedPublishReleasesItsVersionAtOnce) {
  TestModel model;
  Stream bad = model.Stream();
  bad[2].mutable_customer_factors()->mutable_rows(0)->add_values(1.0f);
  // The deletion of the partial data fails too, as on a full disk.
  store_->FailRemovalsForTesting(absl::ResourceExhaustedError("disk full"));
  EXPECT_THAT(Publish(manager_.get(), store_.get(), bad),
              StatusIs(absl::StatusCode::kInvalidArgument));
  {
    // A stream that stops midway (the client went away).
    PublishSession session(manager_.get(), store_.get(), PublishLimits());
    ASSERT_THAT(session.Add(bad[0]),
                StatusIs(absl::StatusCode::kResourceExhausted));
  }
  store_->FailRemovalsForTesting(absl::OkStatus());
  {
    PublishSession session(manager_.get(), store_.get(), PublishLimits());
    ASSERT_THAT(session.Add(bad[0]), IsOk());
    ASSERT_THAT(session.Add(bad[1]), IsOk());
  }
  ASSERT_OK_AND_ASSIGN(auto response,
                       Publish(manager_.get(), store_.get(), model.Stream()));
  EXPECT_EQ(response.version(), 1);
  EXPECT_EQ(response.state(), nbo::v1::VERSION_STATE_AVAILABLE);
}

}  // namespace
}  // namespace nbo::serving
