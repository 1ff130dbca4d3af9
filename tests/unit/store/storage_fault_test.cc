// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A full disk is a state of the stores, not a crash: writes fail with
// RESOURCE_EXHAUSTED and are not acknowledged, reads keep working, and once
// space returns writes work again without reopening the store. The disk is
// made full with StorageFaults (every file write fails with ENOSPC, as on a
// full disk); tests/integration/disk_full_test.cc does the same with a real
// full tmpfs and real processes.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/status_macros.h"
#include "lib/store/customer_store.h"
#include "lib/store/model_store.h"
#include "lib/store/storage_faults.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::store {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr absl::StatusCode kFull = absl::StatusCode::kResourceExhausted;
constexpr int32_t kRank = 4;

absl::Time At(int64_t seconds) {
  return absl::FromUnixSeconds(1700000000) + absl::Seconds(seconds);
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  out->set_seconds(absl::ToUnixSeconds(t));
}

nbo::v1::Transaction Txn(const std::string& customer, const std::string& id,
                         absl::Time when) {
  nbo::v1::Transaction t;
  t.set_customer_id(customer);
  t.set_product_id("savings");
  t.set_event(nbo::v1::TRANSACTION_EVENT_OPEN);
  t.set_transaction_id(id);
  SetTime(when, t.mutable_timestamp());
  return t;
}

nbo::v1::DecisionRecord Decision(const std::string& id, absl::Time when) {
  nbo::v1::DecisionRecord record;
  record.set_decision_id(id);
  SetTime(when, record.mutable_timestamp());
  record.set_model_name("m");
  record.set_model_version(1);
  record.add_offers()->set_product_id("savings");
  return record;
}

nbo::v1::FeedbackEvent Accepted(absl::Time when) {
  nbo::v1::FeedbackEvent event;
  event.set_product_id("savings");
  event.set_outcome(nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  SetTime(when, event.mutable_timestamp());
  return event;
}

// Calls `check` (a store's CheckStorage) until it is OK: RocksDB's own
// recovery runs on its threads (its SstFileManager looks for space every
// 5 s), so there is no event of ours to wait for. Bounded; the bound is far
// above what recovery takes.
template <typename Check>
absl::Status WaitUntilWritable(Check check) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  absl::Status s = check();
  while (!s.ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    s = check();
  }
  return s;
}

// The record of version 1 of "nbo": one product.
VersionRecord OneProductVersion() {
  VersionRecord record;
  record.model_name = "nbo";
  record.version = 1;
  record.rank = kRank;
  record.catalog.push_back({"p0", "Product 0", "cards"});
  record.popularity.push_back(1.0);
  record.product_count = 1;
  return record;
}

// A model store in `dir` whose disk `faults` controls.
std::unique_ptr<ModelStore> OpenModelStore(const TempDir& dir,
                                           StorageFaults* faults) {
  ModelStore::Options options;
  options.path = dir.Sub("models");
  options.block_cache_bytes = 4 << 20;
  options.faults = faults;
  absl::StatusOr<std::unique_ptr<ModelStore>> store = ModelStore::Open(options);
  EXPECT_THAT(store, IsOk());
  return store.ok() ? *std::move(store) : nullptr;
}

class CustomerStoreFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CustomerStore::Options options;
    options.path = dir_.Sub("customers");
    options.block_cache_bytes = 4 << 20;
    options.faults = &faults_;
    ASSERT_OK_AND_ASSIGN(store_, CustomerStore::Open(options));
  }

  // Logs a decision and waits until it is in RocksDB (feedback waits for
  // the log).
  std::string LogAndWrite(absl::Time when) {
    const std::string id = MakeDecisionId(when);
    EXPECT_THAT(store_->LogDecision("C1", Decision(id, when)), IsOk());
    EXPECT_THAT(store_->RecentDecisions("C1", 1), IsOk());
    return id;
  }

  TempDir dir_;
  StorageFaults faults_;
  std::unique_ptr<CustomerStore> store_;
};

