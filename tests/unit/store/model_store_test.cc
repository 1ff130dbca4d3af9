// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/store/model_store.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::store {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr int32_t kRank = 8;

ModelStore::Options StoreOptions(const TempDir& dir) {
  ModelStore::Options options;
  options.path = dir.Sub("db");
  options.block_cache_bytes = 4 << 20;
  // Small memtables, so that publishes spill into SST files the way large
  // ones do and cleanup has files to reclaim, not only memtables.
  options.write_buffer_bytes = 256 << 10;
  return options;
}

// Factor value j of row `row` of a version; distinct per version and row.
float FactorValue(int64_t version, int row, int j) {
  return static_cast<float>(version * 1000000 + row * 100 + j);
}

std::vector<float> Factor(int64_t version, int row, int32_t rank = kRank) {
  std::vector<float> f(rank);
  for (int j = 0; j < rank; ++j) f[j] = FactorValue(version, row, j);
  return f;
}

std::string CustomerId(int row) { return absl::StrCat("cust-", 100000 + row); }

VersionRecord MakeRecord(const std::string& model, int64_t version,
                         int products, int64_t customers,
                         int32_t rank = kRank) {
  VersionRecord record;
  record.model_name = model;
  record.version = version;
  record.rank = rank;
  for (int i = 0; i < products; ++i) {
    record.catalog.push_back({absl::StrCat("p", i), absl::StrCat("Product ", i),
                              i % 2 == 0 ? "cards" : "loans"});
    record.popularity.push_back(0.1 * i);
  }
  record.description = absl::StrCat("version ", version);
  record.labels = {{"trainer", "als-1.2"}, {"window", "90d"}};
  record.metrics = {{"map@7", 0.25}, {"ndcg@7", 0.5}};
  record.calibration_a = 1.5;
  record.calibration_b = -0.25;
  record.customer_count = customers;
  record.product_count = products;
  record.created_unix_micros = 1700000000000000 + version;
  return record;
}

// Writes `products` item rows and `customers` customer rows (in batches of
// `batch`) into `writer`.
void WriteFactors(VersionWriter& writer, int64_t version, int products,
                  int customers, int batch = 1000, int32_t rank = kRank) {
  for (int i = 0; i < products; ++i) {
    ASSERT_THAT(writer.PutItemFactor(i, Factor(version, i, rank)), IsOk());
  }
  for (int start = 0; start < customers; start += batch) {
    const int end = std::min(customers, start + batch);
    std::vector<std::string> ids;
    std::vector<float> values;
    for (int row = start; row < end; ++row) {
      ids.push_back(CustomerId(row));
      std::vector<float> f = Factor(version, row, rank);
      values.insert(values.end(), f.begin(), f.end());
    }
    ASSERT_THAT(writer.PutCustomerFactors(ids, values), IsOk());
  }
}

// Publishes a whole version and commits it.
void Publish(ModelStore& store, const std::string& model, int64_t version,
             int products, int customers) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store.BeginVersion(model, version, kRank));
  WriteFactors(*writer, version, products, customers);
  ASSERT_THAT(writer->Commit(MakeRecord(model, version, products, customers)),
              IsOk());
}

