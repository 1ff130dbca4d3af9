// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/store/customer_store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::store {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::nbo::v1::CustomerProfile;
using ::nbo::v1::DecisionRecord;
using ::nbo::v1::ExportedFeedback;
using ::nbo::v1::FeedbackEvent;
using ::nbo::v1::FeedbackOutcome;
using ::nbo::v1::Transaction;
using ::nbo::v1::TransactionEvent;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr auto kOpen = nbo::v1::TRANSACTION_EVENT_OPEN;
constexpr auto kClose = nbo::v1::TRANSACTION_EVENT_CLOSE;
constexpr auto kPurchase = nbo::v1::TRANSACTION_EVENT_PURCHASE;
constexpr auto kView = nbo::v1::TRANSACTION_EVENT_VIEW;
constexpr auto kApply = nbo::v1::TRANSACTION_EVENT_APPLY;

constexpr auto kImpression = nbo::v1::FEEDBACK_OUTCOME_IMPRESSION;
constexpr auto kAccepted = nbo::v1::FEEDBACK_OUTCOME_ACCEPTED;
constexpr auto kDeclined = nbo::v1::FEEDBACK_OUTCOME_DECLINED;

MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  return google::protobuf::util::MessageDifferencer::Equals(arg, expected);
}

// Seconds after an arbitrary recent epoch, so tests read as a timeline.
absl::Time At(int64_t seconds) {
  return absl::FromUnixSeconds(1700000000) + absl::Seconds(seconds);
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

CustomerStore::Options StoreOptions(const TempDir& dir) {
  CustomerStore::Options options;
  options.path = dir.Sub("customers");
  options.block_cache_bytes = 4 << 20;
  // Durability is not what these tests measure; one test turns it on.
  options.sync = false;
  return options;
}

std::unique_ptr<CustomerStore> OpenStore(
    const CustomerStore::Options& options) {
  absl::StatusOr<std::unique_ptr<CustomerStore>> store =
      CustomerStore::Open(options);
  EXPECT_THAT(store, IsOk());
  return store.ok() ? std::move(*store) : nullptr;
}

CustomerProfile Profile(const std::string& customer_id, int32_t age) {
  CustomerProfile profile;
  profile.set_customer_id(customer_id);
  profile.set_age(age);
  return profile;
}

Transaction Txn(const std::string& customer_id, const std::string& product_id,
                TransactionEvent event, absl::Time when,
                const std::string& transaction_id = "") {
  Transaction t;
  t.set_customer_id(customer_id);
  t.set_product_id(product_id);
  t.set_event(event);
  SetTime(when, t.mutable_timestamp());
  t.set_amount(10);
  t.set_transaction_id(transaction_id);
  return t;
}

DecisionRecord Decision(const std::string& decision_id, absl::Time when,
                        const std::vector<std::string>& products,
                        const std::string& arm = "A",
                        const std::string& model = "m") {
  DecisionRecord record;
  record.set_decision_id(decision_id);
  SetTime(when, record.mutable_timestamp());
  record.set_model_name(model);
  record.set_model_version(7);
  record.set_experiment_arm(arm);
  record.set_channel("web");
  record.set_num_offers(static_cast<int32_t>(products.size()));
  for (size_t i = 0; i < products.size(); ++i) {
    nbo::v1::Offer* offer = record.add_offers();
    offer->set_product_id(products[i]);
    offer->set_rank(static_cast<int32_t>(i + 1));
  }
  return record;
}

// Logs a decision made at `when` and returns its id.
std::string LogAt(CustomerStore& store, const std::string& customer_id,
                  absl::Time when, const std::vector<std::string>& products,
                  const std::string& arm = "A",
                  const std::string& model = "m") {
  const std::string id = MakeDecisionId(when);
  EXPECT_THAT(
      store.LogDecision(customer_id, Decision(id, when, products, arm, model)),
      IsOk());
  return id;
}

FeedbackEvent Event(const std::string& product_id, FeedbackOutcome outcome,
                    absl::Time when, const std::string& channel = "app") {
  FeedbackEvent event;
  event.set_product_id(product_id);
  event.set_outcome(outcome);
  event.set_channel(channel);
  SetTime(when, event.mutable_timestamp());
  return event;
}

std::vector<std::string> HeldProducts(const CustomerState& state) {
  std::vector<std::string> products;
  for (const HoldingState& h : state.holdings) products.push_back(h.product_id);
  return products;
}

std::vector<absl::Time> Since(const CustomerState& state) {
  std::vector<absl::Time> since;
  for (const HoldingState& h : state.holdings) since.push_back(h.since);
  return since;
}

std::vector<std::string> TransactionIds(const std::vector<Transaction>& txns) {
  std::vector<std::string> ids;
  for (const Transaction& t : txns) ids.push_back(t.transaction_id());
  return ids;
}

std::vector<std::string> DecisionIds(
    const std::vector<DecisionRecord>& decisions) {
  std::vector<std::string> ids;
  for (const DecisionRecord& d : decisions) ids.push_back(d.decision_id());
  return ids;
}

const ContactHistory* FindContacts(const CustomerState& state,
                                   const std::string& product_id) {
  for (const ContactHistory& c : state.contacts) {
    if (c.product_id == product_id) return &c;
  }
  return nullptr;
}

// (model, arm, impressions, accepted, declined), for readable expectations.
using CountsRow =
    std::tuple<std::string, std::string, int64_t, int64_t, int64_t>;

std::vector<CountsRow> Rows(const std::vector<ArmCounts>& counts) {
  std::vector<CountsRow> rows;
  for (const ArmCounts& c : counts) {
    rows.emplace_back(c.model_name, c.arm, c.impressions, c.accepted,
                      c.declined);
  }
  return rows;
}

std::vector<ExportedFeedback> ScanAll(const CustomerStore& store,
                                      absl::Time since) {
  std::vector<ExportedFeedback> all;
  EXPECT_THAT(store.ScanFeedback(since,
                                 [&](const ExportedFeedback& f) {
                                   all.push_back(f);
                                   return absl::OkStatus();
                                 }),
              IsOk());
  return all;
}

// Opening.

TEST(CustomerStoreTest, OpenRejectsEmptyPath) {
  CustomerStore::Options options;
  EXPECT_THAT(CustomerStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CustomerStoreTest, OpenRejectsNonPositiveContactBound) {
  TempDir dir;
  CustomerStore::Options options = StoreOptions(dir);
  options.max_contacts_per_product = 0;
  EXPECT_THAT(CustomerStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CustomerStoreTest, OpenFailureIsInternalWithoutRocksDbText) {
  TempDir dir;
  CustomerStore::Options options = StoreOptions(dir);
  // A regular file where the database directory should be.
  options.path = dir.Sub("file");
  FILE* f = std::fopen(options.path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_THAT(CustomerStore::Open(options),
              StatusIs(absl::StatusCode::kInternal,
                       ::testing::AllOf(HasSubstr(options.path),
                                        Not(HasSubstr("IO error")))));
}

TEST(CustomerStoreTest, SecondOpenOfTheSameDatabaseIsInternal) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(
      CustomerStore::Open(StoreOptions(dir)),
      StatusIs(absl::StatusCode::kInternal, Not(HasSubstr("IO error"))));
}

// Profiles.

TEST(CustomerStoreTest, UnknownCustomerIsNotFoundWithoutTheirId) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->GetState("secret-customer-42"),
              StatusIs(absl::StatusCode::kNotFound,
                       Not(HasSubstr("secret-customer-42"))));
}

TEST(CustomerStoreTest, UpsertReplacesTheWholeProfile) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  CustomerProfile first = Profile("C1", 30);
  first.set_segment("mass");
  (*first.mutable_attributes())["city"] = "Lyon";
  ASSERT_THAT(store->UpsertProfiles({first}), IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  ASSERT_TRUE(state.profile.has_value());
  EXPECT_THAT(*state.profile, EqualsProto(first));
  EXPECT_THAT(state.holdings, IsEmpty());
  EXPECT_THAT(state.contacts, IsEmpty());
  EXPECT_EQ(state.transaction_count, 0);
  EXPECT_EQ(state.newest_transaction, absl::InfinitePast());

  // No segment, no attributes: they become unknown.
  const CustomerProfile second = Profile("C1", 31);
  ASSERT_THAT(store->UpsertProfiles({second}), IsOk());
  ASSERT_OK_AND_ASSIGN(state, store->GetState("C1"));
  ASSERT_TRUE(state.profile.has_value());
  EXPECT_THAT(*state.profile, EqualsProto(second));
  EXPECT_FALSE(state.profile->has_segment());
  EXPECT_THAT(state.profile->attributes(), IsEmpty());
}

TEST(CustomerStoreTest, CustomerListedTwiceKeepsTheLastProfile) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->UpsertProfiles(
                  {Profile("C1", 20), Profile("C2", 40), Profile("C1", 21)}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState c1, store->GetState("C1"));
  ASSERT_OK_AND_ASSIGN(CustomerState c2, store->GetState("C2"));
  EXPECT_EQ(c1.profile->age(), 21);
  EXPECT_EQ(c2.profile->age(), 40);
}