TEST_F(CustomerStoreFaultTest,
       WritesFailAsStorageFullAndResumeWhenSpaceReturns) {
  ASSERT_THAT(store_->AppendTransactions({Txn("C1", "t1", At(1))}), IsOk());
  ASSERT_THAT(store_->CheckStorage(), IsOk());

  faults_.SetDiskFull(true);
  EXPECT_THAT(store_->AppendTransactions({Txn("C1", "t2", At(2))}),
              StatusIs(kFull, HasSubstr("storage full")));
  // Still full: the store says so, and every kind of write fails the same
  // way, without crashing.
  EXPECT_THAT(store_->CheckStorage(), StatusIs(kFull));
  nbo::v1::CustomerProfile profile;
  profile.set_customer_id("C2");
  EXPECT_THAT(store_->UpsertProfiles({profile}), StatusIs(kFull));
  EXPECT_THAT(store_->AppendTransactions({Txn("C1", "t3", At(3))}),
              StatusIs(kFull));
  // Reads work from what is stored.
  ASSERT_OK_AND_ASSIGN(CustomerState state, store_->GetState("C1"));
  EXPECT_EQ(state.transaction_count, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<nbo::v1::Transaction> stored,
                       store_->RecentTransactions("C1", 10));
  EXPECT_THAT(stored, SizeIs(1));

  faults_.SetDiskFull(false);
  ASSERT_THAT(WaitUntilWritable([&] { return store_->CheckStorage(); }),
              IsOk());
  // Nothing refused was stored, and the same transactions are accepted now.
  ASSERT_OK_AND_ASSIGN(AppendResult result,
                       store_->AppendTransactions(
                           {Txn("C1", "t2", At(2)), Txn("C1", "t3", At(3))}));
  EXPECT_EQ(result.accepted, 2);
  EXPECT_EQ(result.duplicates, 0);
  ASSERT_THAT(store_->UpsertProfiles({profile}), IsOk());
  ASSERT_OK_AND_ASSIGN(state, store_->GetState("C1"));
  EXPECT_EQ(state.transaction_count, 3);
}

TEST_F(CustomerStoreFaultTest, FeedbackFailsAsStorageFullAndWorksAfterwards) {
  const std::string id = LogAndWrite(At(1));
  faults_.SetDiskFull(true);
  EXPECT_THAT(store_->RecordFeedback("C1", id, Accepted(At(2))),
              StatusIs(kFull));
  faults_.SetDiskFull(false);
  ASSERT_THAT(WaitUntilWritable([&] { return store_->CheckStorage(); }),
              IsOk());
  ASSERT_OK_AND_ASSIGN(FeedbackResult result,
                       store_->RecordFeedback("C1", id, Accepted(At(2))));
  EXPECT_FALSE(result.duplicate);
}

TEST_F(CustomerStoreFaultTest,
       DecisionLogRefusesWhileFullAndLosesNoAcceptedId) {
  const std::string before = LogAndWrite(At(1));
  faults_.SetDiskFull(true);
  // Accepted before the log knows the disk is full: its id was given out.
  const std::string queued = MakeDecisionId(At(2));
  ASSERT_THAT(store_->LogDecision("C1", Decision(queued, At(2))), IsOk());
  // Feedback waits for the log, which cannot be written.
  EXPECT_THAT(store_->RecordFeedback("C1", queued, Accepted(At(3))),
              StatusIs(kFull));
  // From now on the log refuses decisions rather than accept ids it cannot
  // keep.
  EXPECT_THAT(store_->LogDecision("C1", Decision(MakeDecisionId(At(4)), At(4))),
              StatusIs(kFull, HasSubstr("storage full")));
  // The compliance view still reads what is stored.
  ASSERT_OK_AND_ASSIGN(std::vector<nbo::v1::DecisionRecord> stored,
                       store_->RecentDecisions("C1", 10));
  ASSERT_THAT(stored, SizeIs(1));
  EXPECT_EQ(stored[0].decision_id(), before);

  faults_.SetDiskFull(false);
  // The log takes decisions again by itself (its writer retries), once
  // RocksDB takes writes (CheckStorage).
  ASSERT_THAT(WaitUntilWritable([&]() -> absl::Status {
                NBO_RETURN_IF_ERROR(store_->CheckStorage());
                return store_->LogDecision(
                    "C1", Decision(MakeDecisionId(At(5)), At(5)));
              }),
              IsOk());
  // The decision queued when the disk filled was kept and written: its id
  // is good for feedback.
  EXPECT_THAT(store_->RecordFeedback("C1", queued, Accepted(At(6))), IsOk());
  ASSERT_OK_AND_ASSIGN(stored, store_->RecentDecisions("C1", 10));
  EXPECT_THAT(stored, SizeIs(3));
}