TEST(ModelStoreTest, CommittedVersionRoundTrips) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 3, kRank));
  WriteFactors(*writer, 3, 5, 2500);
  EXPECT_EQ(writer->bytes_written(), (5 + 2500) * kRank * sizeof(float));
  const VersionRecord want = MakeRecord("nbo", 3, 5, 2500);
  ASSERT_THAT(writer->Commit(want), IsOk());

  ASSERT_OK_AND_ASSIGN(VersionRecord got, store->GetVersion("nbo", 3));
  EXPECT_EQ(got.model_name, "nbo");
  EXPECT_EQ(got.version, 3);
  EXPECT_EQ(got.rank, kRank);
  ASSERT_EQ(got.catalog.size(), 5u);
  EXPECT_EQ(got.catalog[1].product_id, "p1");
  EXPECT_EQ(got.catalog[1].name, "Product 1");
  EXPECT_EQ(got.catalog[1].category, "loans");
  EXPECT_EQ(got.popularity, want.popularity);
  EXPECT_EQ(got.description, want.description);
  EXPECT_EQ(got.labels, want.labels);
  EXPECT_EQ(got.metrics, want.metrics);
  EXPECT_EQ(got.calibration_a, 1.5);
  EXPECT_EQ(got.calibration_b, -0.25);
  EXPECT_EQ(got.customer_count, 2500);
  EXPECT_EQ(got.product_count, 5);
  EXPECT_EQ(got.created_unix_micros, want.created_unix_micros);

  ASSERT_OK_AND_ASSIGN(std::vector<VersionRecord> versions,
                       store->ListVersions());
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0].model_name, "nbo");
  EXPECT_EQ(versions[0].version, 3);

  ASSERT_OK_AND_ASSIGN(std::vector<float> items,
                       store->ReadItemFactors("nbo", 3));
  ASSERT_EQ(items.size(), 5u * kRank);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(std::vector<float>(items.begin() + i * kRank,
                                 items.begin() + (i + 1) * kRank),
              Factor(3, i));
  }

  std::vector<float> out(kRank);
  for (int row : {0, 1, 999, 1000, 2499}) {
    ASSERT_THAT(store->GetCustomerFactor("nbo", 3, CustomerId(row),
                                         absl::MakeSpan(out)),
                IsOk());
    EXPECT_EQ(out, Factor(3, row));
  }
  // An unknown customer is NOT_FOUND, and the status never carries the id:
  // customer ids are personal data and statuses end up in logs.
  EXPECT_THAT(
      store->GetCustomerFactor("nbo", 3, "stranger", absl::MakeSpan(out)),
      StatusIs(absl::StatusCode::kNotFound,
               ::testing::Not(::testing::HasSubstr("stranger"))));

  int rows = 0;
  ASSERT_THAT(store->ScanCustomerFactors(
                  "nbo", 3,
                  [&](absl::string_view id, absl::Span<const float> factor) {
                    // CustomerId() sorts like the row number.
                    EXPECT_EQ(id, CustomerId(rows));
                    EXPECT_EQ(std::vector<float>(factor.begin(), factor.end()),
                              Factor(3, rows));
                    ++rows;
                    return absl::OkStatus();
                  }),
              IsOk());
  EXPECT_EQ(rows, 2500);
}

TEST(ModelStoreTest, CommittedVersionSurvivesReopen) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                         ModelStore::Open(StoreOptions(dir)));
    Publish(*store, "nbo", 1, 3, 500);
  }
  RecoveryReport report;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir), &report));
  EXPECT_THAT(report.removed_partial_versions, IsEmpty());
  EXPECT_THAT(store->GetVersion("nbo", 1), IsOk());
  std::vector<float> out(kRank);
  ASSERT_THAT(
      store->GetCustomerFactor("nbo", 1, CustomerId(499), absl::MakeSpan(out)),
      IsOk());
  EXPECT_EQ(out, Factor(1, 499));
  ASSERT_OK_AND_ASSIGN(std::vector<float> items,
                       store->ReadItemFactors("nbo", 1));
  EXPECT_EQ(items.size(), 3u * kRank);
}

TEST(ModelStoreTest, ListVersionsIsOrderedByModelThenVersion) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  Publish(*store, "b", 1, 1, 1);
  Publish(*store, "a", 10, 1, 1);
  Publish(*store, "a.x", 1, 1, 1);
  Publish(*store, "a", 2, 1, 1);
  Publish(*store, "a", 256, 1, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<VersionRecord> versions,
                       store->ListVersions());
  std::vector<std::pair<std::string, int64_t>> ids;
  for (const VersionRecord& r : versions)
    ids.emplace_back(r.model_name, r.version);
  EXPECT_THAT(ids, ElementsAre(Pair("a", 2), Pair("a", 10), Pair("a", 256),
                               Pair("a.x", 1), Pair("b", 1)));
}