// Pages through every customer ListCustomers returns for `query`.
std::vector<std::string> ListAll(const CustomerStore& store,
                                 CustomerQuery query) {
  std::vector<std::string> ids;
  for (int pages = 0; pages < 100; ++pages) {
    absl::StatusOr<CustomerPage> page = store.ListCustomers(query);
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) break;
    ids.insert(ids.end(), page->customer_ids.begin(), page->customer_ids.end());
    if (!page->resume_after.has_value()) break;
    query.after = *page->resume_after;
  }
  return ids;
}

TEST(CustomerStoreTest, ListCustomersPagesThroughIdsInOrderWithoutRepeats) {
  TempDir dir;
  auto store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->UpsertProfiles(
                  {Profile("C3", 30), Profile("C1", 40), Profile("C10", 50)}),
              IsOk());
  // Known by a transaction only: listed too.
  ASSERT_THAT(store->AppendTransactions({Txn("C2", "p", kView, At(10))}),
              IsOk());
  CustomerQuery query;
  query.page_size = 2;
  query.scan_limit = 10;
  absl::StatusOr<CustomerPage> first = store->ListCustomers(query);
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(first->customer_ids, ElementsAre("C1", "C10"));
  ASSERT_TRUE(first->resume_after.has_value());
  EXPECT_EQ(*first->resume_after, "C10");
  EXPECT_THAT(ListAll(*store, query), ElementsAre("C1", "C10", "C2", "C3"));
}

TEST(CustomerStoreTest, LastFullPageSaysThereIsNoMore) {
  TempDir dir;
  auto store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->UpsertProfiles({Profile("A", 30), Profile("B", 40)}),
              IsOk());
  CustomerQuery query;
  query.page_size = 2;
  absl::StatusOr<CustomerPage> page = store->ListCustomers(query);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->customer_ids, ElementsAre("A", "B"));
  EXPECT_FALSE(page->resume_after.has_value());
}

TEST(CustomerStoreTest, ListCustomersFiltersByIdPrefixAndSegment) {
  TempDir dir;
  auto store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  std::vector<CustomerProfile> profiles;
  for (const char* id : {"A1", "B1", "B2", "B3", "B4", "C1"}) {
    CustomerProfile p = Profile(id, 30);
    p.set_segment(id == std::string("B2") || id == std::string("B4") ||
                          id == std::string("C1")
                      ? "affluent"
                      : "mass");
    profiles.push_back(p);
  }
  ASSERT_THAT(store->UpsertProfiles(profiles), IsOk());
  // Transactions only: no profile, so no segment.
  ASSERT_THAT(store->AppendTransactions({Txn("B5", "p", kView, At(10))}),
              IsOk());
  CustomerQuery query;
  query.id_prefix = "B";
  EXPECT_THAT(ListAll(*store, query),
              ElementsAre("B1", "B2", "B3", "B4", "B5"));
  query.segment = "affluent";
  EXPECT_THAT(ListAll(*store, query), ElementsAre("B2", "B4"));
  query.id_prefix = "";
  EXPECT_THAT(ListAll(*store, query), ElementsAre("B2", "B4", "C1"));
}

TEST(CustomerStoreTest, ScanLimitEndsAPageEarlyAndResumesAfterWhatItExamined) {
  TempDir dir;
  auto store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  std::vector<CustomerProfile> profiles;
  for (int i = 0; i < 10; ++i) {
    CustomerProfile p = Profile(absl::StrCat("C", i), 30);
    p.set_segment(i == 8 ? "student" : "mass");
    profiles.push_back(p);
  }
  ASSERT_THAT(store->UpsertProfiles(profiles), IsOk());
  CustomerQuery query;
  query.segment = "student";
  query.page_size = 3;
  query.scan_limit = 4;
  // C0..C3 examined, none matches: an empty page that is not the last.
  absl::StatusOr<CustomerPage> page = store->ListCustomers(query);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->customer_ids, IsEmpty());
  ASSERT_TRUE(page->resume_after.has_value());
  EXPECT_EQ(*page->resume_after, "C3");
  EXPECT_THAT(ListAll(*store, query), ElementsAre("C8"));
}

TEST(CustomerStoreTest, ListCustomersRejectsBadPageBounds) {
  TempDir dir;
  auto store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  CustomerQuery query;
  query.page_size = 0;
  EXPECT_THAT(
      store->ListCustomers(query),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
  query.page_size = 10;
  query.scan_limit = 5;
  EXPECT_THAT(
      store->ListCustomers(query),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scan_limit")));
}

TEST(CustomerStoreTest, EmptyUpsertAndAppendAreNoOps) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->UpsertProfiles({}), IsOk());
  ASSERT_OK_AND_ASSIGN(AppendResult result, store->AppendTransactions({}));
  EXPECT_EQ(result.accepted, 0);
  EXPECT_EQ(result.duplicates, 0);
}

TEST(CustomerStoreTest, ProfileUpsertKeepsHoldingsAndContacts) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kOpen, At(1))}),
              IsOk());
  const std::string d = LogAt(*store, "C1", At(2), {"loan"});
  ASSERT_THAT(store->RecordFeedback("C1", d, Event("loan", kDeclined, At(3))),
              IsOk());
  ASSERT_THAT(store->UpsertProfiles({Profile("C1", 50)}), IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_EQ(state.profile->age(), 50);
  EXPECT_THAT(HeldProducts(state), ElementsAre("card"));
  ASSERT_THAT(state.contacts, SizeIs(1));
  EXPECT_THAT(state.contacts[0].declines, ElementsAre(At(3)));
  EXPECT_EQ(state.transaction_count, 1);
}

// Holdings.

TEST(CustomerStoreTest, OpenThenCloseInOrderEndsTheHolding) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kOpen, At(10))}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("card"));
  EXPECT_THAT(Since(state), ElementsAre(At(10)));
  EXPECT_FALSE(state.profile.has_value());

  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kClose, At(20))}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(state, store->GetState("C1"));
  EXPECT_THAT(state.holdings, IsEmpty());
  EXPECT_EQ(state.transaction_count, 2);
  EXPECT_EQ(state.newest_transaction, At(20));
}

TEST(CustomerStoreTest, CloseArrivingBeforeItsOpenStillEndsTheHolding) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kClose, At(20))}),
              IsOk());
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kOpen, At(10))}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_THAT(state.holdings, IsEmpty());
  // Newest transaction is the newest by time, not by arrival.
  EXPECT_EQ(state.newest_transaction, At(20));

  // A later open starts it again, whenever it arrives.
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kOpen, At(30)),
                                         Txn("C1", "card", kOpen, At(25))}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("card"));
  EXPECT_THAT(Since(state), ElementsAre(At(30)));
}

TEST(CustomerStoreTest, EqualTimestampsAreOrderedByArrival) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  // Within one batch.
  ASSERT_THAT(
      store->AppendTransactions(
          {Txn("C1", "a", kOpen, At(5)), Txn("C1", "a", kClose, At(5)),
           Txn("C1", "b", kClose, At(5)), Txn("C1", "b", kOpen, At(5))}),
      IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("b"));

  // Across batches.
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "b", kClose, At(5))}),
              IsOk());
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "a", kOpen, At(5))}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("a"));
}

TEST(CustomerStoreTest, PurchaseStartsAHoldingAndViewsDoNot) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(
      store->AppendTransactions({Txn("C1", "insurance", kPurchase, At(3)),
                                 Txn("C1", "loan", kView, At(4)),
                                 Txn("C1", "loan", kApply, At(5)),
                                 Txn("C1", "card", kOpen, At(6))}),
      IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  // Sorted by product id.
  EXPECT_THAT(HeldProducts(state), ElementsAre("card", "insurance"));
  EXPECT_THAT(Since(state), ElementsAre(At(6), At(3)));
  EXPECT_EQ(state.transaction_count, 4);

  // A view after a close does not start it again.
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kClose, At(7)),
                                         Txn("C1", "card", kView, At(8))}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("insurance"));
}