TEST(ModelStoreFaultTest, PublishFailsAsStorageFullAndWorksAfterwards) {
  TempDir dir;
  StorageFaults faults;
  std::unique_ptr<ModelStore> store = OpenModelStore(dir, &faults);
  ASSERT_NE(store, nullptr);

  faults.SetDiskFull(true);
  EXPECT_THAT(store->BeginVersion("nbo", 1, kRank),
              StatusIs(kFull, HasSubstr("storage full")));
  EXPECT_THAT(store->CheckStorage(), StatusIs(kFull));
  // Reads work.
  ASSERT_OK_AND_ASSIGN(std::vector<VersionRecord> versions,
                       store->ListVersions());
  EXPECT_THAT(versions, ::testing::IsEmpty());

  faults.SetDiskFull(false);
  ASSERT_THAT(WaitUntilWritable([&] { return store->CheckStorage(); }), IsOk());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  ASSERT_THAT(writer->PutItemFactor(0, std::vector<float>(kRank, 0.5f)),
              IsOk());
  const VersionRecord record = OneProductVersion();
  ASSERT_THAT(writer->Commit(record), IsOk());
  ASSERT_OK_AND_ASSIGN(versions, store->ListVersions());
  EXPECT_THAT(versions, SizeIs(1));
}

// The disk fills after a version's factors went to the memtable (without a
// WAL) and before the commit flushes them: the commit fails, nothing is
// published, and once space returns the store takes writes again and the
// same version number publishes, without reopening the store.
TEST(ModelStoreFaultTest, FactorsThatCannotBeFlushedFailTheCommit) {
  TempDir dir;
  StorageFaults faults;
  std::unique_ptr<ModelStore> store = OpenModelStore(dir, &faults);
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  ASSERT_THAT(writer->PutItemFactor(0, std::vector<float>(kRank, 0.5f)),
              IsOk());
  faults.SetDiskFull(true);
  const VersionRecord record = OneProductVersion();
  EXPECT_THAT(writer->Commit(record), StatusIs(kFull));
  EXPECT_THAT(store->CheckStorage(), StatusIs(kFull));
  faults.SetDiskFull(false);
  ASSERT_THAT(WaitUntilWritable([&] { return store->CheckStorage(); }), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<VersionRecord> versions,
                       store->ListVersions());
  EXPECT_THAT(versions, ::testing::IsEmpty());

  writer.reset();  // aborts the failed publish and removes its data
  ASSERT_OK_AND_ASSIGN(writer, store->BeginVersion("nbo", 1, kRank));
  ASSERT_THAT(writer->PutItemFactor(0, std::vector<float>(kRank, 0.25f)),
              IsOk());
  ASSERT_THAT(writer->Commit(record), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<float> factors,
                       store->ReadItemFactors("nbo", 1));
  EXPECT_THAT(factors, ::testing::ElementsAre(0.25f, 0.25f, 0.25f, 0.25f));
}

}  // namespace
}  // namespace nbo::store
