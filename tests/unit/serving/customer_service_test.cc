// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/customer_service.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/serving/recommender.h"
#include "lib/testing/status_matchers.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::serving {
namespace {

using ::nbo::serving::testing::Publish;
using ::nbo::serving::testing::TestModel;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

// The expected intervals below are the Wilson score interval
//
//   center = (p + z^2 / 2n) / (1 + z^2 / n)
//   half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)
//   [max(0, center - half), min(1, center + half)],   p = successes / n,
//
// with z the two-sided normal quantile (1.959964 at 0.95, 2.575829 at 0.99,
// 1.644854 at 0.90), computed by hand with Python's statistics.NormalDist and
// written down as literals.
constexpr double kTolerance = 1e-4;

TEST(WilsonIntervalTest, MatchesHandComputedValues) {
  struct Case {
    int64_t successes;
    int64_t trials;
    double confidence;
    double low;
    double high;
  };
  const Case cases[] = {
      // p = 0.3, n = 100: center 0.307399, half 0.088450.
      {30, 100, 0.95, 0.2189489, 0.3958485},
      // Same counts, z = 2.575829: wider.
      {30, 100, 0.99, 0.1974607, 0.4274276},
      // p = 0: the interval starts at 0 exactly (center == half).
      {0, 10, 0.95, 0.0, 0.2775328},
      // p = 1: it ends at 1 exactly.
      {10, 10, 0.95, 0.7224672, 1.0},
      // p = 0.5, n = 100, z = 1.644854: symmetric about 0.5.
      {50, 100, 0.90, 0.4188478, 0.5811522},
      {2, 5, 0.95, 0.1176208, 0.7692757},
      {1, 1, 0.95, 0.2065493, 1.0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(
        absl::StrFormat("%d/%d at %.2f", c.successes, c.trials, c.confidence));
    const auto [low, high] =
        WilsonInterval(c.successes, c.trials, c.confidence);
    EXPECT_NEAR(low, c.low, kTolerance);
    EXPECT_NEAR(high, c.high, kTolerance);
    EXPECT_GE(low, 0.0);
    EXPECT_LE(high, 1.0);
  }
}

TEST(WilsonIntervalTest, IsTheWholeRangeWithoutTrials) {
  EXPECT_EQ(WilsonInterval(0, 0, 0.95), std::make_pair(0.0, 1.0));
  EXPECT_EQ(WilsonInterval(0, 0, 0.99), std::make_pair(0.0, 1.0));
  EXPECT_EQ(WilsonInterval(0, -1, 0.95), std::make_pair(0.0, 1.0));
}

nbo::v1::Transaction Txn(const std::string& customer,
                         const std::string& product,
                         nbo::v1::TransactionEvent event, absl::Time when,
                         double amount = 0, const std::string& id = "") {
  nbo::v1::Transaction t;
  t.set_customer_id(customer);
  t.set_product_id(product);
  t.set_event(event);
  t.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(when));
  t.set_amount(amount);
  t.set_transaction_id(id);
  return t;
}

nbo::v1::CustomerProfile Profile(const std::string& customer) {
  nbo::v1::CustomerProfile p;
  p.set_customer_id(customer);
  p.set_age(40);
  p.set_income(50000);
  p.set_segment("mass");
  p.set_credit_score(700);
  p.set_kyc_verified(true);
  return p;
}

// (index, field) of every rejected record, in order.
template <typename Response>
std::vector<std::pair<int, std::string>> Rejected(const Response& response) {
  std::vector<std::pair<int, std::string>> out;
  for (const nbo::v1::RecordError& e : response.rejected()) {
    out.emplace_back(e.index(), e.field());
  }
  return out;
}

std::vector<std::string> TransactionIds(
    const std::vector<nbo::v1::Transaction>& transactions) {
  std::vector<std::string> ids;
  for (const nbo::v1::Transaction& t : transactions) {
    ids.push_back(t.transaction_id());
  }
  return ids;
}

class CustomerServiceTest : public testing::DecisioningTest {
 protected:
  static constexpr int kMaxBatch = 10;

  void SetUp() override {
    DecisioningTest::SetUp();
    CustomerService::Options service_options;
    service_options.max_batch = kMaxBatch;
    service_options.max_clock_skew = absl::Minutes(5);
    service_ = std::make_unique<CustomerService>(
        customers_.get(), catalogs_.get(), service_options,
        [this] { return now_; });
    recommender_ = std::make_unique<Recommender>(
        manager_.get(), store_.get(), customers_.get(), catalogs_.get(),
        Recommender::Options(), [this] { return now_; });
    ASSERT_NO_FATAL_FAILURE(PublishModel(model_));
  }

  // Publishes `model` as nbo-server does: catalog first, then the version.
  void PublishModel(const TestModel& model) {
    std::vector<nbo::v1::PublishModelRequest> stream = model.Stream();
    ASSERT_THAT(catalogs_->ApplyPublishedCatalog(
                    model.model_name, stream.front().header().catalog()),
                IsOk());
    ASSERT_THAT(Publish(manager_.get(), store_.get(), stream), IsOk());
  }