TEST(CustomerStoreTest, SummarizesEachProductsNewestTimeAndEvents) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  // Out of time order on purpose: the newest time wins, not the last sent.
  ASSERT_THAT(
      store->AppendTransactions(
          {Txn("C1", "loan", kApply, At(5)), Txn("C1", "loan", kView, At(4)),
           Txn("C1", "card", kOpen, At(6)), Txn("C1", "card", kClose, At(7))}),
      IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  // Kept from the customer's first transaction on: it tells everything.
  EXPECT_TRUE(state.activity_complete);
  ASSERT_EQ(state.activity.size(), 2u);
  EXPECT_EQ(state.activity[0].product_id, "card");
  EXPECT_EQ(state.activity[0].last, At(7));
  EXPECT_EQ(state.activity[0].event_mask, (1u << kOpen) | (1u << kClose));
  EXPECT_EQ(state.activity[1].product_id, "loan");
  EXPECT_EQ(state.activity[1].last, At(5));
  EXPECT_EQ(state.activity[1].event_mask, (1u << kView) | (1u << kApply));
}

TEST(CustomerStoreTest, ReopenedProductIsHeldSinceTheReopening) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kOpen, At(1)),
                                         Txn("C1", "card", kClose, At(2)),
                                         Txn("C1", "card", kOpen, At(3))}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("card"));
  EXPECT_THAT(Since(state), ElementsAre(At(3)));
}

TEST(CustomerStoreTest, HoldingsOfOneCustomerDoNotLeakToAnother) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kOpen, At(1)),
                                         Txn("C10", "loan", kOpen, At(1))}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState c1, store->GetState("C1"));
  ASSERT_OK_AND_ASSIGN(CustomerState c10, store->GetState("C10"));
  EXPECT_THAT(HeldProducts(c1), ElementsAre("card"));
  EXPECT_THAT(HeldProducts(c10), ElementsAre("loan"));
}

// Transactions.

TEST(CustomerStoreTest, TransactionIdsAreDedupedWithinAndAcrossBatches) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(
      AppendResult first,
      store->AppendTransactions({Txn("C1", "card", kOpen, At(1), "t1"),
                                 Txn("C1", "card", kOpen, At(1), "t1"),
                                 // The same id of another customer is theirs.
                                 Txn("C2", "card", kOpen, At(1), "t1"),
                                 // No id: never recognised.
                                 Txn("C1", "loan", kView, At(2)),
                                 Txn("C1", "loan", kView, At(2))}));
  EXPECT_EQ(first.accepted, 4);
  EXPECT_EQ(first.duplicates, 1);

  // A retry whose content differs is still the same transaction: the close
  // is not applied.
  ASSERT_OK_AND_ASSIGN(
      AppendResult second,
      store->AppendTransactions({Txn("C1", "card", kClose, At(5), "t1"),
                                 Txn("C1", "card", kView, At(6), "t2")}));
  EXPECT_EQ(second.accepted, 1);
  EXPECT_EQ(second.duplicates, 1);

  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("card"));
  EXPECT_EQ(state.transaction_count, 4);
  EXPECT_EQ(state.newest_transaction, At(6));
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> txns,
                       store->RecentTransactions("C1", 10));
  EXPECT_THAT(TransactionIds(txns), ElementsAre("t2", "", "", "t1"));
}

TEST(CustomerStoreTest, AllDuplicateBatchChangesNothing) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->AppendTransactions({Txn("C1", "card", kOpen, At(1), "a")}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(
      AppendResult result,
      store->AppendTransactions({Txn("C1", "card", kOpen, At(1), "a"),
                                 Txn("C1", "card", kOpen, At(1), "a")}));
  EXPECT_EQ(result.accepted, 0);
  EXPECT_EQ(result.duplicates, 2);
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_EQ(state.transaction_count, 1);
}

