// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The decisioning side of one real nbo-server process, over gRPC: ingesting
// profiles and transactions (unary and streamed, with per-record
// rejections), a catalog with rules, Recommend's suppressions and reasons,
// feedback and contact fatigue, the GetCustomer compliance view, experiment
// statistics, bare scoring, similar products, the feedback export, and the
// exact status codes clients see, admin token included.

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lib/auth/token_file.h"
#include "lib/common/file_util.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/common/model_stream_client.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::v1::IngestService;
using ::nbo::v1::ModelService;
using ::nbo::v1::NBOService;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr double kTolerance = 1e-4;
// --max_ingest_batch of the servers under test: small, so that an oversized
// batch is cheap to build.
constexpr int kMaxIngestBatch = 20;
constexpr char kAdminToken[] = "s3cret-token";
constexpr char kDeskToken[] = "desk-token";

SyntheticModel Model() {
  SyntheticModel::Options options;
  options.customers = 50;
  options.products = 12;
  options.rank = 8;
  options.seed = 7;
  return SyntheticModel(options);
}

// Index of "P07" in the model.
int ProductIndex(const std::string& id) { return std::stoi(id.substr(1)) - 1; }

google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

nbo::v1::Transaction Txn(const std::string& customer,
                         const std::string& product,
                         nbo::v1::TransactionEvent event, absl::Time when,
                         const std::string& id, double amount = 1) {
  nbo::v1::Transaction t;
  t.set_customer_id(customer);
  t.set_product_id(product);
  t.set_event(event);
  *t.mutable_timestamp() = Ts(when);
  t.set_transaction_id(id);
  t.set_amount(amount);
  return t;
}

template <typename Response>
std::vector<std::pair<int, std::string>> Rejected(const Response& response) {
  std::vector<std::pair<int, std::string>> out;
  for (const nbo::v1::RecordError& e : response.rejected()) {
    out.emplace_back(e.index(), e.field());
  }
  return out;
}

std::vector<std::string> OfferIds(const nbo::v1::RecommendResponse& r) {
  std::vector<std::string> ids;
  for (const nbo::v1::Offer& o : r.offers()) ids.push_back(o.product_id());
  return ids;
}

// (product, reason, rule) of every suppression, in order.
std::vector<std::tuple<std::string, nbo::v1::SuppressionReason, std::string>>
Suppressions(const nbo::v1::RecommendResponse& r) {
  std::vector<std::tuple<std::string, nbo::v1::SuppressionReason, std::string>>
      out;
  for (const nbo::v1::Suppression& s : r.suppressions()) {
    out.emplace_back(s.product_id(), s.reason(), s.rule());
  }
  return out;
}

class DecisioningTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer({})); }

  void StartServer(std::vector<std::string> flags) {
    flags.push_back(absl::StrCat("--max_ingest_batch=", kMaxIngestBatch));
    ASSERT_OK_AND_ASSIGN(server_,
                         ServerProcess::Start(dir_.Sub("data"), flags));
    nbo_ = NBOService::NewStub(server_->channel());
    models_ = ModelService::NewStub(server_->channel());
    ingest_ = IngestService::NewStub(server_->channel());
  }

  void PublishModel(const std::string& token = "") {
    services::StreamCallOptions options;
    options.timeout = absl::Seconds(60);
    options.bearer_token = token;
    ASSERT_OK_AND_ASSIGN(
        const nbo::v1::PublishModelResponse response,
        services::PublishModel(*models_, model_.Messages(), options));
    ASSERT_EQ(response.state(), nbo::v1::VERSION_STATE_AVAILABLE);
  }

  // The model's catalog with `edit` applied to each product.
  nbo::v1::UpdateCatalogRequest CatalogRequest(
      const std::function<void(nbo::v1::Product*)>& edit) const {
    nbo::v1::UpdateCatalogRequest request;
    *request.mutable_catalog() = model_.Messages().front().header().catalog();
    for (nbo::v1::Product& p : *request.mutable_catalog()) edit(&p);
    return request;
  }

  absl::StatusOr<nbo::v1::RecordTransactionsResponse> Stream(
      const std::vector<nbo::v1::RecordTransactionsRequest>& batches) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    nbo::v1::RecordTransactionsResponse response;
    auto writer = ingest_->StreamTransactions(&context, &response);
    for (const nbo::v1::RecordTransactionsRequest& batch : batches) {
      // A failed write means the server ended the call; Finish says why.
      if (!writer->Write(batch)) break;
    }
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    if (!status.ok()) return services::FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<std::vector<nbo::v1::ExportedFeedback>> Export(
      const nbo::v1::ExportFeedbackRequest& request,
      const std::string& token = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    services::AddBearerToken(token, &context);
    auto reader = models_->ExportFeedback(&context, request);
    std::vector<nbo::v1::ExportedFeedback> out;
    nbo::v1::ExportFeedbackResponse chunk;
    while (reader->Read(&chunk)) {
      out.insert(out.end(), chunk.feedback().begin(), chunk.feedback().end());
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok()) return services::FromGrpcStatus(status);
    return out;
  }

  absl::StatusOr<nbo::v1::RecordFeedbackResponse> Feedback(
      const std::string& customer, const std::string& decision,
      const std::string& product, nbo::v1::FeedbackOutcome outcome,
      absl::Time when, const std::string& token = "") {
    nbo::v1::RecordFeedbackRequest request;
    request.set_customer_id(customer);
    request.set_decision_id(decision);
    request.set_product_id(product);
    request.set_outcome(outcome);
    *request.mutable_timestamp() = Ts(when);
    return Unary(*nbo_, &NBOService::Stub::RecordFeedback, request, token);
  }

  absl::StatusOr<nbo::v1::GetCustomerResponse> GetCustomer(
      const std::string& customer, int max_transactions = 0) {
    nbo::v1::GetCustomerRequest request;
    request.set_customer_id(customer);
    request.set_max_transactions(max_transactions);
    return Unary(*nbo_, &NBOService::Stub::GetCustomer, request);
  }

  SyntheticModel model_ = Model();
  nbo::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<NBOService::Stub> nbo_;
  std::unique_ptr<ModelService::Stub> models_;
  std::unique_ptr<IngestService::Stub> ingest_;
};