  absl::StatusOr<nbo::v1::RecommendResponse> Decide(const std::string& customer,
                                                    int n = 2) {
    nbo::v1::RecommendRequest request;
    request.set_customer_id(customer);
    request.set_num_offers(n);
    nbo::v1::RecommendResponse response;
    absl::Status status = recommender_->Recommend(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<nbo::v1::RecordFeedbackResponse> Feedback(
      const std::string& customer, const std::string& decision_id,
      const std::string& product, nbo::v1::FeedbackOutcome outcome) {
    nbo::v1::RecordFeedbackRequest request;
    request.set_customer_id(customer);
    request.set_decision_id(decision_id);
    request.set_product_id(product);
    request.set_outcome(outcome);
    return Feedback(request);
  }

  absl::StatusOr<nbo::v1::RecordFeedbackResponse> Feedback(
      const nbo::v1::RecordFeedbackRequest& request) {
    nbo::v1::RecordFeedbackResponse response;
    absl::Status status = service_->RecordFeedback(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  // A decision of `model` under `arm`, offering `products`, logged directly.
  std::string LogDecision(const std::string& customer, const std::string& arm,
                          const std::vector<std::string>& products,
                          const std::string& model = "nbo") {
    nbo::v1::DecisionRecord record;
    record.set_decision_id(store::MakeDecisionId(now_));
    record.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(now_));
    record.set_model_name(model);
    record.set_model_version(1);
    record.set_experiment_arm(arm);
    for (const std::string& p : products) {
      record.add_offers()->set_product_id(p);
    }
    EXPECT_THAT(customers_->LogDecision(customer, record), IsOk());
    return record.decision_id();
  }

  absl::StatusOr<nbo::v1::GetExperimentStatsResponse> Stats(
      double confidence = 0, const std::string& model = "nbo") {
    nbo::v1::GetExperimentStatsRequest request;
    request.set_model_name(model);
    request.set_confidence(confidence);
    nbo::v1::GetExperimentStatsResponse response;
    absl::Status status = service_->GetExperimentStats(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<nbo::v1::GetCustomerResponse> GetCustomer(
      const std::string& customer, int max_transactions = 0,
      int max_decisions = 0) {
    nbo::v1::GetCustomerRequest request;
    request.set_customer_id(customer);
    request.set_max_transactions(max_transactions);
    request.set_max_decisions(max_decisions);
    nbo::v1::GetCustomerResponse response;
    absl::Status status = service_->GetCustomer(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  absl::Time now_ = kNow;
  TestModel model_;
  std::unique_ptr<CustomerService> service_;
  std::unique_ptr<Recommender> recommender_;
};

// Ingest.

TEST_F(CustomerServiceTest, RejectsBadTransactionsOneByOneAndAppliesTheRest) {
  const absl::Time past = kNow - absl::Hours(1);
  const auto kView = nbo::v1::TRANSACTION_EVENT_VIEW;
  nbo::v1::RecordTransactionsRequest request;
  auto add = [&](nbo::v1::Transaction t) {
    *request.add_transactions() = std::move(t);
  };
  // Each bad record has its own customer, so the store shows exactly which
  // records were applied.
  add(Txn("G1", "P01", nbo::v1::TRANSACTION_EVENT_OPEN, past, 10, "g-1"));  // 0
  add(Txn("B01", "P99", kView, past));                                      // 1
  add(Txn("B02", "P01", kView, past, -0.01));                               // 2
  add(Txn("B03", "P01", kView, past,
          std::numeric_limits<double>::quiet_NaN()));  // 3
  add(Txn("B04", "P01", kView, past,
          std::numeric_limits<double>::infinity()));  // 4
  add(Txn("B05", "P01", kView,
          kNow + absl::Minutes(5) + absl::Seconds(1)));  // 5
  nbo::v1::Transaction no_time = Txn("B06", "P01", kView, past);
  no_time.clear_timestamp();
  add(no_time);                                                          // 6
  add(Txn("B07", "P01", nbo::v1::TRANSACTION_EVENT_UNSPECIFIED, past));  // 7
  add(Txn("", "P01", kView, past));                                      // 8
  add(Txn(std::string(129, 'B'), "P01", kView, past));                   // 9
  add(
      Txn("B\x01"
          "10",
          "P01", kView, past));                                  // 10
  add(Txn("B11", "P01", kView, past, 0, "has space"));           // 11
  add(Txn("B12", "P01", kView, past, 0, std::string(65, 't')));  // 12
  // Exactly max_clock_skew ahead is still accepted.
  add(Txn("G2", "P02", kView, kNow + absl::Minutes(5), 0, "g-2"));  // 13
  // The longest transaction id, every allowed character.
  const std::string long_id =
      "Az09._:-" + std::string(56, 'x');           // 64 characters.
  add(Txn("G2", "P03", kView, past, 0, long_id));  // 14
  add(Txn("B15", "", kView, past));                // 15
  nbo::v1::Transaction bad_event = Txn("B16", "P01", kView, past);
  bad_event.set_event(static_cast<nbo::v1::TransactionEvent>(99));
  add(bad_event);  // 16
  nbo::v1::Transaction before_epoch = Txn("B17", "P01", kView, past);
  before_epoch.mutable_timestamp()->set_seconds(-1);
  add(before_epoch);  // 17
  nbo::v1::Transaction bad_nanos = Txn("B18", "P01", kView, past);
  bad_nanos.mutable_timestamp()->set_nanos(1000000000);
  add(bad_nanos);  // 18
  // The batch limit is kMaxBatch records per request; this test needs more.
  CustomerService::Options options;
  options.max_batch = 100;
  CustomerService service(customers_.get(), catalogs_.get(), options,
                          [] { return kNow; });

  nbo::v1::RecordTransactionsResponse response;
  ASSERT_THAT(service.RecordTransactions(request, 0, &response), IsOk());
  EXPECT_EQ(response.accepted(), 3);
  EXPECT_EQ(response.duplicates(), 0);
  EXPECT_THAT(
      Rejected(response),
      ElementsAre(std::pair(1, "product_id"), std::pair(2, "amount"),
                  std::pair(3, "amount"), std::pair(4, "amount"),
                  std::pair(5, "timestamp"), std::pair(6, "timestamp"),
                  std::pair(7, "event"), std::pair(8, "customer_id"),
                  std::pair(9, "customer_id"), std::pair(10, "customer_id"),
                  std::pair(11, "transaction_id"),
                  std::pair(12, "transaction_id"), std::pair(15, "product_id"),
                  std::pair(16, "event"), std::pair(17, "timestamp"),
                  std::pair(18, "timestamp")));
  ASSERT_EQ(response.rejected_size(), 16);
  EXPECT_THAT(response.rejected(0).reason(), HasSubstr("unknown product"));
  EXPECT_THAT(response.rejected(1).reason(), HasSubstr(">= 0"));
  EXPECT_THAT(response.rejected(3).reason(), HasSubstr("finite"));
  EXPECT_THAT(response.rejected(4).reason(), HasSubstr("in the future"));
  EXPECT_THAT(response.rejected(5).reason(), HasSubstr("required"));
  EXPECT_THAT(response.rejected(7).reason(), HasSubstr("required"));
  EXPECT_THAT(response.rejected(8).reason(), HasSubstr("129 bytes"));
  EXPECT_THAT(response.rejected(9).reason(), HasSubstr("control character"));
  EXPECT_THAT(response.rejected(14).reason(), HasSubstr("before 1970"));
  for (const nbo::v1::RecordError& e : response.rejected()) {
    // Customer ids are personal data: never in a reason.
    EXPECT_THAT(e.reason(), Not(HasSubstr("B1"))) << e.index();
    EXPECT_THAT(e.reason(), Not(HasSubstr("BBBB"))) << e.index();
  }

  // The store has the good records and nothing of the bad ones.
  ASSERT_OK_AND_ASSIGN(auto g1, customers_->RecentTransactions("G1", 10));
  EXPECT_THAT(TransactionIds(g1), ElementsAre("g-1"));
  EXPECT_EQ(g1[0].amount(), 10);
  ASSERT_OK_AND_ASSIGN(auto g1_state, customers_->GetState("G1"));
  ASSERT_EQ(g1_state.holdings.size(), 1u);
  EXPECT_EQ(g1_state.holdings[0].product_id, "P01");
  ASSERT_OK_AND_ASSIGN(auto g2, customers_->RecentTransactions("G2", 10));
  EXPECT_THAT(TransactionIds(g2), ElementsAre("g-2", long_id));
  for (int i = 1; i <= 18; ++i) {
    const std::string id = absl::StrFormat("B%02d", i);
    EXPECT_THAT(customers_->GetState(id), StatusIs(absl::StatusCode::kNotFound))
        << id;
  }
  EXPECT_THAT(customers_->GetState("B\x01"
                                   "10"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CustomerServiceTest, CountsStreamIndicesFromTheBaseAndAddsCounts) {
  const absl::Time past = kNow - absl::Hours(1);
  nbo::v1::RecordTransactionsResponse response;
  nbo::v1::RecordTransactionsRequest first;
  *first.add_transactions() =
      Txn("C1", "P01", nbo::v1::TRANSACTION_EVENT_VIEW, past, 1, "s-1");
  *first.add_transactions() =
      Txn("C1", "P01", nbo::v1::TRANSACTION_EVENT_VIEW, past, -1, "s-2");
  ASSERT_THAT(service_->RecordTransactions(first, 0, &response), IsOk());
  nbo::v1::RecordTransactionsRequest second;
  // A retry of s-1, a new one, a bad one.
  *second.add_transactions() =
      Txn("C1", "P01", nbo::v1::TRANSACTION_EVENT_VIEW, past, 1, "s-1");
  *second.add_transactions() =
      Txn("C1", "P02", nbo::v1::TRANSACTION_EVENT_VIEW, past, 1, "s-3");
  *second.add_transactions() =
      Txn("C1", "P77", nbo::v1::TRANSACTION_EVENT_VIEW, past, 1, "s-4");
  ASSERT_THAT(service_->RecordTransactions(second, 2, &response), IsOk());
  EXPECT_EQ(response.accepted(), 2);
  EXPECT_EQ(response.duplicates(), 1);
  EXPECT_THAT(Rejected(response),
              ElementsAre(std::pair(1, "amount"), std::pair(4, "product_id")));
}

TEST_F(CustomerServiceTest, AppliesATransactionIdOnlyOnce) {
  const absl::Time past = kNow - absl::Hours(1);
  nbo::v1::RecordTransactionsRequest request;
  *request.add_transactions() =
      Txn("C1", "P01", nbo::v1::TRANSACTION_EVENT_VIEW, past, 1, "t-1");
  *request.add_transactions() =
      Txn("C1", "P01", nbo::v1::TRANSACTION_EVENT_VIEW, past, 1, "t-1");
  // The same id for another customer is another transaction.
  *request.add_transactions() =
      Txn("C2", "P01", nbo::v1::TRANSACTION_EVENT_VIEW, past, 1, "t-1");
  // No id: never deduplicated.
  *request.add_transactions() =
      Txn("C1", "P02", nbo::v1::TRANSACTION_EVENT_VIEW, past);
  *request.add_transactions() =
      Txn("C1", "P02", nbo::v1::TRANSACTION_EVENT_VIEW, past);
  nbo::v1::RecordTransactionsResponse response;
  ASSERT_THAT(service_->RecordTransactions(request, 0, &response), IsOk());
  EXPECT_EQ(response.accepted(), 4);
  EXPECT_EQ(response.duplicates(), 1);

  nbo::v1::RecordTransactionsResponse again;
  ASSERT_THAT(service_->RecordTransactions(request, 0, &again), IsOk());
  EXPECT_EQ(again.accepted(), 2);  // The two without an id.
  EXPECT_EQ(again.duplicates(), 3);
  ASSERT_OK_AND_ASSIGN(auto c1, customers_->RecentTransactions("C1", 100));
  EXPECT_EQ(c1.size(), 5u);
  ASSERT_OK_AND_ASSIGN(auto c2, customers_->RecentTransactions("C2", 100));
  EXPECT_EQ(c2.size(), 1u);
}

TEST_F(CustomerServiceTest, KnowsOnlyTheProductsOfPublishedModels) {
  // A catalog cannot be made up for a model that was never published, so
  // its products cannot leak into ingest validation.
  google::protobuf::RepeatedPtrField<nbo::v1::Product> ghost;
  ghost.Add()->set_product_id("G01");
  EXPECT_THAT(catalogs_->UpdateCatalog("ghost", ghost),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(catalogs_->Get("ghost"), nullptr);
  nbo::v1::RecordTransactionsRequest request;
  *request.add_transactions() =
      Txn("C1", "G01", nbo::v1::TRANSACTION_EVENT_VIEW, kNow - absl::Hours(1));
  nbo::v1::RecordTransactionsResponse response;
  ASSERT_THAT(service_->RecordTransactions(request, 0, &response), IsOk());
  EXPECT_EQ(response.accepted(), 0);
  EXPECT_THAT(Rejected(response), ElementsAre(std::pair(0, "product_id")));

  // A product the published model's catalog gains is known from then on.
  google::protobuf::RepeatedPtrField<nbo::v1::Product> catalog =
      model_.Stream().front().header().catalog();
  catalog.Add()->set_product_id("G01");
  ASSERT_THAT(catalogs_->UpdateCatalog("nbo", catalog), IsOk());
  nbo::v1::RecordTransactionsResponse again;
  ASSERT_THAT(service_->RecordTransactions(request, 0, &again), IsOk());
  EXPECT_EQ(again.accepted(), 1);
}

TEST_F(CustomerServiceTest, RejectsEmptyAndOversizedBatchesWhole) {
  const absl::Time past = kNow - absl::Hours(1);
  nbo::v1::RecordTransactionsRequest transactions;
  nbo::v1::RecordTransactionsResponse t_response;
  EXPECT_THAT(service_->RecordTransactions(transactions, 0, &t_response),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  for (int i = 0; i <= kMaxBatch; ++i) {
    *transactions.add_transactions() =
        Txn(absl::StrCat("X", i), "P01", nbo::v1::TRANSACTION_EVENT_VIEW, past);
  }
  EXPECT_THAT(service_->RecordTransactions(transactions, 0, &t_response),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("11 records; the limit is 10")));
  EXPECT_EQ(t_response.accepted(), 0);
  EXPECT_THAT(t_response.rejected(), IsEmpty());

  nbo::v1::UpsertCustomersRequest profiles;
  nbo::v1::UpsertCustomersResponse p_response;
  EXPECT_THAT(service_->UpsertCustomers(profiles, &p_response),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  for (int i = 0; i <= kMaxBatch; ++i) {
    *profiles.add_customers() = Profile(absl::StrCat("X", i));
  }
  EXPECT_THAT(service_->UpsertCustomers(profiles, &p_response),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("11 records; the limit is 10")));
  EXPECT_EQ(p_response.accepted(), 0);
  for (int i = 0; i <= kMaxBatch; ++i) {
    EXPECT_THAT(customers_->GetState(absl::StrCat("X", i)),
                StatusIs(absl::StatusCode::kNotFound));
  }

  // One record fewer is a full batch, applied.
  transactions.mutable_transactions()->RemoveLast();
  profiles.mutable_customers()->RemoveLast();
  ASSERT_THAT(service_->RecordTransactions(transactions, 0, &t_response),
              IsOk());
  EXPECT_EQ(t_response.accepted(), kMaxBatch);
  ASSERT_THAT(service_->UpsertCustomers(profiles, &p_response), IsOk());
  EXPECT_EQ(p_response.accepted(), kMaxBatch);
}

TEST_F(CustomerServiceTest, RejectsBadProfilesOneByOneAndAppliesTheRest) {
  nbo::v1::UpsertCustomersRequest request;
  auto add = [&](nbo::v1::CustomerProfile p) {
    *request.add_customers() = std::move(p);
  };
  nbo::v1::CustomerProfile p;
  // Bounds, all accepted.
  p = Profile("G1");
  p.set_age(0);
  p.set_credit_score(0);
  p.set_income(0);
  for (int i = 0; i < 32; ++i) {
    (*p.mutable_attributes())[absl::StrCat("attr_", i)] = std::string(256, 'v');
  }
  add(p);  // 0
  p = Profile("B1");
  p.set_age(-1);
  add(p);  // 1
  p = Profile("B2");
  p.set_age(151);
  add(p);  // 2
  p = Profile("B3");
  p.set_income(-1);
  add(p);  // 3
  p = Profile("B4");
  p.set_income(std::numeric_limits<double>::quiet_NaN());
  add(p);  // 4
  p = Profile("B5");
  p.set_segment("");
  add(p);  // 5
  p = Profile("B6");
  p.set_segment("high net worth");
  add(p);  // 6
  p = Profile("B7");
  p.set_segment(std::string(33, 's'));
  add(p);  // 7
  p = Profile("B8");
  p.set_credit_score(-1);
  add(p);  // 8
  p = Profile("B9");
  p.set_credit_score(1001);
  add(p);  // 9
  // Index 10: the maximum values, accepted.
  p = Profile("G2");
  p.set_age(150);
  p.set_credit_score(1000);
  p.set_segment("Affluent_2-x");
  add(p);
  p = Profile("B11");
  for (int i = 0; i < 33; ++i) {
    (*p.mutable_attributes())[absl::StrCat("attr_", i)] = "v";
  }
  add(p);  // 11
  p = Profile("B12");
  (*p.mutable_attributes())["Upper"] = "v";
  add(p);  // 12
  p = Profile("B13");
  (*p.mutable_attributes())["note"] = std::string(257, 'v');
  add(p);                               // 13
  add(Profile(""));                     // 14
  add(Profile(std::string(129, 'B')));  // 15
  add(Profile("B\n16"));                // 16
  p = Profile("B17");
  p.mutable_updated_time()->set_seconds(
      absl::ToUnixSeconds(kNow + absl::Minutes(6)));
  add(p);  // 17
  CustomerService::Options options;
  options.max_batch = 100;
  CustomerService service(customers_.get(), catalogs_.get(), options,
                          [] { return kNow; });

  nbo::v1::UpsertCustomersResponse response;
  ASSERT_THAT(service.UpsertCustomers(request, &response), IsOk());
  EXPECT_EQ(response.accepted(), 2);
  EXPECT_THAT(
      Rejected(response),
      ElementsAre(std::pair(1, "age"), std::pair(2, "age"),
                  std::pair(3, "income"), std::pair(4, "income"),
                  std::pair(5, "segment"), std::pair(6, "segment"),
                  std::pair(7, "segment"), std::pair(8, "credit_score"),
                  std::pair(9, "credit_score"), std::pair(11, "attributes"),
                  std::pair(12, "attributes"), std::pair(13, "attributes"),
                  std::pair(14, "customer_id"), std::pair(15, "customer_id"),
                  std::pair(16, "customer_id"), std::pair(17, "updated_time")));
  ASSERT_EQ(response.rejected_size(), 16);
  EXPECT_THAT(response.rejected(0).reason(), HasSubstr("got -1"));
  EXPECT_THAT(response.rejected(9).reason(), HasSubstr("at most 32"));

  ASSERT_OK_AND_ASSIGN(auto g1, customers_->GetState("G1"));
  ASSERT_TRUE(g1.profile.has_value());
  EXPECT_EQ(g1.profile->age(), 0);
  EXPECT_EQ(g1.profile->attributes_size(), 32);
  // Set by the server when the bank leaves it unset.
  EXPECT_EQ(g1.profile->updated_time().seconds(), absl::ToUnixSeconds(kNow));
  ASSERT_OK_AND_ASSIGN(auto g2, customers_->GetState("G2"));
  EXPECT_EQ(g2.profile->segment(), "Affluent_2-x");
  for (int i = 1; i <= 17; ++i) {
    EXPECT_THAT(customers_->GetState(absl::StrCat("B", i)),
                StatusIs(absl::StatusCode::kNotFound))
        << i;
  }
}

TEST_F(CustomerServiceTest, UpsertReplacesTheWholeProfile) {
  nbo::v1::UpsertCustomersRequest request;
  *request.add_customers() = Profile("C1");
  nbo::v1::UpsertCustomersResponse response;
  ASSERT_THAT(service_->UpsertCustomers(request, &response), IsOk());
  nbo::v1::CustomerProfile smaller;
  smaller.set_customer_id("C1");
  smaller.set_age(41);
  *request.mutable_customers(0) = smaller;
  ASSERT_THAT(service_->UpsertCustomers(request, &response), IsOk());
  ASSERT_OK_AND_ASSIGN(auto state, customers_->GetState("C1"));
  ASSERT_TRUE(state.profile.has_value());
  EXPECT_EQ(state.profile->age(), 41);
  EXPECT_FALSE(state.profile->has_income());
  EXPECT_FALSE(state.profile->has_segment());
}

// Feedback.

TEST_F(CustomerServiceTest, ValidatesFeedbackWithExactCodes) {
  ASSERT_OK_AND_ASSIGN(auto decision, Decide("C0000002"));
  // C0000002 is e_1: P06 then P02.
  ASSERT_EQ(decision.offers_size(), 2);
  ASSERT_EQ(decision.offers(0).product_id(), "P06");
  const std::string id = decision.decision_id();
  nbo::v1::RecordFeedbackRequest good;
  good.set_customer_id("C0000002");
  good.set_decision_id(id);
  good.set_product_id("P06");
  good.set_outcome(nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);

  auto with = [&](auto edit) {
    nbo::v1::RecordFeedbackRequest r = good;
    edit(&r);
    return Feedback(r);
  };
  using Request = nbo::v1::RecordFeedbackRequest;
  // Malformed decision ids.
  EXPECT_THAT(
      with([](Request* r) { r->set_decision_id("not-a-decision"); }),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("decision_id")));
  EXPECT_THAT(with([](Request* r) { r->clear_decision_id(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(with([&](Request* r) { r->set_decision_id(id.substr(1)); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  if (upper != id) {
    EXPECT_THAT(with([&](Request* r) { r->set_decision_id(upper); }),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  // Well formed, never made.
  EXPECT_THAT(
      with([](Request* r) { r->set_decision_id(store::MakeDecisionId(kNow)); }),
      StatusIs(absl::StatusCode::kNotFound));
  // Another customer's decision is not this customer's: NOT_FOUND, which
  // does not tell the caller that the id exists. (nbo_service.proto lists
  // "a customer other than the decision's" under INVALID_ARGUMENT; the store
  // cannot tell the two apart without an index by decision id.)
  EXPECT_THAT(with([](Request* r) { r->set_customer_id("C0000003"); }),
              StatusIs(absl::StatusCode::kNotFound));
  // A product the decision did not offer, or no product.
  EXPECT_THAT(with([](Request* r) { r->set_product_id("P01"); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("P01")));
  EXPECT_THAT(with([](Request* r) { r->set_product_id("P99"); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(with([](Request* r) { r->clear_product_id(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(with([](Request* r) { r->clear_customer_id(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Outcome.
  EXPECT_THAT(
      with([](Request* r) { r->clear_outcome(); }),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outcome")));
  EXPECT_THAT(with([](Request* r) {
                r->set_outcome(static_cast<nbo::v1::FeedbackOutcome>(7));
              }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Timestamp more than max_clock_skew ahead, and channel.
  EXPECT_THAT(
      with([](Request* r) {
        r->mutable_timestamp()->set_seconds(
            absl::ToUnixSeconds(kNow + absl::Minutes(5)) + 1);
      }),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("in the future")));
  EXPECT_THAT(
      with([](Request* r) { r->set_channel("Branch Office"); }),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("channel")));

  // None of it was recorded.
  ASSERT_OK_AND_ASSIGN(auto stats, Stats());
  EXPECT_THAT(stats.arms(), IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto logged, customers_->RecentDecisions("C0000002", 5));
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_THAT(logged[0].feedback(), IsEmpty());

  // The good one, at the clock-skew limit.
  good.mutable_timestamp()->set_seconds(
      absl::ToUnixSeconds(kNow + absl::Minutes(5)));
  ASSERT_OK_AND_ASSIGN(auto first, Feedback(good));
  EXPECT_FALSE(first.duplicate());
  EXPECT_EQ(first.experiment_arm(), "");
  ASSERT_OK_AND_ASSIGN(stats, Stats());
  ASSERT_EQ(stats.arms_size(), 1);
  EXPECT_EQ(stats.arms(0).impressions(), 1);

  // The same (decision, product, outcome) again, even at another time: a
  // duplicate, and nothing changes.
  good.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(kNow) - 60);
  ASSERT_OK_AND_ASSIGN(auto again, Feedback(good));
  EXPECT_TRUE(again.duplicate());
  ASSERT_OK_AND_ASSIGN(auto stats_again, Stats());
  ASSERT_EQ(stats_again.arms_size(), 1);
  EXPECT_EQ(stats_again.arms(0).impressions(), 1);
  EXPECT_EQ(stats_again.arms(0).accepted(), 0);
  ASSERT_OK_AND_ASSIGN(logged, customers_->RecentDecisions("C0000002", 5));
  ASSERT_EQ(logged[0].feedback_size(), 1);
  EXPECT_EQ(logged[0].feedback(0).timestamp().seconds(),
            absl::ToUnixSeconds(kNow + absl::Minutes(5)));
  ASSERT_OK_AND_ASSIGN(auto state, customers_->GetState("C0000002"));
  ASSERT_EQ(state.contacts.size(), 1u);
  EXPECT_EQ(state.contacts[0].impressions.size(), 1u);
}

TEST_F(CustomerServiceTest, FillsAnUnsetFeedbackTimeWithTheServerClock) {
  ASSERT_OK_AND_ASSIGN(auto decision, Decide("C0000002"));
  now_ = kNow + absl::Seconds(42);
  ASSERT_THAT(Feedback("C0000002", decision.decision_id(), "P02",
                       nbo::v1::FEEDBACK_OUTCOME_DECLINED),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto logged, customers_->RecentDecisions("C0000002", 5));
  ASSERT_EQ(logged[0].feedback_size(), 1);
  EXPECT_EQ(logged[0].feedback(0).timestamp().seconds(),
            absl::ToUnixSeconds(kNow) + 42);
  EXPECT_EQ(logged[0].feedback(0).outcome(),
            nbo::v1::FEEDBACK_OUTCOME_DECLINED);
}

// Experiment statistics.

TEST_F(CustomerServiceTest, CountsAScriptedFeedbackStreamPerArm) {
  const std::vector<std::string> offers = {"P01", "P02"};
  const std::string a1 = LogDecision("A1", "control", offers);
  const std::string a2 = LogDecision("A2", "control", offers);
  const std::string a3 = LogDecision("A3", "control", offers);
  const std::string a4 = LogDecision("A4", "control", offers);
  const std::string b1 = LogDecision("B1", "treatment", offers);
  const std::string b2 = LogDecision("B2", "treatment", offers);
  // Another model's arm of the same name stays apart.
  const std::string o1 = LogDecision("O1", "control", offers, "other");

  const auto kShown = nbo::v1::FEEDBACK_OUTCOME_IMPRESSION;
  const auto kYes = nbo::v1::FEEDBACK_OUTCOME_ACCEPTED;
  const auto kNo = nbo::v1::FEEDBACK_OUTCOME_DECLINED;
  struct Step {
    std::string customer;
    std::string decision;
    std::string product;
    nbo::v1::FeedbackOutcome outcome;
    bool duplicate;
  };
  const std::vector<Step> script = {
      // control: impressions 5, accepted 2, declined 2.
      {"A1", a1, "P01", kShown, false},  // offer 1 shown
      {"A1", a1, "P01", kYes, false},    // ... and taken
      {"A1", a1, "P01", kYes, true},     // retry
      {"A1", a1, "P02", kShown, false},  // offer 2 shown
      {"A1", a1, "P02", kNo, false},     // ... and declined
      {"A2", a2, "P01", kYes, false},    // offer 3: taken, no impression sent
      {"A2", a2, "P01", kShown, false},  // its late impression counts no more
      {"A3", a3, "P01", kNo, false},     // offer 4: declined, no impression
      {"A3", a3, "P01", kNo, true},      // retry
      {"A4", a4, "P02", kShown, false},  // offer 5: shown only
      {"A4", a4, "P02", kShown, true},   // retry
      // treatment: impressions 2, accepted 2, declined 0.
      {"B1", b1, "P01", kShown, false},
      {"B1", b1, "P01", kYes, false},
      {"B2", b2, "P02", kYes, false},
      {"B2", b2, "P02", kYes, true},
      // other model: impressions 1, declined 1.
      {"O1", o1, "P02", kNo, false},
  };
  for (size_t i = 0; i < script.size(); ++i) {
    const Step& s = script[i];
    SCOPED_TRACE(absl::StrCat("step ", i));
    ASSERT_OK_AND_ASSIGN(
        auto r, Feedback(s.customer, s.decision, s.product, s.outcome));
    EXPECT_EQ(r.duplicate(), s.duplicate);
    EXPECT_EQ(r.experiment_arm(),
              s.customer[0] == 'B' ? "treatment" : "control");
  }

  ASSERT_OK_AND_ASSIGN(auto stats, Stats());
  EXPECT_EQ(stats.model_name(), "nbo");
  EXPECT_DOUBLE_EQ(stats.confidence(), 0.95);
  ASSERT_EQ(stats.arms_size(), 2);
  const nbo::v1::ArmStats& control = stats.arms(0);
  EXPECT_EQ(control.arm(), "control");
  EXPECT_EQ(control.impressions(), 5);
  EXPECT_EQ(control.accepted(), 2);
  EXPECT_EQ(control.declined(), 2);
  EXPECT_DOUBLE_EQ(control.acceptance_rate(), 0.4);
  // Wilson, 2 of 5 at 0.95.
  EXPECT_NEAR(control.ci_low(), 0.1176208, kTolerance);
  EXPECT_NEAR(control.ci_high(), 0.7692757, kTolerance);
  const nbo::v1::ArmStats& treatment = stats.arms(1);
  EXPECT_EQ(treatment.arm(), "treatment");
  EXPECT_EQ(treatment.impressions(), 2);
  EXPECT_EQ(treatment.accepted(), 2);
  EXPECT_EQ(treatment.declined(), 0);
  EXPECT_DOUBLE_EQ(treatment.acceptance_rate(), 1.0);
  // Wilson, 2 of 2 at 0.95.
  EXPECT_NEAR(treatment.ci_low(), 0.3423802, kTolerance);
  EXPECT_NEAR(treatment.ci_high(), 1.0, kTolerance);

  // Another confidence level: same counts, Wilson 2 of 5 at 0.99.
  ASSERT_OK_AND_ASSIGN(auto wide, Stats(0.99));
  EXPECT_DOUBLE_EQ(wide.confidence(), 0.99);
  ASSERT_EQ(wide.arms_size(), 2);
  EXPECT_EQ(wide.arms(0).impressions(), 5);
  EXPECT_NEAR(wide.arms(0).ci_low(), 0.0827079, kTolerance);
  EXPECT_NEAR(wide.arms(0).ci_high(), 0.8313438, kTolerance);

  // The other model.
  ASSERT_OK_AND_ASSIGN(auto other, Stats(0, "other"));
  ASSERT_EQ(other.arms_size(), 1);
  EXPECT_EQ(other.arms(0).arm(), "control");
  EXPECT_EQ(other.arms(0).impressions(), 1);
  EXPECT_EQ(other.arms(0).declined(), 1);
  EXPECT_DOUBLE_EQ(other.arms(0).acceptance_rate(), 0.0);
  // Wilson, 0 of 1 at 0.95.
  EXPECT_NEAR(other.arms(0).ci_low(), 0.0, kTolerance);
  EXPECT_NEAR(other.arms(0).ci_high(), 0.7934507, kTolerance);

  // A model without feedback has no arms; bad requests are INVALID_ARGUMENT.
  ASSERT_OK_AND_ASSIGN(auto none, Stats(0, "quiet"));
  EXPECT_THAT(none.arms(), IsEmpty());
  EXPECT_THAT(Stats(1.0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Stats(-0.5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Stats(std::nan("")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Stats(0, "bad name!"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CustomerServiceTest, CountsFeedbackUnderTheTrafficSplitArmThatDecided) {
  TestModel v2 = model_;
  v2.version = 2;
  ASSERT_NO_FATAL_FAILURE(PublishModel(v2));
  ASSERT_THAT(manager_->SetTrafficSplit("nbo", {{1, "", 1}, {2, "", 1}}, "s"),
              IsOk());
  // The first three decisions of each arm, by customer.
  std::map<std::string, std::vector<nbo::v1::RecommendResponse>> by_arm;
  for (int i = 0;
       i < 200 && (by_arm["v1"].size() < 3 || by_arm["v2"].size() < 3); ++i) {
    ASSERT_OK_AND_ASSIGN(auto r, Decide(absl::StrFormat("S%04d", i)));
    ASSERT_EQ(r.experiment_arm(), absl::StrCat("v", r.model_version()));
    ASSERT_GE(r.offers_size(), 1);
    std::vector<nbo::v1::RecommendResponse>& decisions =
        by_arm[r.experiment_arm()];
    if (decisions.size() < 3) decisions.push_back(r);
  }
  ASSERT_EQ(by_arm["v1"].size(), 3u);
  ASSERT_EQ(by_arm["v2"].size(), 3u);
  ASSERT_EQ(by_arm.size(), 2u);

  auto send = [&](const nbo::v1::RecommendResponse& d,
                  nbo::v1::FeedbackOutcome outcome) {
    ASSERT_OK_AND_ASSIGN(auto r, Feedback(d.customer_id(), d.decision_id(),
                                          d.offers(0).product_id(), outcome));
    EXPECT_FALSE(r.duplicate());
    EXPECT_EQ(r.experiment_arm(), d.experiment_arm());
  };
  // v1: shown and taken; shown; declined. 3 impressions, 1 accepted,
  // 1 declined.
  send(by_arm["v1"][0], nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
  send(by_arm["v1"][0], nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  send(by_arm["v1"][1], nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
  send(by_arm["v1"][2], nbo::v1::FEEDBACK_OUTCOME_DECLINED);
  // v2: taken; taken; shown. 3 impressions, 2 accepted.
  send(by_arm["v2"][0], nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  send(by_arm["v2"][1], nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  send(by_arm["v2"][2], nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);

  ASSERT_OK_AND_ASSIGN(auto stats, Stats());
  ASSERT_EQ(stats.arms_size(), 2);
  EXPECT_EQ(stats.arms(0).arm(), "v1");
  EXPECT_EQ(stats.arms(0).impressions(), 3);
  EXPECT_EQ(stats.arms(0).accepted(), 1);
  EXPECT_EQ(stats.arms(0).declined(), 1);
  EXPECT_DOUBLE_EQ(stats.arms(0).acceptance_rate(), 1.0 / 3);
  // Wilson, 1 of 3 at 0.95.
  EXPECT_NEAR(stats.arms(0).ci_low(), 0.0614919, kTolerance);
  EXPECT_NEAR(stats.arms(0).ci_high(), 0.7923404, kTolerance);
  EXPECT_EQ(stats.arms(1).arm(), "v2");
  EXPECT_EQ(stats.arms(1).impressions(), 3);
  EXPECT_EQ(stats.arms(1).accepted(), 2);
  EXPECT_EQ(stats.arms(1).declined(), 0);
  EXPECT_DOUBLE_EQ(stats.arms(1).acceptance_rate(), 2.0 / 3);
  // Wilson, 2 of 3 at 0.95.
  EXPECT_NEAR(stats.arms(1).ci_low(), 0.2076596, kTolerance);
  EXPECT_NEAR(stats.arms(1).ci_high(), 0.9385081, kTolerance);
}

// The compliance view.

TEST_F(CustomerServiceTest, GetCustomerIsNotFoundForAnUnknownCustomer) {
  EXPECT_THAT(GetCustomer("NOBODY"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetCustomer(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GetCustomer(std::string(129, 'c')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GetCustomer("C1", -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(GetCustomer("C1", 0, 1001),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CustomerServiceTest, ListCustomersPagesWithOpaqueTokens) {
  nbo::v1::UpsertCustomersRequest upsert;
  for (const char* id : {"C01", "C02", "C03", "D01"}) {
    nbo::v1::CustomerProfile p = Profile(id);
    if (std::string(id) == "C02") p.set_segment("affluent");
    *upsert.add_customers() = p;
  }
  nbo::v1::UpsertCustomersResponse upserted;
  ASSERT_THAT(service_->UpsertCustomers(upsert, &upserted), IsOk());

  nbo::v1::ListCustomersRequest request;
  request.set_id_prefix("C");
  request.set_page_size(2);
  nbo::v1::ListCustomersResponse first;
  ASSERT_THAT(service_->ListCustomers(request, &first), IsOk());
  EXPECT_THAT(first.customer_ids(), ElementsAre("C01", "C02"));
  ASSERT_FALSE(first.next_page_token().empty());
  // Opaque: not the id itself.
  EXPECT_NE(first.next_page_token(), "C02");

  request.set_page_token(first.next_page_token());
  nbo::v1::ListCustomersResponse second;
  ASSERT_THAT(service_->ListCustomers(request, &second), IsOk());
  EXPECT_THAT(second.customer_ids(), ElementsAre("C03"));
  EXPECT_EQ(second.next_page_token(), "");

  nbo::v1::ListCustomersRequest by_segment;
  by_segment.set_segment("mass");
  nbo::v1::ListCustomersResponse mass;
  ASSERT_THAT(service_->ListCustomers(by_segment, &mass), IsOk());
  EXPECT_THAT(mass.customer_ids(), ElementsAre("C01", "C03", "D01"));
}

TEST_F(CustomerServiceTest, ListCustomersRejectsBadArguments) {
  auto list = [this](const nbo::v1::ListCustomersRequest& request) {
    nbo::v1::ListCustomersResponse response;
    return service_->ListCustomers(request, &response);
  };
  nbo::v1::ListCustomersRequest request;
  request.set_page_size(501);
  EXPECT_THAT(list(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("page_size")));
  request.set_page_size(-1);
  EXPECT_THAT(list(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("page_size")));
  request.set_page_size(500);
  EXPECT_THAT(list(request), IsOk());

  nbo::v1::ListCustomersRequest segment;
  segment.set_segment("no spaces");
  EXPECT_THAT(list(segment), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("segment")));

  nbo::v1::ListCustomersRequest prefix;
  prefix.set_id_prefix(std::string(129, 'C'));
  EXPECT_THAT(list(prefix), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("id_prefix")));

  nbo::v1::ListCustomersRequest token;
  token.set_page_token("not base64!");
  EXPECT_THAT(list(token), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("page_token")));
  // A token from a page of "C" customers, reused for "D" customers.
  token.set_page_token("QzAy");  // "C02"
  token.set_id_prefix("D");
  EXPECT_THAT(list(token), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("page_token")));
}

TEST_F(CustomerServiceTest, GetCustomerShowsEverythingNboKnows) {
  const std::string c = "C0000002";
  nbo::v1::UpsertCustomersRequest profile;
  *profile.add_customers() = Profile(c);
  nbo::v1::UpsertCustomersResponse upserted;
  ASSERT_THAT(service_->UpsertCustomers(profile, &upserted), IsOk());

  // Sent out of time order; listed newest first by time.
  const absl::Time t0 = kNow - absl::Hours(4);
  nbo::v1::RecordTransactionsRequest request;
  *request.add_transactions() = Txn(c, "P06", nbo::v1::TRANSACTION_EVENT_CLOSE,
                                    t0 + absl::Hours(3), 0, "close-p06");
  *request.add_transactions() =
      Txn(c, "P06", nbo::v1::TRANSACTION_EVENT_OPEN, t0, 100, "open-p06");
  *request.add_transactions() = Txn(c, "P03", nbo::v1::TRANSACTION_EVENT_VIEW,
                                    t0 + absl::Hours(1), 0, "v");
  *request.add_transactions() =
      Txn(c, "P04", nbo::v1::TRANSACTION_EVENT_PURCHASE, t0 + absl::Hours(2),
          25.5, "buy-p04");
  nbo::v1::RecordTransactionsResponse recorded;
  ASSERT_THAT(service_->RecordTransactions(request, 0, &recorded), IsOk());
  ASSERT_EQ(recorded.accepted(), 4);

  // Two decisions, a minute apart; feedback on the older one.
  ASSERT_OK_AND_ASSIGN(auto older, Decide(c));
  now_ += absl::Minutes(1);
  ASSERT_OK_AND_ASSIGN(auto newer, Decide(c));
  ASSERT_GE(older.offers_size(), 1);
  const std::string offered = older.offers(0).product_id();
  nbo::v1::RecordFeedbackRequest feedback;
  feedback.set_customer_id(c);
  feedback.set_decision_id(older.decision_id());
  feedback.set_product_id(offered);
  feedback.set_channel("mobile");
  // Sent in reverse; listed oldest first.
  feedback.set_outcome(nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  feedback.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(kNow) + 20);
  ASSERT_THAT(Feedback(feedback), IsOk());
  feedback.set_outcome(nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
  feedback.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(kNow) + 10);
  ASSERT_THAT(Feedback(feedback), IsOk());

  ASSERT_OK_AND_ASSIGN(auto view, GetCustomer(c));
  ASSERT_TRUE(view.has_profile());
  EXPECT_EQ(view.profile().age(), 40);
  EXPECT_EQ(view.profile().segment(), "mass");
  // P06 opened then closed: not held. P04 purchased: held since then.
  ASSERT_EQ(view.holdings_size(), 1);
  EXPECT_EQ(view.holdings(0).product_id(), "P04");
  EXPECT_EQ(view.holdings(0).since().seconds(),
            absl::ToUnixSeconds(t0 + absl::Hours(2)));
  EXPECT_THAT(
      TransactionIds({view.transactions().begin(), view.transactions().end()}),
      ElementsAre("close-p06", "buy-p04", "v", "open-p06"));
  EXPECT_EQ(view.transactions(1).amount(), 25.5);
  ASSERT_EQ(view.decisions_size(), 2);
  EXPECT_EQ(view.decisions(0).decision_id(), newer.decision_id());
  EXPECT_THAT(view.decisions(0).feedback(), IsEmpty());
  const nbo::v1::DecisionRecord& d = view.decisions(1);
  EXPECT_EQ(d.decision_id(), older.decision_id());
  EXPECT_EQ(d.model_name(), "nbo");
  EXPECT_EQ(d.model_version(), 1);
  EXPECT_EQ(d.num_offers(), 2);
  EXPECT_EQ(d.offers_size(), older.offers_size());
  ASSERT_EQ(d.feedback_size(), 2);
  EXPECT_EQ(d.feedback(0).outcome(), nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
  EXPECT_EQ(d.feedback(0).product_id(), offered);
  EXPECT_EQ(d.feedback(0).channel(), "mobile");
  EXPECT_EQ(d.feedback(1).outcome(), nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);

  // Limits.
  ASSERT_OK_AND_ASSIGN(auto limited, GetCustomer(c, 2, 1));
  EXPECT_THAT(TransactionIds({limited.transactions().begin(),
                              limited.transactions().end()}),
              ElementsAre("close-p06", "buy-p04"));
  ASSERT_EQ(limited.decisions_size(), 1);
  EXPECT_EQ(limited.decisions(0).decision_id(), newer.decision_id());
}

TEST_F(CustomerServiceTest, GetCustomerKnowsCustomersWithoutAProfile) {
  // Only a decision.
  ASSERT_OK_AND_ASSIGN(auto decision, Decide("D1"));
  ASSERT_OK_AND_ASSIGN(auto view, GetCustomer("D1"));
  EXPECT_FALSE(view.has_profile());
  EXPECT_THAT(view.holdings(), IsEmpty());
  ASSERT_EQ(view.decisions_size(), 1);
  EXPECT_EQ(view.decisions(0).decision_id(), decision.decision_id());

  // Only a transaction.
  nbo::v1::RecordTransactionsRequest request;
  *request.add_transactions() =
      Txn("T1", "P01", nbo::v1::TRANSACTION_EVENT_OPEN, kNow, 0, "t");
  nbo::v1::RecordTransactionsResponse recorded;
  ASSERT_THAT(service_->RecordTransactions(request, 0, &recorded), IsOk());
  ASSERT_OK_AND_ASSIGN(view, GetCustomer("T1"));
  EXPECT_FALSE(view.has_profile());
  ASSERT_EQ(view.holdings_size(), 1);
  EXPECT_EQ(view.holdings(0).product_id(), "P01");
  EXPECT_EQ(view.transactions_size(), 1);
  EXPECT_THAT(view.decisions(), IsEmpty());
}

// The feedback export.

TEST_F(CustomerServiceTest, ExportsFeedbackSinceATimeAndStopsForTheClient) {
  const std::string d1 = LogDecision("E1", "control", {"P01", "P02"});
  const std::string d2 = LogDecision("E2", "treatment", {"P03"});
  nbo::v1::RecordFeedbackRequest r;
  r.set_customer_id("E1");
  r.set_decision_id(d1);
  r.set_product_id("P01");
  r.set_outcome(nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
  r.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(kNow) - 100);
  ASSERT_THAT(Feedback(r), IsOk());
  r.set_outcome(nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  r.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(kNow) - 50);
  ASSERT_THAT(Feedback(r), IsOk());
  r.set_customer_id("E2");
  r.set_decision_id(d2);
  r.set_product_id("P03");
  r.set_outcome(nbo::v1::FEEDBACK_OUTCOME_DECLINED);
  r.set_channel("branch");
  r.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(kNow) - 10);
  ASSERT_THAT(Feedback(r), IsOk());

  std::vector<nbo::v1::ExportedFeedback> all;
  nbo::v1::ExportFeedbackRequest request;
  ASSERT_THAT(service_->ExportFeedback(
                  request,
                  [&](const nbo::v1::ExportFeedbackResponse& chunk) {
                    all.insert(all.end(), chunk.feedback().begin(),
                               chunk.feedback().end());
                    return true;
                  }),
              IsOk());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].customer_id(), "E1");
  EXPECT_EQ(all[0].decision_id(), d1);
  EXPECT_EQ(all[0].outcome(), nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
  EXPECT_EQ(all[0].experiment_arm(), "control");
  EXPECT_EQ(all[0].model_name(), "nbo");
  EXPECT_EQ(all[1].outcome(), nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  EXPECT_EQ(all[2].customer_id(), "E2");
  EXPECT_EQ(all[2].product_id(), "P03");
  EXPECT_EQ(all[2].channel(), "branch");
  EXPECT_EQ(all[2].experiment_arm(), "treatment");

  std::vector<nbo::v1::ExportedFeedback> recent;
  request.mutable_since()->set_seconds(absl::ToUnixSeconds(kNow) - 50);
  ASSERT_THAT(service_->ExportFeedback(
                  request,
                  [&](const nbo::v1::ExportFeedbackResponse& chunk) {
                    recent.insert(recent.end(), chunk.feedback().begin(),
                                  chunk.feedback().end());
                    return true;
                  }),
              IsOk());
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].outcome(), nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  EXPECT_EQ(recent[1].outcome(), nbo::v1::FEEDBACK_OUTCOME_DECLINED);

  EXPECT_THAT(service_->ExportFeedback(
                  nbo::v1::ExportFeedbackRequest(),
                  [](const nbo::v1::ExportFeedbackResponse&) { return false; }),
              StatusIs(absl::StatusCode::kCancelled));
}

}  // namespace
}  // namespace nbo::serving