TEST(CustomerStoreTest, RecentTransactionsAreNewestFirstUpToTheLimit) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->AppendTransactions(
                  {Txn("C1", "p", kView, At(30), "t30"),
                   Txn("C1", "p", kView, At(10), "t10"),
                   Txn("C10", "p", kView, At(15), "other"),
                   Txn("C1", "p", kView, At(20), "t20"),
                   // Before the Unix epoch sorts first.
                   Txn("C1", "p", kView, absl::FromUnixSeconds(-100), "old"),
                   Txn("C", "p", kView, At(25), "another")}),
              IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> all,
                       store->RecentTransactions("C1", 100));
  EXPECT_THAT(TransactionIds(all), ElementsAre("t30", "t20", "t10", "old"));
  EXPECT_THAT(all[0], EqualsProto(Txn("C1", "p", kView, At(30), "t30")));
  EXPECT_EQ(all[3].timestamp().seconds(), -100);

  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> two,
                       store->RecentTransactions("C1", 2));
  EXPECT_THAT(TransactionIds(two), ElementsAre("t30", "t20"));
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> none,
                       store->RecentTransactions("C1", 0));
  EXPECT_THAT(none, IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> unknown,
                       store->RecentTransactions("C2", 10));
  EXPECT_THAT(unknown, IsEmpty());
  EXPECT_THAT(store->RecentTransactions("C1", -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CustomerStoreTest, FoldInGetsTheNewestTransactionsOldestFirst) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  std::vector<Transaction> batch;
  for (int i = 5; i >= 1; --i) {
    batch.push_back(Txn("C1", "p", kPurchase, At(i), absl::StrCat("t", i)));
  }
  ASSERT_THAT(store->AppendTransactions(batch), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> newest3,
                       store->TransactionsForFoldIn("C1", 3));
  EXPECT_THAT(TransactionIds(newest3), ElementsAre("t3", "t4", "t5"));
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> all,
                       store->TransactionsForFoldIn("C1", 50));
  EXPECT_THAT(TransactionIds(all), ElementsAre("t1", "t2", "t3", "t4", "t5"));
  EXPECT_THAT(store->TransactionsForFoldIn("C1", -5),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Decisions.

TEST(CustomerStoreTest, DecisionIdsSortByTimeAndEncodeIt) {
  std::vector<std::string> ids;
  for (int64_t s : {0, 1, 2, 1000, 100000}) {
    ids.push_back(MakeDecisionId(At(s) + absl::Microseconds(s % 7)));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  for (const std::string& id : ids) {
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  const absl::Time t = At(42) + absl::Microseconds(123);
  EXPECT_THAT(DecisionIdTime(MakeDecisionId(t)), IsOk());
  EXPECT_EQ(*DecisionIdTime(MakeDecisionId(t)), t);
  EXPECT_EQ(*DecisionIdTime(MakeDecisionId(absl::UnixEpoch())),
            absl::UnixEpoch());
  // The random half differs between ids of the same microsecond.
  EXPECT_NE(MakeDecisionId(t), MakeDecisionId(t));
  EXPECT_EQ(MakeDecisionId(t).substr(0, 16), MakeDecisionId(t).substr(0, 16));
}

TEST(CustomerStoreTest, DecisionIdTimeRejectsMalformedIds) {
  const std::string good = MakeDecisionId(At(1));
  std::string upper = good;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  for (const std::string& bad :
       {std::string(), good.substr(1), good + "0", upper,
        std::string(31, '0') + "g",
        std::string(16, '0') + "-" + std::string(15, '0')}) {
    if (bad == good) continue;
    EXPECT_THAT(DecisionIdTime(bad),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(CustomerStoreTest, RecentDecisionsAreNewestFirstPerCustomer) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  // Customers whose ids are prefixes of each other, logged interleaved.
  const std::string c1_old = LogAt(*store, "C1", At(1), {"a"});
  const std::string c10_old = LogAt(*store, "C10", At(2), {"a"});
  const std::string c1_new = LogAt(*store, "C1", At(3), {"b"});
  const std::string c10_new = LogAt(*store, "C10", At(4), {"b"});
  const std::string c1_mid = LogAt(*store, "C1", At(2), {"c"});
  const std::string c_only = LogAt(*store, "C", At(5), {"c"});

  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> c1,
                       store->RecentDecisions("C1", 10));
  EXPECT_THAT(DecisionIds(c1), ElementsAre(c1_new, c1_mid, c1_old));
  EXPECT_THAT(c1[0], EqualsProto(Decision(c1_new, At(3), {"b"})));
  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> c10,
                       store->RecentDecisions("C10", 10));
  EXPECT_THAT(DecisionIds(c10), ElementsAre(c10_new, c10_old));
  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> c,
                       store->RecentDecisions("C", 10));
  EXPECT_THAT(DecisionIds(c), ElementsAre(c_only));
  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> limited,
                       store->RecentDecisions("C1", 2));
  EXPECT_THAT(DecisionIds(limited), ElementsAre(c1_new, c1_mid));
  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> none,
                       store->RecentDecisions("C2", 10));
  EXPECT_THAT(none, IsEmpty());
  EXPECT_THAT(store->RecentDecisions("C1", -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A decision alone makes no customer state.
  EXPECT_THAT(store->GetState("C1"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(CustomerStoreTest, LogDecisionRejectsIdsNotMadeByMakeDecisionId) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->LogDecision("C1", Decision("d-1", At(1), {"a"})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> none,
                       store->RecentDecisions("C1", 10));
  EXPECT_THAT(none, IsEmpty());
}

TEST(CustomerStoreTest, LoggedDecisionIgnoresFeedbackItCarries) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string id = MakeDecisionId(At(1));
  DecisionRecord record = Decision(id, At(1), {"a"});
  *record.add_feedback() = Event("a", kAccepted, At(2));
  ASSERT_THAT(store->LogDecision("C1", record), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> decisions,
                       store->RecentDecisions("C1", 1));
  ASSERT_THAT(decisions, SizeIs(1));
  EXPECT_THAT(decisions[0].feedback(), IsEmpty());
}

TEST(CustomerStoreTest, RecentDecisionsCarryTheirFeedbackOldestFirst) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string d1 = LogAt(*store, "C1", At(1), {"a", "b"});
  const std::string d2 = LogAt(*store, "C1", At(2), {"a"});
  const std::string other = LogAt(*store, "C10", At(1), {"a"});
  // Recorded out of time order, and with keys sorting differently (product
  // "b" before "a"'s later events).
  const FeedbackEvent accepted = Event("a", kAccepted, At(30));
  const FeedbackEvent shown_b = Event("b", kImpression, At(10));
  const FeedbackEvent shown_a = Event("a", kImpression, At(20));
  ASSERT_THAT(store->RecordFeedback("C1", d1, accepted), IsOk());
  ASSERT_THAT(store->RecordFeedback("C1", d1, shown_a), IsOk());
  ASSERT_THAT(store->RecordFeedback("C1", d1, shown_b), IsOk());
  ASSERT_THAT(store->RecordFeedback("C10", other, Event("a", kDeclined, At(5))),
              IsOk());

  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> decisions,
                       store->RecentDecisions("C1", 10));
  ASSERT_THAT(DecisionIds(decisions), ElementsAre(d2, d1));
  EXPECT_THAT(decisions[0].feedback(), IsEmpty());
  EXPECT_THAT(decisions[1].feedback(),
              ElementsAre(EqualsProto(shown_b), EqualsProto(shown_a),
                          EqualsProto(accepted)));
}

// Feedback.

TEST(CustomerStoreTest, FeedbackForUnknownDecisionIsNotFound) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string unknown = MakeDecisionId(At(1));
  EXPECT_THAT(store->RecordFeedback("secret-customer", unknown,
                                    Event("a", kImpression, At(2))),
              StatusIs(absl::StatusCode::kNotFound,
                       ::testing::AllOf(Not(HasSubstr("secret-customer")),
                                        Not(HasSubstr(unknown)))));
  // Another customer's decision is unknown to this one.
  const std::string theirs = LogAt(*store, "C10", At(1), {"a"});
  EXPECT_THAT(
      store->RecordFeedback("C1", theirs, Event("a", kImpression, At(2))),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->GetState("C1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->GetState("secret-customer"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(CustomerStoreTest, FeedbackAboutAProductNotOfferedIsInvalid) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string d = LogAt(*store, "C1", At(1), {"a", "b"});
  EXPECT_THAT(store->RecordFeedback("C1", d, Event("c", kAccepted, At(2))),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store->RecordFeedback("C1", d, Event("", kAccepted, At(2))),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store->RecordFeedback(
                  "C1", d, Event(std::string("a\0x", 3), kAccepted, At(2))),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> counts,
                       store->ExperimentCounts(""));
  EXPECT_THAT(counts, IsEmpty());
}

TEST(CustomerStoreTest, FeedbackRejectsMalformedInput) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string d = LogAt(*store, "C1", At(1), {"a"});
  EXPECT_THAT(store->RecordFeedback("C1", "not-a-decision-id",
                                    Event("a", kAccepted, At(2))),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      store->RecordFeedback(
          "C1", d, Event("a", nbo::v1::FEEDBACK_OUTCOME_UNSPECIFIED, At(2))),
      StatusIs(absl::StatusCode::kInvalidArgument));
  FeedbackEvent no_time = Event("a", kAccepted, At(2));
  no_time.clear_timestamp();
  EXPECT_THAT(store->RecordFeedback("C1", d, no_time),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CustomerStoreTest, RepeatedFeedbackIsIdempotent) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string d = LogAt(*store, "C1", At(1), {"a"}, "treatment", "als");
  ASSERT_OK_AND_ASSIGN(
      FeedbackResult first,
      store->RecordFeedback("C1", d, Event("a", kImpression, At(2))));
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(first.first_for_offer);
  EXPECT_EQ(first.model_name, "als");
  EXPECT_EQ(first.model_version, 7);
  EXPECT_EQ(first.experiment_arm, "treatment");

  // Same (decision, product, outcome), even at another time or channel.
  ASSERT_OK_AND_ASSIGN(
      FeedbackResult again,
      store->RecordFeedback("C1", d, Event("a", kImpression, At(9), "email")));
  EXPECT_TRUE(again.duplicate);
  EXPECT_FALSE(again.first_for_offer);
  EXPECT_EQ(again.model_name, "als");
  EXPECT_EQ(again.model_version, 7);
  EXPECT_EQ(again.experiment_arm, "treatment");

  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  ASSERT_THAT(state.contacts, SizeIs(1));
  EXPECT_THAT(state.contacts[0].impressions, ElementsAre(At(2)));
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> counts,
                       store->ExperimentCounts("als"));
  EXPECT_THAT(Rows(counts),
              ElementsAre(CountsRow("als", "treatment", 1, 0, 0)));
  EXPECT_THAT(ScanAll(*store, absl::InfinitePast()), SizeIs(1));
}

TEST(CustomerStoreTest, FirstFeedbackOfAnyOutcomeIsTheFirstForTheOffer) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string d = LogAt(*store, "C1", At(1), {"a", "ab", "b"});
  const std::string d2 = LogAt(*store, "C1", At(2), {"a"});

  auto record = [&](const std::string& decision, const std::string& product,
                    FeedbackOutcome outcome) {
    absl::StatusOr<FeedbackResult> result =
        store->RecordFeedback("C1", decision, Event(product, outcome, At(5)));
    EXPECT_THAT(result, IsOk());
    return result.ok() && !result->duplicate && result->first_for_offer;
  };
  // Accepted without an impression first still counts as shown once.
  EXPECT_TRUE(record(d, "a", kAccepted));
  EXPECT_FALSE(record(d, "a", kImpression));
  EXPECT_FALSE(record(d, "a", kDeclined));
  // "ab" starts with "a" but is another offer.
  EXPECT_TRUE(record(d, "ab", kImpression));
  EXPECT_TRUE(record(d, "b", kDeclined));
  // The same product in another decision is another offer.
  EXPECT_TRUE(record(d2, "a", kImpression));

  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> counts,
                       store->ExperimentCounts("m"));
  EXPECT_THAT(Rows(counts), ElementsAre(CountsRow("m", "A", 4, 1, 2)));
}

TEST(CustomerStoreTest, FeedbackCreatesTheCustomerState) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string d = LogAt(*store, "C1", At(1), {"a"});
  // Accepted is no contact, but the customer is known now.
  ASSERT_THAT(store->RecordFeedback("C1", d, Event("a", kAccepted, At(2))),
              IsOk());
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_FALSE(state.profile.has_value());
  EXPECT_THAT(state.contacts, IsEmpty());
  EXPECT_THAT(state.holdings, IsEmpty());
  EXPECT_EQ(state.transaction_count, 0);
}