TEST_F(DecisioningTest, IngestsRecordByRecordAndCountsStreamIndices) {
  ASSERT_NO_FATAL_FAILURE(PublishModel());
  const std::string c = SyntheticModel::CustomerId(0);
  const absl::Time base = absl::Now() - absl::Hours(2);

  nbo::v1::UpsertCustomersRequest profiles;
  nbo::v1::CustomerProfile* p = profiles.add_customers();
  p->set_customer_id(c);
  p->set_age(34);
  p->set_segment("mass");
  p = profiles.add_customers();
  p->set_customer_id("BAD1");
  p->set_age(151);
  p = profiles.add_customers();
  p->set_customer_id(SyntheticModel::CustomerId(1));
  p->set_income(100);
  p = profiles.add_customers();
  p->set_customer_id("BAD3");
  p->set_segment("not a segment");
  ASSERT_OK_AND_ASSIGN(
      auto upserted,
      Unary(*ingest_, &IngestService::Stub::UpsertCustomers, profiles));
  EXPECT_EQ(upserted.accepted(), 2);
  EXPECT_THAT(Rejected(upserted),
              ElementsAre(Pair(1, "age"), Pair(3, "segment")));

  // Unary: two good, two bad.
  nbo::v1::RecordTransactionsRequest unary;
  *unary.add_transactions() = Txn(c, "P01", nbo::v1::TRANSACTION_EVENT_OPEN,
                                  base + absl::Minutes(1), "t-1");
  *unary.add_transactions() = Txn(c, "P99", nbo::v1::TRANSACTION_EVENT_VIEW,
                                  base + absl::Minutes(2), "t-bad");
  *unary.add_transactions() = Txn(c, "P02", nbo::v1::TRANSACTION_EVENT_VIEW,
                                  base + absl::Minutes(3), "t-2");
  *unary.add_transactions() = Txn(c, "P03", nbo::v1::TRANSACTION_EVENT_VIEW,
                                  absl::Now() + absl::Hours(1), "t-future");
  ASSERT_OK_AND_ASSIGN(
      auto recorded,
      Unary(*ingest_, &IngestService::Stub::RecordTransactions, unary));
  EXPECT_EQ(recorded.accepted(), 2);
  EXPECT_EQ(recorded.duplicates(), 0);
  EXPECT_THAT(Rejected(recorded),
              ElementsAre(Pair(1, "product_id"), Pair(3, "timestamp")));

  // A stream of three messages; indices run across the whole stream.
  std::vector<nbo::v1::RecordTransactionsRequest> batches(3);
  *batches[0].add_transactions() = Txn(  // 0
      c, "P04", nbo::v1::TRANSACTION_EVENT_VIEW, base + absl::Minutes(4),
      "s-1");
  *batches[0].add_transactions() =
      Txn(c, "P04", nbo::v1::TRANSACTION_EVENT_VIEW, base + absl::Minutes(5),
          "s-bad", std::nan(""));        // 1
  *batches[1].add_transactions() = Txn(  // 2
      c, "P05", nbo::v1::TRANSACTION_EVENT_PURCHASE, base + absl::Minutes(6),
      "s-2");
  *batches[1].add_transactions() = Txn(  // 3: sent before, by RPC
      c, "P01", nbo::v1::TRANSACTION_EVENT_OPEN, base + absl::Minutes(1),
      "t-1");
  nbo::v1::Transaction no_time =
      Txn(c, "P06", nbo::v1::TRANSACTION_EVENT_VIEW, base, "s-no-time");
  no_time.clear_timestamp();
  *batches[1].add_transactions() = no_time;  // 4
  *batches[2].add_transactions() = Txn(      // 5
      c, "P01", nbo::v1::TRANSACTION_EVENT_CLOSE, base + absl::Minutes(7),
      "s-3");
  *batches[2].add_transactions() = Txn(  // 6: sent before, in this stream
      c, "P04", nbo::v1::TRANSACTION_EVENT_VIEW, base + absl::Minutes(4),
      "s-1");
  ASSERT_OK_AND_ASSIGN(auto streamed, Stream(batches));
  EXPECT_EQ(streamed.accepted(), 3);
  EXPECT_EQ(streamed.duplicates(), 2);
  EXPECT_THAT(Rejected(streamed),
              ElementsAre(Pair(1, "amount"), Pair(4, "timestamp")));

  // A stream that breaks on a bad message keeps what came before it.
  std::vector<nbo::v1::RecordTransactionsRequest> broken(2);
  *broken[0].add_transactions() = Txn(c, "P06", nbo::v1::TRANSACTION_EVENT_VIEW,
                                      base + absl::Minutes(8), "f-1");
  EXPECT_THAT(Stream(broken), StatusIs(absl::StatusCode::kInvalidArgument));

  ASSERT_OK_AND_ASSIGN(auto view, GetCustomer(c));
  EXPECT_EQ(view.profile().age(), 34);
  EXPECT_EQ(view.profile().segment(), "mass");
  std::vector<std::string> ids;
  for (const nbo::v1::Transaction& t : view.transactions()) {
    ids.push_back(t.transaction_id());
  }
  EXPECT_THAT(ids, ElementsAre("f-1", "s-3", "s-2", "s-1", "t-2", "t-1"));
  // P01 opened then closed; P05 purchased.
  ASSERT_EQ(view.holdings_size(), 1);
  EXPECT_EQ(view.holdings(0).product_id(), "P05");
  EXPECT_EQ(view.holdings(0).since().seconds(),
            absl::ToUnixSeconds(base + absl::Minutes(6)));

  ASSERT_OK_AND_ASSIGN(auto other, GetCustomer(SyntheticModel::CustomerId(1)));
  EXPECT_EQ(other.profile().income(), 100);
  EXPECT_THAT(other.transactions(), IsEmpty());
  EXPECT_THAT(GetCustomer("BAD1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetCustomer("BAD3"), StatusIs(absl::StatusCode::kNotFound));

  // Browsing lists ids only, over gRPC as the dashboard's gateway does.
  nbo::v1::ListCustomersRequest list;
  list.set_id_prefix(c);
  ASSERT_OK_AND_ASSIGN(auto listed,
                       Unary(*nbo_, &NBOService::Stub::ListCustomers, list));
  EXPECT_THAT(listed.customer_ids(), ElementsAre(c));
  EXPECT_EQ(listed.next_page_token(), "");
  list.set_page_size(501);
  EXPECT_THAT(Unary(*nbo_, &NBOService::Stub::ListCustomers, list),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(DecisioningTest, DecidesWithRulesHoldingsAndFatigueAndShowsItAll) {
  ASSERT_NO_FATAL_FAILURE(PublishModel());
  const std::string c = SyntheticModel::CustomerId(0);
  // The model's ranking for the customer; its top five get a role each.
  const std::vector<std::string> top = model_.ExpectedTopN(0, 12);
  const std::string owned = top[0];       // Held: OWNED.
  const std::string adults = top[1];      // min_age 18: INELIGIBLE.
  const std::string affluent = top[2];    // Affluent only: INELIGIBLE.
  const std::string one_strike = top[3];  // Declined once: FATIGUED.
  const std::string income = top[4];      // min_income, met: ELIGIBLE.

  nbo::v1::UpdateCatalogRequest catalog =
      CatalogRequest([&](nbo::v1::Product* p) {
        if (p->product_id() == adults) {
          p->mutable_eligibility()->set_min_age(18);
        } else if (p->product_id() == affluent) {
          p->mutable_eligibility()->add_segments("affluent");
        } else if (p->product_id() == one_strike) {
          p->mutable_contact_policy()->set_max_declines(1);
          p->mutable_contact_policy()->set_suppression_days(7);
        } else if (p->product_id() == income) {
          p->mutable_eligibility()->set_min_income(1000);
        }
      });
  ASSERT_OK_AND_ASSIGN(
      auto updated,
      Unary(*models_, &ModelService::Stub::UpdateCatalog, catalog));
  EXPECT_EQ(updated.model_name(), "nbo");
  ASSERT_OK_AND_ASSIGN(auto stored,
                       Unary(*models_, &ModelService::Stub::GetCatalog,
                             nbo::v1::GetCatalogRequest()));
  EXPECT_EQ(stored.revision(), updated.revision());
  ASSERT_EQ(stored.catalog_size(), 12);

  nbo::v1::UpsertCustomersRequest profiles;
  nbo::v1::CustomerProfile* p = profiles.add_customers();
  p->set_customer_id(c);
  p->set_age(16);
  p->set_segment("mass");
  p->set_income(5000);
  ASSERT_OK_AND_ASSIGN(
      auto upserted,
      Unary(*ingest_, &IngestService::Stub::UpsertCustomers, profiles));
  ASSERT_EQ(upserted.accepted(), 1);
  const absl::Time now =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  nbo::v1::RecordTransactionsRequest transactions;
  *transactions.add_transactions() = Txn(
      c, owned, nbo::v1::TRANSACTION_EVENT_OPEN, now - absl::Hours(2), "open");
  *transactions.add_transactions() = Txn(
      c, income, nbo::v1::TRANSACTION_EVENT_VIEW, now - absl::Hours(1), "view");
  ASSERT_OK_AND_ASSIGN(
      auto recorded,
      Unary(*ingest_, &IngestService::Stub::RecordTransactions, transactions));
  ASSERT_EQ(recorded.accepted(), 2);

  nbo::v1::RecommendRequest ask;
  ask.set_customer_id(c);
  ask.set_num_offers(3);
  ask.set_explain(true);
  ask.set_channel("branch");
  ASSERT_OK_AND_ASSIGN(auto first, Recommend(*nbo_, ask));
  EXPECT_EQ(first.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  EXPECT_EQ(first.catalog_revision(), updated.revision());
  EXPECT_EQ(first.channel(), "branch");
  EXPECT_THAT(OfferIds(first), ElementsAre(one_strike, income, top[5]));
  EXPECT_THAT(
      Suppressions(first),
      ElementsAre(
          std::tuple(owned, nbo::v1::SUPPRESSION_REASON_OWNED, ""),
          std::tuple(adults, nbo::v1::SUPPRESSION_REASON_INELIGIBLE, "MIN_AGE"),
          std::tuple(affluent, nbo::v1::SUPPRESSION_REASON_INELIGIBLE,
                     "SEGMENT")));
  EXPECT_THAT(first.suppressions(1).detail(), HasSubstr("16"));
  // Reasons: every offer says its business priority; the income rule says
  // why it passed; contributing products are the customer's own.
  const std::set<std::string> own_products = {owned, income};
  for (const nbo::v1::Offer& offer : first.offers()) {
    SCOPED_TRACE(offer.product_id());
    int business = 0, eligible = 0;
    for (const nbo::v1::Reason& reason : offer.reasons()) {
      if (reason.code() == "BUSINESS_PRIORITY") {
        ++business;
        EXPECT_THAT(reason.detail(), HasSubstr("business value 1"));
      } else if (reason.code() == "ELIGIBLE") {
        ++eligible;
        EXPECT_EQ(reason.attribute(), "income");
        EXPECT_EQ(reason.detail(), "income 5000 >= 1000");
      } else if (reason.code() == "CONTRIBUTING_PRODUCT") {
        EXPECT_TRUE(own_products.contains(reason.product_id()))
            << reason.product_id();
      } else {
        ADD_FAILURE() << "unexpected reason " << reason.code();
      }
    }
    EXPECT_EQ(business, 1);
    EXPECT_EQ(eligible, offer.product_id() == income ? 1 : 0);
  }

  // Feedback on the first decision: one decline fatigues one_strike.
  const absl::Time declined_at = now - absl::Minutes(3);
  ASSERT_OK_AND_ASSIGN(
      auto declined, Feedback(c, first.decision_id(), one_strike,
                              nbo::v1::FEEDBACK_OUTCOME_DECLINED, declined_at));
  EXPECT_FALSE(declined.duplicate());
  EXPECT_EQ(declined.experiment_arm(), "");
  ASSERT_OK_AND_ASSIGN(
      auto again, Feedback(c, first.decision_id(), one_strike,
                           nbo::v1::FEEDBACK_OUTCOME_DECLINED, declined_at));
  EXPECT_TRUE(again.duplicate());
  ASSERT_THAT(
      Feedback(c, first.decision_id(), income,
               nbo::v1::FEEDBACK_OUTCOME_IMPRESSION, now - absl::Minutes(2)),
      IsOk());
  ASSERT_THAT(
      Feedback(c, first.decision_id(), income,
               nbo::v1::FEEDBACK_OUTCOME_ACCEPTED, now - absl::Minutes(1)),
      IsOk());

  ASSERT_OK_AND_ASSIGN(auto second, Recommend(*nbo_, ask));
  EXPECT_THAT(OfferIds(second), ElementsAre(income, top[5], top[6]));
  ASSERT_EQ(second.suppressions_size(), 4);
  const nbo::v1::Suppression& tired = second.suppressions(3);
  EXPECT_EQ(tired.product_id(), one_strike);
  EXPECT_EQ(tired.reason(), nbo::v1::SUPPRESSION_REASON_FATIGUED);
  EXPECT_EQ(tired.rule(), "DECLINES");
  EXPECT_EQ(tired.until().seconds(),
            absl::ToUnixSeconds(declined_at + absl::Hours(24 * 7)));

  // The compliance view.
  ASSERT_OK_AND_ASSIGN(auto view, GetCustomer(c));
  EXPECT_EQ(view.profile().age(), 16);
  ASSERT_EQ(view.holdings_size(), 1);
  EXPECT_EQ(view.holdings(0).product_id(), owned);
  EXPECT_EQ(view.holdings(0).since().seconds(),
            absl::ToUnixSeconds(now - absl::Hours(2)));
  ASSERT_EQ(view.transactions_size(), 2);
  EXPECT_EQ(view.transactions(0).transaction_id(), "view");
  EXPECT_EQ(view.transactions(1).transaction_id(), "open");
  ASSERT_EQ(view.decisions_size(), 2);
  EXPECT_EQ(view.decisions(0).decision_id(), second.decision_id());
  EXPECT_THAT(view.decisions(0).feedback(), IsEmpty());
  const nbo::v1::DecisionRecord& logged = view.decisions(1);
  EXPECT_EQ(logged.decision_id(), first.decision_id());
  EXPECT_EQ(logged.channel(), "branch");
  EXPECT_EQ(logged.num_offers(), 3);
  EXPECT_EQ(logged.offers_size(), 3);
  EXPECT_EQ(logged.suppressions_size(), 3);
  ASSERT_EQ(logged.feedback_size(), 3);
  EXPECT_EQ(logged.feedback(0).product_id(), one_strike);
  EXPECT_EQ(logged.feedback(0).outcome(), nbo::v1::FEEDBACK_OUTCOME_DECLINED);
  EXPECT_EQ(logged.feedback(1).outcome(), nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
  EXPECT_EQ(logged.feedback(2).outcome(), nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);

  // Experiment statistics: two offers with feedback, one taken, one
  // declined. Wilson, 1 of 2 at 0.95: [0.0945312, 0.9054688].
  ASSERT_OK_AND_ASSIGN(auto stats,
                       Unary(*models_, &ModelService::Stub::GetExperimentStats,
                             nbo::v1::GetExperimentStatsRequest()));
  EXPECT_EQ(stats.model_name(), "nbo");
  ASSERT_EQ(stats.arms_size(), 1);
  EXPECT_EQ(stats.arms(0).arm(), "");
  EXPECT_EQ(stats.arms(0).impressions(), 2);
  EXPECT_EQ(stats.arms(0).accepted(), 1);
  EXPECT_EQ(stats.arms(0).declined(), 1);
  EXPECT_DOUBLE_EQ(stats.arms(0).acceptance_rate(), 0.5);
  EXPECT_NEAR(stats.arms(0).ci_low(), 0.0945312, kTolerance);
  EXPECT_NEAR(stats.arms(0).ci_high(), 0.9054688, kTolerance);

  // The export streams the same three records.
  ASSERT_OK_AND_ASSIGN(auto exported, Export(nbo::v1::ExportFeedbackRequest()));
  std::vector<std::pair<std::string, nbo::v1::FeedbackOutcome>> outcomes;
  for (const nbo::v1::ExportedFeedback& f : exported) {
    EXPECT_EQ(f.customer_id(), c);
    EXPECT_EQ(f.decision_id(), first.decision_id());
    EXPECT_EQ(f.model_name(), "nbo");
    EXPECT_EQ(f.model_version(), 1);
    outcomes.emplace_back(f.product_id(), f.outcome());
  }
  EXPECT_THAT(
      outcomes,
      UnorderedElementsAre(Pair(one_strike, nbo::v1::FEEDBACK_OUTCOME_DECLINED),
                           Pair(income, nbo::v1::FEEDBACK_OUTCOME_IMPRESSION),
                           Pair(income, nbo::v1::FEEDBACK_OUTCOME_ACCEPTED)));
  nbo::v1::ExportFeedbackRequest since;
  *since.mutable_since() = Ts(now - absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(auto recent, Export(since));
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].outcome(), nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
}

TEST_F(DecisioningTest, ScoresBareAndFindsSimilarProducts) {
  ASSERT_NO_FATAL_FAILURE(PublishModel());
  // C0000003 holds its best product; bare scoring does not care.
  const int customer = 2;
  const std::string c = SyntheticModel::CustomerId(customer);
  const std::vector<std::string> top = model_.ExpectedTopN(customer, 12);
  nbo::v1::RecordTransactionsRequest transactions;
  *transactions.add_transactions() =
      Txn(c, top[0], nbo::v1::TRANSACTION_EVENT_OPEN,
          absl::Now() - absl::Hours(1), "open");
  ASSERT_THAT(
      Unary(*ingest_, &IngestService::Stub::RecordTransactions, transactions),
      IsOk());
  ASSERT_OK_AND_ASSIGN(auto before, GetCustomer(c));
  EXPECT_THAT(before.decisions(), IsEmpty());

  nbo::v1::ScoreCustomerRequest request;
  request.set_customer_id(c);
  ASSERT_OK_AND_ASSIGN(
      auto scored,
      Unary(*models_, &ModelService::Stub::ScoreCustomer, request));
  EXPECT_EQ(scored.model_name(), "nbo");
  EXPECT_EQ(scored.model_version(), 1);
  EXPECT_EQ(scored.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  ASSERT_EQ(scored.scores_size(), 12);
  for (int r = 0; r < 12; ++r) {
    EXPECT_EQ(scored.scores(r).product_id(), top[r]);
    EXPECT_NEAR(scored.scores(r).score(),
                model_.Score(customer, ProductIndex(top[r])), kTolerance);
    EXPECT_GE(scored.scores(r).propensity(), 0);
    EXPECT_LE(scored.scores(r).propensity(), 1);
  }
  request.set_num_products(4);
  ASSERT_OK_AND_ASSIGN(
      scored, Unary(*models_, &ModelService::Stub::ScoreCustomer, request));
  EXPECT_EQ(scored.scores_size(), 4);
  // Nothing was logged.
  ASSERT_OK_AND_ASSIGN(auto after, GetCustomer(c));
  EXPECT_THAT(after.decisions(), IsEmpty());
  // A customer the model does not know gets the popularity ranking.
  request.set_customer_id("STRANGER");
  request.set_num_products(3);
  ASSERT_OK_AND_ASSIGN(
      scored, Unary(*models_, &ModelService::Stub::ScoreCustomer, request));
  EXPECT_EQ(scored.strategy(), nbo::v1::STRATEGY_POPULARITY);
  ASSERT_EQ(scored.scores_size(), 3);
  EXPECT_EQ(scored.scores(0).product_id(), model_.ExpectedPopular(1)[0]);
  EXPECT_THAT(GetCustomer("STRANGER"), StatusIs(absl::StatusCode::kNotFound));

  // Similar products: cosine of the item factors, best first, not itself.
  const int item = 4;
  std::vector<std::pair<double, int>> expected;
  for (int j = 0; j < 12; ++j) {
    if (j != item) expected.emplace_back(model_.Cosine(item, j), j);
  }
  std::sort(expected.rbegin(), expected.rend());
  nbo::v1::SimilarProductsRequest similar;
  similar.set_product_id(SyntheticModel::ProductId(item));
  similar.set_k(3);
  ASSERT_OK_AND_ASSIGN(
      auto found, Unary(*nbo_, &NBOService::Stub::SimilarProducts, similar));
  EXPECT_EQ(found.product_id(), "P05");
  EXPECT_EQ(found.model_version(), 1);
  ASSERT_EQ(found.similar_size(), 3);
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(found.similar(r).product_id(),
              SyntheticModel::ProductId(expected[r].second));
    EXPECT_NEAR(found.similar(r).similarity(), expected[r].first, kTolerance);
    EXPECT_EQ(
        found.similar(r).name(),
        absl::StrCat("Product ",
                     SyntheticModel::ProductId(expected[r].second).substr(1)));
  }
  similar.set_k(0);  // The default, 5.
  ASSERT_OK_AND_ASSIGN(
      found, Unary(*nbo_, &NBOService::Stub::SimilarProducts, similar));
  EXPECT_EQ(found.similar_size(), 5);
}

TEST_F(DecisioningTest, AnswersBadRequestsWithExactCodes) {
  ASSERT_NO_FATAL_FAILURE(PublishModel());
  const std::string c = SyntheticModel::CustomerId(0);
  const absl::Time past = absl::Now() - absl::Hours(1);
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  const auto kNotFound = absl::StatusCode::kNotFound;

  // Ingest: empty and oversized requests, and stream messages.
  nbo::v1::UpsertCustomersRequest profiles;
  EXPECT_THAT(Unary(*ingest_, &IngestService::Stub::UpsertCustomers, profiles),
              StatusIs(kInvalid));
  for (int i = 0; i <= kMaxIngestBatch; ++i) {
    profiles.add_customers()->set_customer_id(absl::StrCat("X", i));
  }
  EXPECT_THAT(Unary(*ingest_, &IngestService::Stub::UpsertCustomers, profiles),
              StatusIs(kInvalid, HasSubstr("limit is 20")));
  EXPECT_THAT(GetCustomer("X0"), StatusIs(kNotFound));
  nbo::v1::RecordTransactionsRequest transactions;
  EXPECT_THAT(
      Unary(*ingest_, &IngestService::Stub::RecordTransactions, transactions),
      StatusIs(kInvalid));
  for (int i = 0; i <= kMaxIngestBatch; ++i) {
    *transactions.add_transactions() =
        Txn(absl::StrCat("Y", i), "P01", nbo::v1::TRANSACTION_EVENT_VIEW, past,
            absl::StrCat("y", i));
  }
  EXPECT_THAT(
      Unary(*ingest_, &IngestService::Stub::RecordTransactions, transactions),
      StatusIs(kInvalid));
  EXPECT_THAT(Stream({transactions}), StatusIs(kInvalid));
  EXPECT_THAT(GetCustomer("Y0"), StatusIs(kNotFound));

  // Recommend.
  EXPECT_THAT(Recommend(*nbo_, c, 0), StatusIs(kInvalid));
  EXPECT_THAT(Recommend(*nbo_, "", 3), StatusIs(kInvalid));
  EXPECT_THAT(Recommend(*nbo_, c, 3, /*version=*/9), StatusIs(kNotFound));

  // Feedback.
  ASSERT_OK_AND_ASSIGN(auto decision, Recommend(*nbo_, c, 2));
  ASSERT_EQ(decision.offers_size(), 2);
  const std::string offered = decision.offers(0).product_id();
  std::string not_offered;
  for (int j = 0; j < 12 && not_offered.empty(); ++j) {
    const std::string id = SyntheticModel::ProductId(j);
    if (id != offered && id != decision.offers(1).product_id()) {
      not_offered = id;
    }
  }
  const absl::Time now = absl::Now();
  EXPECT_THAT(
      Feedback(c, "xyz", offered, nbo::v1::FEEDBACK_OUTCOME_ACCEPTED, now),
      StatusIs(kInvalid));
  // Well formed, never made: the id of a decision made now by someone else.
  std::string unknown = decision.decision_id();
  unknown[31] = unknown[31] == '0' ? '1' : '0';
  EXPECT_THAT(
      Feedback(c, unknown, offered, nbo::v1::FEEDBACK_OUTCOME_ACCEPTED, now),
      StatusIs(kNotFound));
  EXPECT_THAT(Feedback(c, decision.decision_id(), not_offered,
                       nbo::v1::FEEDBACK_OUTCOME_ACCEPTED, now),
              StatusIs(kInvalid));
  EXPECT_THAT(Feedback(c, decision.decision_id(), offered,
                       nbo::v1::FEEDBACK_OUTCOME_UNSPECIFIED, now),
              StatusIs(kInvalid));
  EXPECT_THAT(
      Feedback(c, decision.decision_id(), offered,
               nbo::v1::FEEDBACK_OUTCOME_ACCEPTED, now + absl::Hours(1)),
      StatusIs(kInvalid));

  // GetCustomer.
  EXPECT_THAT(GetCustomer("NOBODY"), StatusIs(kNotFound));
  EXPECT_THAT(GetCustomer(""), StatusIs(kInvalid));
  EXPECT_THAT(GetCustomer(c, 1001), StatusIs(kInvalid));

  // Catalog and levers.
  auto update = [&](const std::function<void(nbo::v1::Product*)>& edit,
                    const std::string& model = "") {
    nbo::v1::UpdateCatalogRequest request = CatalogRequest(edit);
    request.set_model_name(model);
    return Unary(*models_, &ModelService::Stub::UpdateCatalog, request);
  };
  ASSERT_OK_AND_ASSIGN(auto catalog,
                       Unary(*models_, &ModelService::Stub::GetCatalog,
                             nbo::v1::GetCatalogRequest()));
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::UpdateCatalog,
                    nbo::v1::UpdateCatalogRequest()),
              StatusIs(kInvalid));
  EXPECT_THAT(update([](nbo::v1::Product* p) { p->set_product_id("P01"); }),
              StatusIs(kInvalid));  // Duplicate ids.
  EXPECT_THAT(update([](nbo::v1::Product* p) {
                if (p->product_id() == "P02") p->clear_product_id();
              }),
              StatusIs(kInvalid));
  EXPECT_THAT(update([](nbo::v1::Product* p) { p->set_business_value(-1); }),
              StatusIs(kInvalid));
  EXPECT_THAT(update([](nbo::v1::Product* p) {
                p->mutable_eligibility()->set_min_age(30);
                p->mutable_eligibility()->set_max_age(20);
              }),
              StatusIs(kInvalid));
  EXPECT_THAT(update([](nbo::v1::Product* p) {
                p->mutable_contact_policy()->set_max_declines(-1);
              }),
              StatusIs(kInvalid));
  EXPECT_THAT(update([](nbo::v1::Product*) {}, "ghost"), StatusIs(kNotFound));
  nbo::v1::GetCatalogRequest ghost;
  ghost.set_model_name("ghost");
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::GetCatalog, ghost),
              StatusIs(kNotFound));
  // None of it changed the catalog.
  ASSERT_OK_AND_ASSIGN(auto unchanged,
                       Unary(*models_, &ModelService::Stub::GetCatalog,
                             nbo::v1::GetCatalogRequest()));
  EXPECT_EQ(unchanged.revision(), catalog.revision());

  nbo::v1::SetLeversRequest levers;
  (*levers.mutable_levers())["P99"] = 1;
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::SetLevers, levers),
              StatusIs(kInvalid));
  levers.mutable_levers()->clear();
  (*levers.mutable_levers())["P01"] = -1;
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::SetLevers, levers),
              StatusIs(kInvalid));
  (*levers.mutable_levers())["P01"] = std::nan("");
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::SetLevers, levers),
              StatusIs(kInvalid));
  (*levers.mutable_levers())["P01"] = 2;
  levers.set_model_name("ghost");
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::SetLevers, levers),
              StatusIs(kNotFound));
  levers.clear_model_name();
  ASSERT_OK_AND_ASSIGN(auto set,
                       Unary(*models_, &ModelService::Stub::SetLevers, levers));
  EXPECT_THAT(set.levers(), ElementsAre(Pair("P01", 2.0)));

  // Statistics, scoring, similar products.
  nbo::v1::GetExperimentStatsRequest stats;
  stats.set_confidence(1.5);
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::GetExperimentStats, stats),
              StatusIs(kInvalid));
  nbo::v1::ScoreCustomerRequest score;
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::ScoreCustomer, score),
              StatusIs(kInvalid));
  score.set_customer_id(c);
  score.mutable_model()->set_version(9);
  EXPECT_THAT(Unary(*models_, &ModelService::Stub::ScoreCustomer, score),
              StatusIs(kNotFound));
  nbo::v1::SimilarProductsRequest similar;
  similar.set_product_id("P99");
  EXPECT_THAT(Unary(*nbo_, &NBOService::Stub::SimilarProducts, similar),
              StatusIs(kNotFound));
  similar.set_product_id("P01");
  similar.set_k(101);
  EXPECT_THAT(Unary(*nbo_, &NBOService::Stub::SimilarProducts, similar),
              StatusIs(kInvalid));
}