TEST(ModelStoreTest, UncommittedVersionIsInvisible) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  WriteFactors(*writer, 1, 2, 100);

  EXPECT_THAT(store->GetVersion("nbo", 1),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<VersionRecord> versions,
                       store->ListVersions());
  EXPECT_THAT(versions, IsEmpty());
  EXPECT_THAT(store->ReadItemFactors("nbo", 1),
              StatusIs(absl::StatusCode::kNotFound));
  std::vector<float> out(kRank);
  EXPECT_THAT(
      store->GetCustomerFactor("nbo", 1, CustomerId(0), absl::MakeSpan(out)),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->ScanCustomerFactors(
                  "nbo", 1,
                  [](absl::string_view, absl::Span<const float>) {
                    return absl::OkStatus();
                  }),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_THAT(writer->Commit(MakeRecord("nbo", 1, 2, 100)), IsOk());
  EXPECT_THAT(
      store->GetCustomerFactor("nbo", 1, CustomerId(0), absl::MakeSpan(out)),
      IsOk());
}

TEST(ModelStoreTest, BeginRejectsCommittedVersion) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  Publish(*store, "nbo", 1, 1, 10);
  EXPECT_THAT(store->BeginVersion("nbo", 1, kRank),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store->BeginVersion("other", 1, kRank), IsOk());
}