TEST(CustomerStoreTest, ContactsKeepTheNewestOfEachKindPerProduct) {
  TempDir dir;
  CustomerStore::Options options = StoreOptions(dir);
  options.max_contacts_per_product = 3;
  std::unique_ptr<CustomerStore> store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  // One decision per contact: each is a distinct offer.
  for (int64_t t : {50, 10, 40, 20, 30}) {
    const std::string d = LogAt(*store, "C1", At(t), {"b", "a"});
    ASSERT_THAT(store->RecordFeedback("C1", d, Event("b", kImpression, At(t))),
                IsOk());
    ASSERT_THAT(store->RecordFeedback("C1", d, Event("b", kAccepted, At(t))),
                IsOk());
  }
  for (int64_t t : {7, 5}) {
    const std::string d = LogAt(*store, "C1", At(t), {"a"});
    ASSERT_THAT(store->RecordFeedback("C1", d, Event("a", kDeclined, At(t))),
                IsOk());
  }
  // Older than the three kept: dropped.
  const std::string old = LogAt(*store, "C1", At(1), {"b"});
  ASSERT_THAT(store->RecordFeedback("C1", old, Event("b", kImpression, At(1))),
              IsOk());

  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  ASSERT_THAT(state.contacts, SizeIs(2));
  EXPECT_EQ(state.contacts[0].product_id, "a");
  EXPECT_THAT(state.contacts[0].impressions, IsEmpty());
  EXPECT_THAT(state.contacts[0].declines, ElementsAre(At(5), At(7)));
  EXPECT_EQ(state.contacts[1].product_id, "b");
  EXPECT_THAT(state.contacts[1].impressions,
              ElementsAre(At(30), At(40), At(50)));
  EXPECT_THAT(state.contacts[1].declines, IsEmpty());

  // The bound is on contacts, not on the feedback log or the counts.
  EXPECT_THAT(ScanAll(*store, absl::InfinitePast()), SizeIs(13));
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> counts,
                       store->ExperimentCounts("m"));
  EXPECT_THAT(Rows(counts), ElementsAre(CountsRow("m", "A", 8, 5, 2)));
}

TEST(CustomerStoreTest, CountsPerArmAreExactOnAScriptedStream) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string a1 = LogAt(*store, "C1", At(1), {"p", "q"}, "A", "m");
  const std::string b1 = LogAt(*store, "C1", At(2), {"p", "q"}, "B", "m");
  const std::string a2 = LogAt(*store, "C2", At(3), {"p"}, "A", "m");
  // "m2" starts with "m": its counts must stay apart.
  const std::string x = LogAt(*store, "C2", At(4), {"p"}, "A", "m2");
  const std::string none = LogAt(*store, "C3", At(5), {"p"}, "", "m");

  struct Step {
    std::string customer;
    std::string decision;
    std::string product;
    FeedbackOutcome outcome;
  };
  const std::vector<Step> script = {
      {"C1", a1, "p", kImpression},   {"C1", a1, "p", kAccepted},
      {"C1", a1, "q", kImpression},   {"C1", a1, "q", kDeclined},
      {"C1", a1, "p", kImpression},  // duplicate
      {"C1", b1, "p", kDeclined},     {"C1", b1, "q", kImpression},
      {"C2", a2, "p", kImpression},   {"C2", a2, "p", kImpression},  // dup
      {"C2", x, "p", kAccepted},      {"C2", x, "p", kAccepted},     // dup
      {"C3", none, "p", kImpression},
  };
  int duplicates = 0;
  for (const Step& step : script) {
    ASSERT_OK_AND_ASSIGN(
        FeedbackResult result,
        store->RecordFeedback(step.customer, step.decision,
                              Event(step.product, step.outcome, At(10))));
    duplicates += result.duplicate ? 1 : 0;
  }
  EXPECT_EQ(duplicates, 3);

  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> m, store->ExperimentCounts("m"));
  EXPECT_THAT(Rows(m), ElementsAre(CountsRow("m", "", 1, 0, 0),
                                   CountsRow("m", "A", 3, 1, 1),
                                   CountsRow("m", "B", 2, 0, 1)));
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> m2,
                       store->ExperimentCounts("m2"));
  EXPECT_THAT(Rows(m2), ElementsAre(CountsRow("m2", "A", 1, 1, 0)));
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> all, store->ExperimentCounts(""));
  EXPECT_THAT(
      Rows(all),
      ElementsAre(CountsRow("m", "", 1, 0, 0), CountsRow("m", "A", 3, 1, 1),
                  CountsRow("m", "B", 2, 0, 1), CountsRow("m2", "A", 1, 1, 0)));
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> unknown,
                       store->ExperimentCounts("n"));
  EXPECT_THAT(unknown, IsEmpty());
}

TEST(CustomerStoreTest, ScanFeedbackExportsEveryFieldInKeyOrder) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string d10 = LogAt(*store, "C10", At(1), {"a"}, "B", "als");
  const std::string d1 = LogAt(*store, "C1", At(2), {"b", "a"}, "A", "pop");
  ASSERT_THAT(
      store->RecordFeedback("C10", d10, Event("a", kDeclined, At(5), "branch")),
      IsOk());
  ASSERT_THAT(store->RecordFeedback("C1", d1, Event("b", kAccepted, At(7))),
              IsOk());
  ASSERT_THAT(store->RecordFeedback("C1", d1, Event("a", kImpression, At(3))),
              IsOk());

  const std::vector<ExportedFeedback> all =
      ScanAll(*store, absl::InfinitePast());
  ASSERT_THAT(all, SizeIs(3));
  ExportedFeedback expected;
  expected.set_customer_id("C1");
  expected.set_product_id("a");
  expected.set_outcome(kImpression);
  SetTime(At(3), expected.mutable_timestamp());
  expected.set_decision_id(d1);
  expected.set_model_name("pop");
  expected.set_model_version(7);
  expected.set_experiment_arm("A");
  expected.set_channel("app");
  EXPECT_THAT(all[0], EqualsProto(expected));
  EXPECT_EQ(all[1].customer_id(), "C1");
  EXPECT_EQ(all[1].product_id(), "b");
  EXPECT_EQ(all[1].outcome(), kAccepted);
  EXPECT_EQ(all[2].customer_id(), "C10");
  EXPECT_EQ(all[2].decision_id(), d10);
  EXPECT_EQ(all[2].model_name(), "als");
  EXPECT_EQ(all[2].experiment_arm(), "B");
  EXPECT_EQ(all[2].channel(), "branch");

  // `since` is inclusive and filters by the feedback's time.
  const std::vector<ExportedFeedback> recent = ScanAll(*store, At(5));
  ASSERT_THAT(recent, SizeIs(2));
  EXPECT_EQ(recent[0].product_id(), "b");
  EXPECT_EQ(recent[1].customer_id(), "C10");
  EXPECT_THAT(ScanAll(*store, At(8)), IsEmpty());
}

TEST(CustomerStoreTest, ScanFeedbackStopsAtTheFirstError) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  const std::string d = LogAt(*store, "C1", At(1), {"a", "b"});
  ASSERT_THAT(store->RecordFeedback("C1", d, Event("a", kImpression, At(2))),
              IsOk());
  ASSERT_THAT(store->RecordFeedback("C1", d, Event("b", kImpression, At(2))),
              IsOk());
  int calls = 0;
  EXPECT_THAT(store->ScanFeedback(absl::InfinitePast(),
                                  [&](const ExportedFeedback&) {
                                    ++calls;
                                    return absl::CancelledError("enough");
                                  }),
              StatusIs(absl::StatusCode::kCancelled, "enough"));
  EXPECT_EQ(calls, 1);
}

// Persistence and retention.