// Explanations quote the customer's own attribute values ("income 5000 >=
// 1000") only to a token with the `customer` role; the desk's token (act)
// gets the rule without them, over real gRPC.
TEST_F(DecisioningTest, AttributeValuesInExplanationsNeedTheCustomerRole) {
  server_.reset();
  ASSERT_THAT(common::WriteFileAtomically(
                  dir_.Sub("tokens"),
                  absl::StrCat(auth::TokenFileLine("desk", "act", kDeskToken),
                               auth::TokenFileLine("rm", "read,customer,ingest",
                                                   "rm-token"))),
              IsOk());
  ASSERT_NO_FATAL_FAILURE(
      StartServer({absl::StrCat("--admin_token=", kAdminToken),
                   absl::StrCat("--tokens_file=", dir_.Sub("tokens"))}));
  ASSERT_NO_FATAL_FAILURE(PublishModel(kAdminToken));
  const std::string c = SyntheticModel::CustomerId(0);
  nbo::v1::UpdateCatalogRequest catalog =
      CatalogRequest([](nbo::v1::Product* p) {
        p->mutable_eligibility()->set_min_income(1000);
      });
  ASSERT_THAT(
      Unary(*models_, &ModelService::Stub::UpdateCatalog, catalog, kAdminToken),
      IsOk());
  nbo::v1::UpsertCustomersRequest profiles;
  nbo::v1::CustomerProfile* p = profiles.add_customers();
  p->set_customer_id(c);
  p->set_income(5000);
  ASSERT_THAT(Unary(*ingest_, &IngestService::Stub::UpsertCustomers, profiles,
                    "rm-token"),
              IsOk());
  nbo::v1::RecommendRequest ask;
  ask.set_customer_id(c);
  ask.set_num_offers(1);
  ask.set_explain(true);
  for (const auto& [token, detail] :
       std::vector<std::pair<std::string, std::string>>{
           {kDeskToken, "income >= 1000"},
           {"rm-token", "income 5000 >= 1000"}}) {
    SCOPED_TRACE(token);
    ASSERT_OK_AND_ASSIGN(
        auto answer, Unary(*nbo_, &NBOService::Stub::Recommend, ask, token));
    ASSERT_EQ(answer.offers_size(), 1);
    std::string eligible;
    for (const auto& reason : answer.offers(0).reasons()) {
      if (reason.code() == "ELIGIBLE") eligible = reason.detail();
    }
    EXPECT_EQ(eligible, detail);
  }
}