TEST(ModelStoreTest, BeginRejectsVersionInProgress) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  EXPECT_THAT(store->BeginVersion("nbo", 1, kRank),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> other,
                       store->BeginVersion("nbo", 2, kRank));
  ASSERT_THAT(writer->Commit(MakeRecord("nbo", 1, 0, 0)), IsOk());
  EXPECT_THAT(store->BeginVersion("nbo", 1, kRank),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(ModelStoreTest, BeginRejectsInvalidArguments) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  EXPECT_THAT(store->BeginVersion("", 1, kRank),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store->BeginVersion(std::string("a\0b", 3), 1, kRank),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store->BeginVersion("nbo", 0, kRank),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store->BeginVersion("nbo", -1, kRank),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store->BeginVersion("nbo", 1, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ModelStoreTest, WriterRejectsFactorsOfTheWrongLength) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  EXPECT_THAT(writer->PutItemFactor(0, std::vector<float>(kRank + 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(writer->PutItemFactor(-1, std::vector<float>(kRank)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<std::string> ids = {"a", "b"};
  EXPECT_THAT(writer->PutCustomerFactors(ids, std::vector<float>(kRank)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(writer->bytes_written(), 0u);
}

TEST(ModelStoreTest, CommitRejectsRecordOfAnotherVersion) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  EXPECT_THAT(writer->Commit(MakeRecord("nbo", 2, 0, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(writer->Commit(MakeRecord("other", 1, 0, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(writer->Commit(MakeRecord("nbo", 1, 0, 0, kRank + 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The writer is still usable.
  EXPECT_THAT(writer->Commit(MakeRecord("nbo", 1, 0, 0)), IsOk());
}

TEST(ModelStoreTest, CommitTwiceFailsPrecondition) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  WriteFactors(*writer, 1, 1, 10);
  ASSERT_THAT(writer->Commit(MakeRecord("nbo", 1, 1, 10)), IsOk());
  EXPECT_THAT(writer->Commit(MakeRecord("nbo", 1, 1, 10)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(writer->PutItemFactor(0, Factor(1, 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  const std::vector<std::string> ids = {CustomerId(0)};
  EXPECT_THAT(writer->PutCustomerFactors(ids, Factor(1, 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Aborting a committed version would delete published data.
  EXPECT_THAT(writer->Abort(), StatusIs(absl::StatusCode::kFailedPrecondition));
  writer.reset();
  EXPECT_THAT(store->GetVersion("nbo", 1), IsOk());
}

TEST(ModelStoreTest, CustomerWrittenTwiceKeepsTheLastRow) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  const std::vector<std::string> ids = {"c"};
  ASSERT_THAT(writer->PutCustomerFactors(ids, Factor(1, 1)), IsOk());
  ASSERT_THAT(writer->PutCustomerFactors(ids, Factor(1, 2)), IsOk());
  // Within one unsorted batch, too.
  const std::vector<std::string> batch = {"z", "d", "a", "d", "b"};
  std::vector<float> values;
  for (int row = 0; row < 5; ++row) {
    std::vector<float> f = Factor(2, row);
    values.insert(values.end(), f.begin(), f.end());
  }
  ASSERT_THAT(writer->PutCustomerFactors(batch, values), IsOk());
  ASSERT_THAT(writer->Commit(MakeRecord("nbo", 1, 0, 5)), IsOk());
  std::vector<float> out(kRank);
  ASSERT_THAT(store->GetCustomerFactor("nbo", 1, "c", absl::MakeSpan(out)),
              IsOk());
  EXPECT_EQ(out, Factor(1, 2));
  ASSERT_THAT(store->GetCustomerFactor("nbo", 1, "d", absl::MakeSpan(out)),
              IsOk());
  EXPECT_EQ(out, Factor(2, 3));
  for (auto [id, row] :
       {std::pair<const char*, int>{"z", 0}, {"a", 2}, {"b", 4}}) {
    ASSERT_THAT(store->GetCustomerFactor("nbo", 1, id, absl::MakeSpan(out)),
                IsOk());
    EXPECT_EQ(out, Factor(2, row)) << id;
  }
}

// Asserts that nothing of ("nbo", version)'s factors is left: the range
// holds ~0 bytes, and after publishing the version again with no factors,
// no old row comes back.
void ExpectVersionDataGone(ModelStore& store, int64_t version) {
  EXPECT_LT(store.ApproximateVersionBytes("nbo", version), 1024u);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store.BeginVersion("nbo", version, kRank));
  ASSERT_THAT(writer->Commit(MakeRecord("nbo", version, 0, 0)), IsOk());
  std::vector<float> out(kRank);
  EXPECT_THAT(store.GetCustomerFactor("nbo", version, CustomerId(0),
                                      absl::MakeSpan(out)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store.GetCustomerFactor("nbo", version, CustomerId(1999),
                                      absl::MakeSpan(out)),
              StatusIs(absl::StatusCode::kNotFound));
  int rows = 0;
  EXPECT_THAT(store.ScanCustomerFactors(
                  "nbo", version,
                  [&](absl::string_view, absl::Span<const float>) {
                    ++rows;
                    return absl::OkStatus();
                  }),
              IsOk());
  EXPECT_EQ(rows, 0);
}

TEST(ModelStoreTest, AbortDeletesWrittenData) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  WriteFactors(*writer, 1, 3, 2000);
  EXPECT_GT(store->ApproximateVersionBytes("nbo", 1), 2000u * kRank * 4 / 2);

  ASSERT_THAT(writer->Abort(), IsOk());
  EXPECT_THAT(writer->Abort(), IsOk());
  EXPECT_THAT(writer->Commit(MakeRecord("nbo", 1, 3, 2000)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(writer->PutItemFactor(0, Factor(1, 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  writer.reset();
  ExpectVersionDataGone(*store, 1);
}

TEST(ModelStoreTest, DestroyingWriterWithoutCommitDeletesData) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  Publish(*store, "nbo", 1, 3, 2000);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                         store->BeginVersion("nbo", 2, kRank));
    WriteFactors(*writer, 2, 3, 2000);
    EXPECT_GT(store->ApproximateVersionBytes("nbo", 2), 2000u * kRank * 4 / 2);
  }
  ExpectVersionDataGone(*store, 2);
  // The neighbouring version is untouched.
  std::vector<float> out(kRank);
  ASSERT_THAT(
      store->GetCustomerFactor("nbo", 1, CustomerId(1999), absl::MakeSpan(out)),
      IsOk());
  EXPECT_EQ(out, Factor(1, 1999));
}

// A full disk fails the deletion of an aborted publish's data too. The
// version number must not stay taken: the next attempt retries the deletion
// (failing while the fault lasts), then publishes without the old rows.
TEST(ModelStoreTest, AbortThatCannotDeleteReleasesTheVersion) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  WriteFactors(*writer, 1, 3, 2000);
  store->FailRemovalsForTesting(absl::ResourceExhaustedError("disk full"));
  EXPECT_THAT(writer->Abort(), StatusIs(absl::StatusCode::kResourceExhausted));
  writer.reset();
  EXPECT_THAT(store->BeginVersion("nbo", 1, kRank),
              StatusIs(absl::StatusCode::kResourceExhausted));

  store->FailRemovalsForTesting(absl::OkStatus());
  ASSERT_OK_AND_ASSIGN(writer, store->BeginVersion("nbo", 1, kRank));
  // Only the first 1000 customers this time: the other 1000 rows of the
  // failed attempt must be gone.
  WriteFactors(*writer, 1, 3, 1000);
  ASSERT_THAT(writer->Commit(MakeRecord("nbo", 1, 3, 1000)), IsOk());
  std::vector<float> out(kRank);
  EXPECT_THAT(
      store->GetCustomerFactor("nbo", 1, CustomerId(999), absl::MakeSpan(out)),
      IsOk());
  EXPECT_THAT(
      store->GetCustomerFactor("nbo", 1, CustomerId(1999), absl::MakeSpan(out)),
      StatusIs(absl::StatusCode::kNotFound));
}

// Destroying the writer instead of aborting it releases the version the same
// way.
TEST(ModelStoreTest, DestroyedWriterThatCannotDeleteReleasesTheVersion) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  store->FailRemovalsForTesting(absl::ResourceExhaustedError("disk full"));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                         store->BeginVersion("nbo", 1, kRank));
    WriteFactors(*writer, 1, 3, 10);
  }
  store->FailRemovalsForTesting(absl::OkStatus());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  WriteFactors(*writer, 1, 3, 10);
  EXPECT_THAT(writer->Commit(MakeRecord("nbo", 1, 3, 10)), IsOk());
}

TEST(ModelStoreTest, OpenRemovesVersionsACrashInterrupted) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                         ModelStore::Open(StoreOptions(dir)));
    Publish(*store, "nbo", 1, 3, 2000);
    Publish(*store, "nbo", 3, 3, 2000);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                         store->BeginVersion("nbo", 2, kRank));
    WriteFactors(*writer, 2, 3, 2000);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> other,
                         store->BeginVersion("other", 7, kRank));
    ASSERT_GT(store->ApproximateVersionBytes("nbo", 2), 2000u * kRank * 4 / 2);
    writer->AbandonForTesting();
    other->AbandonForTesting();
    // Still being written as far as this store knows.
    EXPECT_THAT(store->BeginVersion("nbo", 2, kRank),
                StatusIs(absl::StatusCode::kAlreadyExists));
  }

  RecoveryReport report;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir), &report));
  EXPECT_THAT(report.removed_partial_versions,
              ElementsAre(Pair("nbo", 2), Pair("other", 7)));
  EXPECT_THAT(store->GetVersion("nbo", 2),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<VersionRecord> versions,
                       store->ListVersions());
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version, 1);
  EXPECT_EQ(versions[1].version, 3);
  std::vector<float> out(kRank);
  for (int64_t version : {1, 3}) {
    ASSERT_THAT(store->GetCustomerFactor("nbo", version, CustomerId(1234),
                                         absl::MakeSpan(out)),
                IsOk());
    EXPECT_EQ(out, Factor(version, 1234));
    ASSERT_OK_AND_ASSIGN(std::vector<float> items,
                         store->ReadItemFactors("nbo", version));
    EXPECT_EQ(items.size(), 3u * kRank);
  }
  ExpectVersionDataGone(*store, 2);

  // Repaired once: the next open finds nothing to remove.
  store.reset();
  ASSERT_OK_AND_ASSIGN(store, ModelStore::Open(StoreOptions(dir), &report));
  EXPECT_THAT(report.removed_partial_versions, IsEmpty());
}

TEST(ModelStoreTest, DeleteVersionReclaimsSpace) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  Publish(*store, "nbo", 1, 3, 2000);
  Publish(*store, "nbo", 2, 3, 2000);
  Publish(*store, "nbo", 3, 3, 2000);
  const uint64_t before = store->ApproximateVersionBytes("nbo", 2);
  EXPECT_GT(before, 2000u * kRank * 4 / 2);

  ASSERT_THAT(store->DeleteVersion("nbo", 2), IsOk());
  EXPECT_LT(store->ApproximateVersionBytes("nbo", 2), 1024u);
  EXPECT_THAT(store->GetVersion("nbo", 2),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->ReadItemFactors("nbo", 2),
              StatusIs(absl::StatusCode::kNotFound));
  std::vector<float> out(kRank);
  EXPECT_THAT(
      store->GetCustomerFactor("nbo", 2, CustomerId(0), absl::MakeSpan(out)),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->DeleteVersion("nbo", 2),
              StatusIs(absl::StatusCode::kNotFound));

  // Its neighbours are intact, in memory and after a reopen.
  store.reset();
  ASSERT_OK_AND_ASSIGN(store, ModelStore::Open(StoreOptions(dir)));
  EXPECT_THAT(store->GetVersion("nbo", 2),
              StatusIs(absl::StatusCode::kNotFound));
  for (int64_t version : {1, 3}) {
    EXPECT_GT(store->ApproximateVersionBytes("nbo", version),
              2000u * kRank * 4 / 2);
    ASSERT_THAT(store->GetCustomerFactor("nbo", version, CustomerId(1999),
                                         absl::MakeSpan(out)),
                IsOk());
    EXPECT_EQ(out, Factor(version, 1999));
  }
  // Deleted versions can be published again.
  ExpectVersionDataGone(*store, 2);
}

TEST(ModelStoreTest, DeleteUnknownVersionIsNotFound) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  EXPECT_THAT(store->DeleteVersion("nbo", 1),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  // Being written is not committed.
  EXPECT_THAT(store->DeleteVersion("nbo", 1),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->GetVersion("nbo", 0),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store->ApproximateVersionBytes("nbo", 5), 0u);
}

TEST(ModelStoreTest, ModelConfigsPersistAcrossReopen) {
  TempDir dir;
  ModelConfig a;
  a.model_name = "a";
  a.labels = {{"stable", 3}, {"canary", 4}};
  a.split = {{3, "", 90}, {0, "canary", 10}};
  a.split_salt = "exp-1";
  ModelConfig b;
  b.model_name = "b";
  b.labels = {{"stable", 1}};
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                         ModelStore::Open(StoreOptions(dir)));
    ASSERT_OK_AND_ASSIGN(std::vector<ModelConfig> none,
                         store->ListModelConfigs());
    EXPECT_THAT(none, IsEmpty());
    ASSERT_THAT(store->PutModelConfig(b), IsOk());
    ModelConfig old_a;
    old_a.model_name = "a";
    old_a.labels = {{"stable", 1}};
    ASSERT_THAT(store->PutModelConfig(old_a), IsOk());
    ASSERT_THAT(store->PutModelConfig(a), IsOk());
    ModelConfig unnamed;
    EXPECT_THAT(store->PutModelConfig(unnamed),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::vector<ModelConfig> configs,
                       store->ListModelConfigs());
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].model_name, "a");
  EXPECT_EQ(configs[0].labels, a.labels);
  ASSERT_EQ(configs[0].split.size(), 2u);
  EXPECT_EQ(configs[0].split[0].version, 3);
  EXPECT_EQ(configs[0].split[0].label, "");
  EXPECT_EQ(configs[0].split[0].weight, 90u);
  EXPECT_EQ(configs[0].split[1].version, 0);
  EXPECT_EQ(configs[0].split[1].label, "canary");
  EXPECT_EQ(configs[0].split[1].weight, 10u);
  EXPECT_EQ(configs[0].split_salt, "exp-1");
  EXPECT_EQ(configs[1].model_name, "b");
  EXPECT_EQ(configs[1].labels, b.labels);
  EXPECT_THAT(configs[1].split, IsEmpty());
}

TEST(ModelStoreTest, GetCustomerFactorRejectsSpanOfTheWrongSize) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  Publish(*store, "nbo", 1, 1, 10);
  std::vector<float> small(kRank - 1);
  EXPECT_THAT(
      store->GetCustomerFactor("nbo", 1, CustomerId(0), absl::MakeSpan(small)),
      StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<float> large(kRank + 1);
  EXPECT_THAT(
      store->GetCustomerFactor("nbo", 1, CustomerId(0), absl::MakeSpan(large)),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ModelStoreTest, GetCustomerFactorHandlesLongKeys) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  const std::string model(200, 'm');
  const std::string id(300, 'c');
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion(model, 1, kRank));
  const std::vector<std::string> ids = {id};
  ASSERT_THAT(writer->PutCustomerFactors(ids, Factor(1, 7)), IsOk());
  ASSERT_THAT(writer->Commit(MakeRecord(model, 1, 0, 1)), IsOk());
  std::vector<float> out(kRank);
  ASSERT_THAT(store->GetCustomerFactor(model, 1, id, absl::MakeSpan(out)),
              IsOk());
  EXPECT_EQ(out, Factor(1, 7));
}

TEST(ModelStoreTest, ScanStopsAtTheFirstError) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  Publish(*store, "nbo", 1, 1, 10);
  int calls = 0;
  EXPECT_THAT(store->ScanCustomerFactors(
                  "nbo", 1,
                  [&](absl::string_view, absl::Span<const float>) {
                    return ++calls == 3 ? absl::CancelledError("enough")
                                        : absl::OkStatus();
                  }),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(calls, 3);
}

TEST(ModelStoreTest, ReadItemFactorsReportsMissingItemRows) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 1, kRank));
  WriteFactors(*writer, 1, 2, 0);
  ASSERT_THAT(writer->Commit(MakeRecord("nbo", 1, 3, 0)), IsOk());
  EXPECT_THAT(store->ReadItemFactors("nbo", 1),
              StatusIs(absl::StatusCode::kInternal));
}

TEST(ModelStoreTest, OpenRejectsEmptyPath) {
  ModelStore::Options options;
  EXPECT_THAT(ModelStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ModelStoreTest, OpenFailureIsInternalWithoutRocksDbText) {
  TempDir dir;
  ModelStore::Options options;
  // A regular file where the database directory should be.
  options.path = dir.Sub("file");
  FILE* f = std::fopen(options.path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_THAT(ModelStore::Open(options),
              StatusIs(absl::StatusCode::kInternal,
                       ::testing::Not(::testing::HasSubstr("IO error"))));
}

TEST(ModelStoreTest, ReadersSeeCommittedVersionsWhileAnotherIsPublished) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ModelStore> store,
                       ModelStore::Open(StoreOptions(dir)));
  constexpr int kCustomers = 3000;
  Publish(*store, "nbo", 1, 2, kCustomers);

  std::atomic<bool> published{false};
  std::atomic<int> errors{0};
  std::atomic<int> saw_v2{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::vector<float> out(kRank);
      // At least one full pass, then until the publish is done, then one
      // more pass that must see version 2.
      bool last_pass = false;
      for (int pass = 0;; ++pass) {
        last_pass = published.load();
        for (int row = t; row < kCustomers; row += 7) {
          absl::Status s = store->GetCustomerFactor("nbo", 1, CustomerId(row),
                                                    absl::MakeSpan(out));
          if (!s.ok() || out != Factor(1, row)) ++errors;
          s = store->GetCustomerFactor("nbo", 2, CustomerId(row),
                                       absl::MakeSpan(out));
          if (s.ok()) {
            ++saw_v2;
            if (out != Factor(2, row)) ++errors;
          } else if (s.code() != absl::StatusCode::kNotFound || last_pass) {
            ++errors;
          }
        }
        if (last_pass) break;
      }
    });
  }

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VersionWriter> writer,
                       store->BeginVersion("nbo", 2, kRank));
  WriteFactors(*writer, 2, 2, kCustomers, 250);
  ASSERT_THAT(writer->Commit(MakeRecord("nbo", 2, 2, kCustomers)), IsOk());
  published = true;
  for (std::thread& reader : readers) reader.join();

  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(saw_v2.load(), 0);
  ASSERT_OK_AND_ASSIGN(std::vector<VersionRecord> versions,
                       store->ListVersions());
  EXPECT_EQ(versions.size(), 2u);
}

}  // namespace
}  // namespace nbo::store