TEST(CustomerStoreTest, EverythingSurvivesReopen) {
  TempDir dir;
  CustomerStore::Options options = StoreOptions(dir);
  options.sync = true;
  options.max_contacts_per_product = 2;
  std::string d1;
  std::string d2;
  {
    std::unique_ptr<CustomerStore> store = OpenStore(options);
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(store->UpsertProfiles({Profile("C1", 33)}), IsOk());
    ASSERT_THAT(
        store->AppendTransactions({Txn("C1", "loan", kOpen, At(6), "t2"),
                                   Txn("C1", "loan", kView, At(7)),
                                   Txn("C1", "card", kOpen, At(5), "t1")}),
        IsOk());
    d1 = LogAt(*store, "C1", At(8), {"a", "b"}, "A");
    d2 = LogAt(*store, "C1", At(9), {"a"}, "B");
    ASSERT_THAT(
        store->RecordFeedback("C1", d1, Event("a", kImpression, At(10))),
        IsOk());
    ASSERT_THAT(store->RecordFeedback("C1", d1, Event("b", kDeclined, At(11))),
                IsOk());
    ASSERT_THAT(store->RecordFeedback("C1", d2, Event("a", kAccepted, At(12))),
                IsOk());
  }
  std::unique_ptr<CustomerStore> store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  ASSERT_TRUE(state.profile.has_value());
  EXPECT_EQ(state.profile->age(), 33);
  EXPECT_THAT(HeldProducts(state), ElementsAre("card", "loan"));
  EXPECT_EQ(state.transaction_count, 3);
  EXPECT_EQ(state.newest_transaction, At(7));
  ASSERT_THAT(state.contacts, SizeIs(2));
  EXPECT_THAT(state.contacts[0].impressions, ElementsAre(At(10)));
  EXPECT_THAT(state.contacts[1].declines, ElementsAre(At(11)));
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> txns,
                       store->RecentTransactions("C1", 10));
  EXPECT_THAT(txns, SizeIs(3));
  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> decisions,
                       store->RecentDecisions("C1", 10));
  ASSERT_THAT(DecisionIds(decisions), ElementsAre(d2, d1));
  EXPECT_THAT(decisions[0].feedback(), SizeIs(1));
  EXPECT_THAT(decisions[1].feedback(), SizeIs(2));
  EXPECT_THAT(ScanAll(*store, absl::InfinitePast()), SizeIs(3));

  // Merge operands written before the restart still add up.
  ASSERT_THAT(store->RecordFeedback("C1", d2, Event("a", kImpression, At(13))),
              IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> counts,
                       store->ExperimentCounts("m"));
  EXPECT_THAT(Rows(counts), ElementsAre(CountsRow("m", "A", 2, 0, 1),
                                        CountsRow("m", "B", 1, 1, 0)));
  // Idempotency survives too: for feedback and for transaction ids.
  ASSERT_OK_AND_ASSIGN(
      FeedbackResult again,
      store->RecordFeedback("C1", d1, Event("b", kDeclined, At(11))));
  EXPECT_TRUE(again.duplicate);
  ASSERT_OK_AND_ASSIGN(
      AppendResult retry,
      store->AppendTransactions({Txn("C1", "card", kClose, At(5), "t3"),
                                 Txn("C1", "card", kOpen, At(5), "t1")}));
  EXPECT_EQ(retry.accepted, 1);
  EXPECT_EQ(retry.duplicates, 1);
  // Arrival order continues across the restart: the close of the same
  // microsecond arrived after the open, although it is the first of its
  // batch and the open was the last of its.
  ASSERT_OK_AND_ASSIGN(state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("loan"));
}

TEST(CustomerStoreTest, DeleteExpiredRemovesOldRecordsAndKeepsDerivedState) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(
      store->AppendTransactions({Txn("C1", "card", kOpen, At(1), "old1"),
                                 Txn("C1", "loan", kView, At(2)),
                                 Txn("C10", "card", kOpen, At(3), "old3"),
                                 Txn("C1", "loan", kOpen, At(100), "new")}),
      IsOk());
  const std::string old1 = LogAt(*store, "C1", At(10), {"a", "b"});
  const std::string old2 = LogAt(*store, "C10", At(20), {"a"});
  const std::string fresh = LogAt(*store, "C1", At(200), {"a"});
  ASSERT_THAT(
      store->RecordFeedback("C1", old1, Event("a", kImpression, At(11))),
      IsOk());
  ASSERT_THAT(store->RecordFeedback("C1", old1, Event("b", kDeclined, At(12))),
              IsOk());
  ASSERT_THAT(store->RecordFeedback("C10", old2, Event("a", kAccepted, At(21))),
              IsOk());
  ASSERT_THAT(
      store->RecordFeedback("C1", fresh, Event("a", kImpression, At(201))),
      IsOk());

  ASSERT_OK_AND_ASSIGN(RetentionReport report,
                       store->DeleteExpired(At(100), At(50)));
  EXPECT_EQ(report.decisions, 2);
  EXPECT_EQ(report.feedback, 3);
  EXPECT_EQ(report.transactions, 3);

  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> c1,
                       store->RecentDecisions("C1", 10));
  EXPECT_THAT(DecisionIds(c1), ElementsAre(fresh));
  EXPECT_THAT(c1[0].feedback(), SizeIs(1));
  ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> c10,
                       store->RecentDecisions("C10", 10));
  EXPECT_THAT(c10, IsEmpty());
  const std::vector<ExportedFeedback> exported =
      ScanAll(*store, absl::InfinitePast());
  ASSERT_THAT(exported, SizeIs(1));
  EXPECT_EQ(exported[0].decision_id(), fresh);
  EXPECT_THAT(store->RecordFeedback("C1", old1, Event("a", kAccepted, At(300))),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> txns,
                       store->RecentTransactions("C1", 10));
  EXPECT_THAT(TransactionIds(txns), ElementsAre("new"));
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> c10_txns,
                       store->RecentTransactions("C10", 10));
  EXPECT_THAT(c10_txns, IsEmpty());

  // Derived state stays.
  ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState("C1"));
  EXPECT_THAT(HeldProducts(state), ElementsAre("card", "loan"));
  EXPECT_EQ(state.transaction_count, 3);
  ASSERT_THAT(state.contacts, SizeIs(2));
  EXPECT_THAT(state.contacts[0].impressions, ElementsAre(At(11), At(201)));
  EXPECT_THAT(state.contacts[1].declines, ElementsAre(At(12)));
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> counts,
                       store->ExperimentCounts("m"));
  EXPECT_THAT(Rows(counts), ElementsAre(CountsRow("m", "A", 4, 1, 1)));
  // The activity summary would remember what the deleted transactions
  // said (the card's open, the loan's view): it is gone, and marked
  // incomplete, so readers use the transactions that remain.
  EXPECT_THAT(state.activity, IsEmpty());
  EXPECT_FALSE(state.activity_complete);

  // A deleted transaction's id is forgotten; a kept one's is not.
  ASSERT_OK_AND_ASSIGN(
      AppendResult retry,
      store->AppendTransactions({Txn("C1", "card", kOpen, At(1), "old1"),
                                 Txn("C1", "loan", kOpen, At(100), "new")}));
  EXPECT_EQ(retry.accepted, 1);
  EXPECT_EQ(retry.duplicates, 1);

  // Nothing left to delete.
  ASSERT_OK_AND_ASSIGN(RetentionReport second,
                       store->DeleteExpired(At(100), At(50)));
  EXPECT_EQ(second.decisions, 0);
  EXPECT_EQ(second.feedback, 0);
  EXPECT_EQ(second.transactions, 1);  // The retried "old1".
}

TEST(CustomerStoreTest, DeleteExpiredHandlesMoreThanOneBatch) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  constexpr int kCount = 2500;
  std::vector<Transaction> txns;
  for (int i = 0; i < kCount; ++i) {
    const std::string customer = absl::StrCat("C", i % 37);
    txns.push_back(Txn(customer, "p", kView, At(i), absl::StrCat("t", i)));
    const std::string d = LogAt(*store, customer, At(i), {"p"});
    ASSERT_THAT(
        store->RecordFeedback(customer, d, Event("p", kImpression, At(i))),
        IsOk());
  }
  ASSERT_THAT(store->AppendTransactions(txns), IsOk());
  ASSERT_OK_AND_ASSIGN(RetentionReport report,
                       store->DeleteExpired(At(2000), At(1500)));
  EXPECT_EQ(report.decisions, 2000);
  EXPECT_EQ(report.feedback, 2000);
  EXPECT_EQ(report.transactions, 1500);
  EXPECT_THAT(ScanAll(*store, absl::InfinitePast()), SizeIs(kCount - 2000));
  ASSERT_OK_AND_ASSIGN(std::vector<Transaction> c0,
                       store->TransactionsForFoldIn("C0", kCount));
  ASSERT_FALSE(c0.empty());
  EXPECT_GE(c0.front().timestamp().seconds(), absl::ToUnixSeconds(At(1500)));
}

// Concurrency.