TEST_F(DecisioningTest, AdminRpcsNeedTheAdminToken) {
  // A server of its own, with the admin token and a token file holding the
  // relationship manager's desk (role act).
  server_.reset();
  ASSERT_THAT(
      common::WriteFileAtomically(
          dir_.Sub("tokens"), auth::TokenFileLine("desk", "act", kDeskToken)),
      IsOk());
  ASSERT_NO_FATAL_FAILURE(
      StartServer({absl::StrCat("--admin_token=", kAdminToken),
                   absl::StrCat("--tokens_file=", dir_.Sub("tokens"))}));
  ASSERT_NO_FATAL_FAILURE(PublishModel(kAdminToken));
  const auto kUnauthenticated = absl::StatusCode::kUnauthenticated;
  const std::string c = SyntheticModel::CustomerId(0);

  nbo::v1::UpdateCatalogRequest catalog =
      CatalogRequest([](nbo::v1::Product* p) { p->set_business_value(2); });
  nbo::v1::SetLeversRequest levers;
  (*levers.mutable_levers())["P01"] = 3;
  nbo::v1::ScoreCustomerRequest score;
  score.set_customer_id(c);
  for (const std::string token : {"", "wrong", "s3cret-token-and-more"}) {
    SCOPED_TRACE(absl::StrCat("token '", token, "'"));
    EXPECT_THAT(
        Unary(*models_, &ModelService::Stub::UpdateCatalog, catalog, token),
        StatusIs(kUnauthenticated));
    EXPECT_THAT(Unary(*models_, &ModelService::Stub::SetLevers, levers, token),
                StatusIs(kUnauthenticated));
    EXPECT_THAT(
        Unary(*models_, &ModelService::Stub::ScoreCustomer, score, token),
        StatusIs(kUnauthenticated));
    EXPECT_THAT(Export(nbo::v1::ExportFeedbackRequest(), token),
                StatusIs(kUnauthenticated));
  }
  // The desk's token is valid but not an admin's.
  EXPECT_THAT(
      Unary(*models_, &ModelService::Stub::SetLevers, levers, kDeskToken),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("'admin'")));
  // Nothing changed (admin implies read).
  ASSERT_OK_AND_ASSIGN(auto before,
                       Unary(*models_, &ModelService::Stub::GetCatalog,
                             nbo::v1::GetCatalogRequest(), kAdminToken));
  EXPECT_THAT(before.levers(), IsEmpty());
  EXPECT_FALSE(before.catalog(0).has_business_value());

  // With the token, all of them work.
  ASSERT_OK_AND_ASSIGN(
      auto updated, Unary(*models_, &ModelService::Stub::UpdateCatalog, catalog,
                          kAdminToken));
  EXPECT_EQ(updated.revision(), before.revision() + 1);
  ASSERT_THAT(
      Unary(*models_, &ModelService::Stub::SetLevers, levers, kAdminToken),
      IsOk());
  ASSERT_OK_AND_ASSIGN(
      auto scored,
      Unary(*models_, &ModelService::Stub::ScoreCustomer, score, kAdminToken));
  EXPECT_EQ(scored.scores_size(), 12);

  // Deciding and recording feedback are the desk's (act), not admin's.
  nbo::v1::RecommendRequest ask;
  ask.set_customer_id(c);
  ask.set_num_offers(1);
  ASSERT_OK_AND_ASSIGN(auto decision, Unary(*nbo_, &NBOService::Stub::Recommend,
                                            ask, kDeskToken));
  ASSERT_EQ(decision.offers_size(), 1);
  EXPECT_THAT(
      Feedback(c, decision.decision_id(), decision.offers(0).product_id(),
               nbo::v1::FEEDBACK_OUTCOME_ACCEPTED, absl::Now(), kAdminToken),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("'act'")));
  ASSERT_THAT(
      Feedback(c, decision.decision_id(), decision.offers(0).product_id(),
               nbo::v1::FEEDBACK_OUTCOME_ACCEPTED, absl::Now(), kDeskToken),
      IsOk());
  ASSERT_OK_AND_ASSIGN(auto exported,
                       Export(nbo::v1::ExportFeedbackRequest(), kAdminToken));
  ASSERT_EQ(exported.size(), 1u);
  EXPECT_EQ(exported[0].decision_id(), decision.decision_id());
}

}  // namespace
}  // namespace nbo::integration