TEST(CustomerStoreTest, ConcurrentFeedbackLosesNoUpdateAndCountsOnce) {
  TempDir dir;
  CustomerStore::Options options = StoreOptions(dir);
  options.max_contacts_per_product = 4;
  std::unique_ptr<CustomerStore> store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  constexpr int kCustomers = 12;
  constexpr int kDecisions = 5;
  constexpr int kProducts = 5;
  const std::vector<std::string> products = {"P0", "P1", "P2", "P3", "P4"};
  auto when = [](int k, int p, FeedbackOutcome outcome) {
    return At(k * 100 + p * 10 + static_cast<int>(outcome));
  };

  struct Step {
    std::string customer;
    std::string decision;
    std::string product;
    FeedbackOutcome outcome;
    absl::Time time;
  };
  std::vector<Step> steps;
  std::map<std::string, std::array<int64_t, 3>> expected;  // by arm
  int64_t offers = 0;
  for (int c = 0; c < kCustomers; ++c) {
    const std::string customer = absl::StrCat("C", c);
    for (int k = 0; k < kDecisions; ++k) {
      const std::string arm = k % 2 == 0 ? "A" : "B";
      const std::string d = LogAt(*store, customer, At(k), products, arm);
      for (int p = 0; p < kProducts; ++p) {
        ++offers;
        expected[arm][0] += 1;
        steps.push_back(
            {customer, d, products[p], kImpression, when(k, p, kImpression)});
        if ((c + k + p) % 3 == 0) {
          expected[arm][1] += 1;
          steps.push_back(
              {customer, d, products[p], kAccepted, when(k, p, kAccepted)});
        } else if ((c + k + p) % 3 == 1) {
          expected[arm][2] += 1;
          steps.push_back(
              {customer, d, products[p], kDeclined, when(k, p, kDeclined)});
        }
      }
    }
  }
  ASSERT_THAT(steps, SizeIs(500));

  // Every thread sends every event, in its own order: each event is
  // recorded once and recognised as a duplicate three times.
  constexpr int kThreads = 4;
  std::vector<int> recorded(kThreads, 0);
  std::vector<int> first(kThreads, 0);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Step> mine = steps;
      std::mt19937 rng(t + 1);
      std::shuffle(mine.begin(), mine.end(), rng);
      for (const Step& s : mine) {
        absl::StatusOr<FeedbackResult> result = store->RecordFeedback(
            s.customer, s.decision, Event(s.product, s.outcome, s.time));
        if (!result.ok()) {
          ++failures[t];
          continue;
        }
        if (!result->duplicate) ++recorded[t];
        if (result->first_for_offer) ++first[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();

  int total_recorded = 0;
  int total_first = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0);
    total_recorded += recorded[t];
    total_first += first[t];
  }
  EXPECT_EQ(total_recorded, 500);
  EXPECT_EQ(total_first, offers);

  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> counts,
                       store->ExperimentCounts("m"));
  EXPECT_THAT(Rows(counts),
              ElementsAre(CountsRow("m", "A", expected["A"][0],
                                    expected["A"][1], expected["A"][2]),
                          CountsRow("m", "B", expected["B"][0],
                                    expected["B"][1], expected["B"][2])));
  EXPECT_THAT(ScanAll(*store, absl::InfinitePast()), SizeIs(500));

  for (int c = 0; c < kCustomers; ++c) {
    ASSERT_OK_AND_ASSIGN(CustomerState state,
                         store->GetState(absl::StrCat("C", c)));
    ASSERT_THAT(state.contacts, SizeIs(kProducts)) << c;
    for (int p = 0; p < kProducts; ++p) {
      const ContactHistory* history = FindContacts(state, products[p]);
      ASSERT_NE(history, nullptr);
      // Five impressions (one per decision); the newest four are kept.
      std::vector<absl::Time> impressions;
      std::vector<absl::Time> declines;
      for (int k = 0; k < kDecisions; ++k) {
        if (k > 0) impressions.push_back(when(k, p, kImpression));
        if ((c + k + p) % 3 == 1) declines.push_back(when(k, p, kDeclined));
      }
      if (declines.size() > 4) declines.erase(declines.begin());
      EXPECT_EQ(history->impressions, impressions) << c << " " << p;
      EXPECT_EQ(history->declines, declines) << c << " " << p;
    }
  }
}

TEST(CustomerStoreTest, ConcurrentTransactionsLoseNoUpdate) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  constexpr int kCustomers = 4;
  constexpr int kProducts = 5;
  constexpr int kTransactions = 1000;
  const TransactionEvent kEvents[] = {kOpen, kClose, kPurchase, kView, kClose};
  std::vector<Transaction> all;
  for (int n = 0; n < kTransactions; ++n) {
    // 37 is coprime with 1000: every transaction has its own second.
    all.push_back(Txn(absl::StrCat("C", n % kCustomers),
                      absl::StrCat("P", (n * 3) % kProducts), kEvents[n % 5],
                      At((n * 37) % kTransactions), absl::StrCat("t", n)));
  }
  // Expected: the rule, applied to the whole set at once.
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>>
      newest;  // (customer, product) -> (newest start, newest close), seconds
  std::map<std::string, int64_t> count;
  for (const Transaction& t : all) {
    ++count[t.customer_id()];
    auto& [start, close] =
        newest.try_emplace({t.customer_id(), t.product_id()}, -1, -1)
            .first->second;
    const int64_t s = t.timestamp().seconds();
    if (t.event() == kOpen || t.event() == kPurchase)
      start = std::max(start, s);
    if (t.event() == kClose) close = std::max(close, s);
  }

  // Thread t sends transactions [250 t, 250 t + 500) (wrapping), in batches
  // of 10: each transaction is sent by two threads.
  constexpr int kThreads = 4;
  std::vector<int> accepted(kThreads, 0);
  std::vector<int> duplicates(kThreads, 0);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < 50; ++b) {
        std::vector<Transaction> batch;
        for (int i = 0; i < 10; ++i) {
          batch.push_back(all[(250 * t + 10 * b + i) % kTransactions]);
        }
        absl::StatusOr<AppendResult> result = store->AppendTransactions(batch);
        if (!result.ok()) {
          ++failures[t];
          continue;
        }
        accepted[t] += result->accepted;
        duplicates[t] += result->duplicates;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  int total_accepted = 0;
  int total_duplicates = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0);
    total_accepted += accepted[t];
    total_duplicates += duplicates[t];
  }
  EXPECT_EQ(total_accepted, kTransactions);
  EXPECT_EQ(total_duplicates, kTransactions);

  for (int c = 0; c < kCustomers; ++c) {
    const std::string customer = absl::StrCat("C", c);
    ASSERT_OK_AND_ASSIGN(CustomerState state, store->GetState(customer));
    EXPECT_EQ(state.transaction_count, count[customer]);
    std::vector<std::string> held;
    std::vector<absl::Time> since;
    for (const auto& [key, times] : newest) {
      if (key.first != customer) continue;
      if (times.first >= 0 && times.first > times.second) {
        held.push_back(key.second);
        since.push_back(absl::FromUnixSeconds(times.first));
      }
    }
    EXPECT_EQ(HeldProducts(state), held) << customer;
    EXPECT_EQ(Since(state), since) << customer;
    ASSERT_OK_AND_ASSIGN(std::vector<Transaction> txns,
                         store->RecentTransactions(customer, kTransactions));
    EXPECT_THAT(txns, SizeIs(count[customer]));
  }
}

// The request path's read: the state decoded once and shared while no
// write changes it; every kind of write replaces it (write-through), and a
// store without the cache answers the same.
TEST(CustomerStoreTest, SharedStateIsCachedUntilAWriteReplacesIt) {
  for (const size_t cache_bytes : {size_t{0}, size_t{1} << 20}) {
    SCOPED_TRACE(absl::StrCat("state_cache_bytes=", cache_bytes));
    TempDir dir;
    CustomerStore::Options options = StoreOptions(dir);
    options.state_cache_bytes = cache_bytes;
    std::unique_ptr<CustomerStore> store = OpenStore(options);
    ASSERT_NE(store, nullptr);
    const bool cached = cache_bytes > 0;

    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const CustomerState> none,
                         store->GetSharedState("C1"));
    EXPECT_EQ(none, nullptr);

    ASSERT_THAT(store->UpsertProfiles({Profile("C1", 30)}), IsOk());
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const CustomerState> first,
                         store->GetSharedState("C1"));
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->profile->age(), 30);
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const CustomerState> again,
                         store->GetSharedState("C1"));
    EXPECT_EQ(again == first, cached);

    ASSERT_THAT(store->AppendTransactions({Txn("C1", "P1", kOpen, At(10))}),
                IsOk());
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const CustomerState> opened,
                         store->GetSharedState("C1"));
    EXPECT_NE(opened, first);
    EXPECT_THAT(HeldProducts(*opened), ElementsAre("P1"));
    EXPECT_EQ(opened->transaction_count, 1);
    // What the reader holds does not change under it.
    EXPECT_THAT(first->holdings, IsEmpty());

    ASSERT_THAT(store->UpsertProfiles({Profile("C1", 31)}), IsOk());
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const CustomerState> older,
                         store->GetSharedState("C1"));
    EXPECT_EQ(older->profile->age(), 31);
    EXPECT_THAT(HeldProducts(*older), ElementsAre("P1"));

    ASSERT_THAT(store->LogDecision(
                    "C1", Decision(MakeDecisionId(At(20)), At(20), {"P2"})),
                IsOk());
    ASSERT_OK_AND_ASSIGN(std::vector<DecisionRecord> decisions,
                         store->RecentDecisions("C1", 1));
    ASSERT_THAT(decisions, SizeIs(1));
    FeedbackEvent decline;
    decline.set_product_id("P2");
    decline.set_outcome(kDeclined);
    SetTime(At(30), decline.mutable_timestamp());
    ASSERT_THAT(
        store->RecordFeedback("C1", decisions[0].decision_id(), decline),
        IsOk());
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const CustomerState> declined,
                         store->GetSharedState("C1"));
    ASSERT_THAT(declined->contacts, SizeIs(1));
    EXPECT_EQ(declined->contacts[0].product_id, "P2");
    EXPECT_THAT(declined->contacts[0].declines, ElementsAre(At(30)));

    // GetState is the same state, copied.
    ASSERT_OK_AND_ASSIGN(CustomerState copy, store->GetState("C1"));
    EXPECT_EQ(copy.profile->age(), 31);
    EXPECT_THAT(HeldProducts(copy), ElementsAre("P1"));
    EXPECT_THAT(copy.contacts, SizeIs(1));
  }
}

// Readers filling the cache race a writer of the same customers, in a
// cache small enough to evict all the time (so readers miss and fill
// often). A reader that read a state before a write must not cache it after
// the write: the writer checks after every write that it reads what it
// wrote, and at the end the cache holds what RocksDB holds.
TEST(CustomerStoreTest, ConcurrentReadersNeverLeaveAStaleStateCached) {
  TempDir dir;
  CustomerStore::Options options = StoreOptions(dir);
  // About two entries.
  options.state_cache_bytes = 1000;
  std::unique_ptr<CustomerStore> store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  // 4 customers and a profile every third write: each gets profiles too.
  constexpr int kCustomers = 4;
  constexpr int kWrites = 3000;
  std::atomic<bool> done{false};
  std::atomic<int> read_failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      int c = r;
      while (!done.load()) {
        if (!store->GetSharedState(absl::StrCat("C", c++ % kCustomers)).ok()) {
          ++read_failures;
        }
      }
    });
  }
  int write_failures = 0;
  int stale_reads = 0;
  std::map<std::string, int64_t> transactions;
  std::map<std::string, int32_t> ages;
  for (int n = 0; n < kWrites; ++n) {
    const std::string customer = absl::StrCat("C", n % kCustomers);
    bool ok = false;
    if (n % 3 == 0) {
      ok = store->UpsertProfiles({Profile(customer, 20 + n)}).ok();
      ages[customer] = 20 + n;
    } else {
      ok = store
               ->AppendTransactions({Txn(customer, absl::StrCat("P", n % 7),
                                         n % 2 == 0 ? kOpen : kClose, At(n))})
               .ok();
      ++transactions[customer];
    }
    if (!ok) ++write_failures;
    absl::StatusOr<std::shared_ptr<const CustomerState>> read =
        store->GetSharedState(customer);
    if (!read.ok() || *read == nullptr ||
        (*read)->transaction_count != transactions[customer] ||
        (ages.contains(customer) &&
         (!(*read)->profile.has_value() ||
          (*read)->profile->age() != ages[customer]))) {
      ++stale_reads;
    }
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(write_failures, 0);
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_EQ(stale_reads, 0);

  std::vector<std::shared_ptr<const CustomerState>> cached;
  for (int c = 0; c < kCustomers; ++c) {
    ASSERT_OK_AND_ASSIGN(cached.emplace_back(),
                         store->GetSharedState(absl::StrCat("C", c)));
    ASSERT_NE(cached.back(), nullptr);
  }
  store.reset();
  options.state_cache_bytes = 0;
  store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  for (int c = 0; c < kCustomers; ++c) {
    SCOPED_TRACE(absl::StrCat("C", c));
    ASSERT_OK_AND_ASSIGN(CustomerState stored,
                         store->GetState(absl::StrCat("C", c)));
    EXPECT_THAT(*cached[c]->profile, EqualsProto(*stored.profile));
    EXPECT_EQ(HeldProducts(*cached[c]), HeldProducts(stored));
    EXPECT_EQ(Since(*cached[c]), Since(stored));
    EXPECT_EQ(cached[c]->transaction_count, stored.transaction_count);
    EXPECT_EQ(cached[c]->newest_transaction, stored.newest_transaction);
  }
}

TEST(CustomerStoreTest, ProfilesTransactionsAndFeedbackInterleaveSafely) {
  TempDir dir;
  std::unique_ptr<CustomerStore> store = OpenStore(StoreOptions(dir));
  ASSERT_NE(store, nullptr);
  constexpr int kCustomers = 8;
  constexpr int kRounds = 200;
  std::vector<std::string> decisions;
  for (int c = 0; c < kCustomers; ++c) {
    decisions.push_back(
        LogAt(*store, absl::StrCat("C", c), At(0), {"offer"}, "A"));
  }
  std::vector<int> failures(3, 0);
  std::thread profiles([&] {
    for (int r = 0; r < kRounds; ++r) {
      std::vector<CustomerProfile> batch;
      for (int c = 0; c < kCustomers; ++c) {
        batch.push_back(Profile(absl::StrCat("C", c), r));
      }
      if (!store->UpsertProfiles(batch).ok()) ++failures[0];
    }
  });
  std::thread transactions([&] {
    for (int r = 0; r < kRounds; ++r) {
      std::vector<Transaction> batch;
      for (int c = 0; c < kCustomers; ++c) {
        batch.push_back(Txn(absl::StrCat("C", c), absl::StrCat("P", r), kOpen,
                            At(r + 1), absl::StrCat("t", r)));
      }
      if (!store->AppendTransactions(batch).ok()) ++failures[1];
    }
  });
  std::thread feedback([&] {
    for (int r = 0; r < kRounds; ++r) {
      const int c = r % kCustomers;
      // Each (decision, outcome) once: impressions first, then declines.
      const FeedbackOutcome outcome =
          r < kCustomers ? kImpression
                         : (r < 2 * kCustomers ? kDeclined : kAccepted);
      if (r >= 3 * kCustomers) break;
      if (!store
               ->RecordFeedback(absl::StrCat("C", c), decisions[c],
                                Event("offer", outcome, At(r)))
               .ok()) {
        ++failures[2];
      }
    }
  });
  profiles.join();
  transactions.join();
  feedback.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0));

  for (int c = 0; c < kCustomers; ++c) {
    ASSERT_OK_AND_ASSIGN(CustomerState state,
                         store->GetState(absl::StrCat("C", c)));
    ASSERT_TRUE(state.profile.has_value());
    EXPECT_EQ(state.profile->age(), kRounds - 1);
    EXPECT_THAT(state.holdings, SizeIs(kRounds));
    EXPECT_EQ(state.transaction_count, kRounds);
    ASSERT_THAT(state.contacts, SizeIs(1));
    EXPECT_THAT(state.contacts[0].impressions, ElementsAre(At(c)));
    EXPECT_THAT(state.contacts[0].declines, ElementsAre(At(kCustomers + c)));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ArmCounts> counts,
                       store->ExperimentCounts("m"));
  EXPECT_THAT(Rows(counts), ElementsAre(CountsRow("m", "A", kCustomers,
                                                  kCustomers, kCustomers)));
}

}  // namespace
}  // namespace nbo::store
