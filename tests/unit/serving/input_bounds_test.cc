// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Hostile input against the serving library: every bound of
// lib/common/api_limits.h at the bound and one past it, with exact codes,
// and error messages that stay short whatever the client sent.

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/api_limits.h"
#include "lib/common/proto_time.h"
#include "lib/serving/catalog_registry.h"
#include "lib/serving/customer_service.h"
#include "lib/serving/model_metadata.h"
#include "lib/testing/status_matchers.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::serving {
namespace {

using ::nbo::serving::testing::Publish;
using ::nbo::serving::testing::TestModel;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

using Stream = std::vector<nbo::v1::PublishModelRequest>;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);
const std::string kMiB(1 << 20, 'x');
// What a message quoting at most 64 bytes of input (escaped) may add up to.
constexpr size_t kShortMessage = 400;

// The status's message is short, however long the input was.
MATCHER(HasShortMessage, "has a message of at most 400 bytes") {
  *result_listener << "whose message is " << arg.message().size() << " bytes";
  return arg.message().size() <= kShortMessage;
}

class InputBoundsTest : public testing::DecisioningTest {
 protected:
  // Publishing `stream` fails with INVALID_ARGUMENT mentioning `text`, and
  // leaves no version behind.
  void ExpectInvalid(const Stream& stream, const std::string& text) {
    const absl::StatusOr<nbo::v1::PublishModelResponse> published =
        Publish(manager_.get(), store_.get(), stream);
    EXPECT_THAT(published,
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(text)));
    EXPECT_THAT(published.status(), HasShortMessage());
    const int64_t version = stream[0].header().version();
    EXPECT_THAT(store_->GetVersion("nbo", version),
                StatusIs(absl::StatusCode::kNotFound));
  }

  // The model's first catalog product, for the catalog cases.
  static nbo::v1::Product* FirstProduct(Stream* s) {
    return (*s)[0].mutable_header()->mutable_catalog(0);
  }

  // A CustomerService over the fixture's stores, at kNow.
  std::unique_ptr<CustomerService> Customers(
      absl::Duration transaction_retention = absl::InfiniteDuration()) {
    CustomerService::Options options;
    options.max_clock_skew = absl::Minutes(5);
    options.transaction_retention = transaction_retention;
    return std::make_unique<CustomerService>(customers_.get(), catalogs_.get(),
                                             options, [] { return kNow; });
  }

  // Publishes TestModel's catalog and version 1, as nbo-server does.
  void PublishTestModel() {
    const Stream stream = TestModel().Stream();
    ASSERT_THAT(catalogs_->ApplyPublishedCatalog(
                    "nbo", stream.front().header().catalog()),
                IsOk());
    ASSERT_THAT(Publish(manager_.get(), store_.get(), stream), IsOk());
  }
};

// Versions.

TEST_F(InputBoundsTest, PublishAcceptsVersionTwoToThe53) {
  TestModel model;
  model.version = common::kMaxVersion;
  ASSERT_OK_AND_ASSIGN(auto response,
                       Publish(manager_.get(), store_.get(), model.Stream()));
  EXPECT_EQ(response.version(), int64_t{1} << 53);
}

TEST_F(InputBoundsTest, PublishRejectsVersionsAboveTwoToThe53) {
  for (int64_t version :
       {common::kMaxVersion + 1, std::numeric_limits<int64_t>::max()}) {
    TestModel model;
    model.version = version;
    ExpectInvalid(model.Stream(), "header.version must be in [1, 2^53");
  }
}

// Customer rows.

TEST_F(InputBoundsTest, PublishRejectsACustomerRepeatedInOneChunk) {
  Stream s = TestModel().Stream();
  // s[2] is the first customer chunk: C0000001..C0000004.
  s[2].mutable_customer_factors()->mutable_rows(3)->set_id("C0000001");
  ExpectInvalid(s, "customer row 3 repeats the customer id of an earlier row");
}

TEST_F(InputBoundsTest, PublishRejectsACustomerRepeatedInALaterChunk) {
  Stream s = TestModel().Stream();
  // s[3] is the second customer chunk: C0000005..C0000008.
  s[3].mutable_customer_factors()->mutable_rows(1)->set_id("C0000002");
  ExpectInvalid(s, "customer row 5 repeats the customer id");
}

// Catalog products.

TEST_F(InputBoundsTest, PublishRejectsCatalogFieldsOutOfRange) {
  struct Case {
    const char* what;
    void (*edit)(nbo::v1::Product*);
    const char* text;
  };
  const Case cases[] = {
      {"business value 1e308",
       [](nbo::v1::Product* p) { p->set_business_value(1e308); },
       "business_value is 1e+308"},
      {"NaN business value",
       [](nbo::v1::Product* p) {
         p->set_business_value(std::numeric_limits<double>::quiet_NaN());
       },
       "business_value"},
      {"name over 256 bytes",
       [](nbo::v1::Product* p) { p->set_name(std::string(257, 'n')); },
       "name is 257 bytes; the limit is 256"},
      {"category over 64 bytes",
       [](nbo::v1::Product* p) { p->set_category(std::string(65, 'c')); },
       "category is 65 bytes; the limit is 64"},
      {"min_age 151",
       [](nbo::v1::Product* p) { p->mutable_eligibility()->set_min_age(151); },
       "ages must be in [0, 150]"},
      {"min_income 1e308",
       [](nbo::v1::Product* p) {
         p->mutable_eligibility()->set_min_income(1e308);
       },
       "min_income"},
      {"min_credit_score 1001",
       [](nbo::v1::Product* p) {
         p->mutable_eligibility()->set_min_credit_score(1001);
       },
       "min_credit_score must be in [0, 1000]"},
      {"33 segments",
       [](nbo::v1::Product* p) {
         for (int i = 0; i < 33; ++i) {
           p->mutable_eligibility()->add_segments(absl::StrCat("s", i));
         }
       },
       "33 segments; the limit is 32"},
      {"a segment of 1 MiB",
       [](nbo::v1::Product* p) {
         p->mutable_eligibility()->add_segments(kMiB);
       },
       "(1048576 bytes)"},
      {"suppression for 3651 days",
       [](nbo::v1::Product* p) {
         p->mutable_contact_policy()->set_suppression_days(3651);
       },
       "suppression_days must be in [0, 3650]"},
      {"1001 declines",
       [](nbo::v1::Product* p) {
         p->mutable_contact_policy()->set_max_declines(1001);
       },
       "counts must be in [0, 1000]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Stream s = TestModel().Stream();
    c.edit(FirstProduct(&s));
    ExpectInvalid(s, c.text);
  }
}

TEST_F(InputBoundsTest, PublishAcceptsCatalogFieldsAtTheirBounds) {
  Stream s = TestModel().Stream();
  nbo::v1::Product* p = FirstProduct(&s);
  p->set_business_value(common::kMaxBusinessValue);
  p->set_name(std::string(common::kMaxProductNameBytes, 'n'));
  p->set_category(std::string(common::kMaxCategoryBytes, 'c'));
  p->mutable_eligibility()->set_min_age(0);
  p->mutable_eligibility()->set_max_age(common::kMaxAge);
  p->mutable_eligibility()->set_min_credit_score(common::kMaxCreditScore);
  p->mutable_contact_policy()->set_suppression_days(
      common::kMaxSuppressionDays);
  EXPECT_THAT(Publish(manager_.get(), store_.get(), s), IsOk());
}

TEST_F(InputBoundsTest, PublishRejectsAOneMebibyteProductIdBriefly) {
  Stream s = TestModel().Stream();
  FirstProduct(&s)->set_product_id(kMiB);
  ExpectInvalid(s, "is 1048576 bytes; the limit is 128");
  Stream items = TestModel().Stream();
  items[1].mutable_item_factors()->mutable_rows(0)->set_id(kMiB);
  ExpectInvalid(items, "(1048576 bytes), which is not in the catalog");
}

// Factors, popularity, metadata.

TEST_F(InputBoundsTest,
       PublishRejectsFactorsPopularityAndCalibrationOutOfRange) {
  {
    Stream s = TestModel().Stream();
    s[1].mutable_item_factors()->mutable_rows(0)->set_values(0, 1e30f);
    ExpectInvalid(s, "the limit is |value| <= 1e+06");
  }
  {
    Stream s = TestModel().Stream();
    s[2].mutable_customer_factors()->mutable_rows(0)->set_values(0, -2e6f);
    ExpectInvalid(s, "customer row 0 has the value -2e+06");
  }
  {
    Stream s = TestModel().Stream();
    (*s[0].mutable_header()->mutable_popularity())["P01"] = 1e308;
    ExpectInvalid(s, "popularity of product 'P01' is 1e+308");
  }
  {
    Stream s = TestModel().Stream();
    s[0].mutable_header()->mutable_metadata()->set_calibration_a(1e308);
    ExpectInvalid(s, "metadata.calibration_a is 1e+308");
  }
}

TEST_F(InputBoundsTest, PublishRejectsMetadataOverItsBounds) {
  auto with = [](auto edit) {
    Stream s = TestModel().Stream();
    edit(s[0].mutable_header()->mutable_metadata());
    return s;
  };
  using Metadata = nbo::v1::ModelMetadata;
  ExpectInvalid(
      with([](Metadata* m) { m->set_description(std::string(4097, 'd')); }),
      "metadata.description is 4097 bytes; the limit is 4096");
  ExpectInvalid(with([](Metadata* m) {
                  for (int i = 0; i < 65; ++i) {
                    (*m->mutable_labels())[absl::StrCat("k", i)] = "v";
                  }
                }),
                "metadata.labels has 65 entries; the limit is 64");
  ExpectInvalid(with([](Metadata* m) {
                  (*m->mutable_labels())["k"] = std::string(1025, 'v');
                }),
                "metadata.labels value of 'k' is 1025 bytes");
  ExpectInvalid(with([](Metadata* m) { (*m->mutable_labels())[kMiB] = "v"; }),
                "(1048576 bytes) is over 64 bytes");
  ExpectInvalid(with([](Metadata* m) { (*m->mutable_labels())["a\nb"] = "v"; }),
                "key 'a\\nb' contains a control character");
  ExpectInvalid(with([](Metadata* m) {
                  (*m->mutable_metrics())["map@7"] =
                      std::numeric_limits<double>::infinity();
                }),
                "metadata.metrics 'map@7' is not finite");
  // 64 labels of 1024 bytes are each within bounds, together over 64 KiB.
  ExpectInvalid(with([](Metadata* m) {
                  for (int i = 0; i < 64; ++i) {
                    (*m->mutable_labels())[absl::StrCat("k", i)] =
                        std::string(1024, 'v');
                  }
                }),
                "the limit is 65536");
}

// Model names, labels and traffic splits.

TEST_F(InputBoundsTest, AOneMebibyteModelNameGetsAShortInvalidArgument) {
  PublishTestModel();
  const absl::StatusOr<nbo::v1::ModelStatus> status =
      manager_->GetModelStatus(kMiB);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               AllOf(HasSubstr("(1048576 bytes)"),
                                     HasSubstr("the limit is 64"))));
  EXPECT_THAT(status.status(), HasShortMessage());

  nbo::v1::ModelSelector selector;
  selector.set_model_name(kMiB);
  const absl::StatusOr<Route> routed = manager_->Resolve(selector, "C0000001");
  EXPECT_THAT(routed, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(routed.status(), HasShortMessage());

  nbo::v1::ModelSelector by_label;
  by_label.set_label(kMiB);
  const absl::StatusOr<Route> labelled = manager_->Resolve(by_label, "C1");
  EXPECT_THAT(labelled, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(labelled.status(), HasShortMessage());

  EXPECT_THAT(manager_->SetLabel(kMiB, "stable", 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(manager_->DeleteVersion(kMiB, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(catalogs_->SetLevers(kMiB, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(InputBoundsTest, AnUnknownModelIsNotFoundWithItsNameQuoted) {
  PublishTestModel();
  EXPECT_THAT(manager_->GetModelStatus("other"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unknown model 'other'")));
  nbo::v1::ModelSelector selector;
  selector.set_label("canary");
  EXPECT_THAT(manager_->Resolve(selector, "C0000001"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("model 'nbo' has no label 'canary'")));
}

TEST_F(InputBoundsTest, TrafficSplitBoundsSaltAndWeights) {
  PublishTestModel();
  std::vector<store::SplitArm> arms(1);
  arms[0].version = 1;
  arms[0].weight = common::kMaxSplitWeight;
  EXPECT_THAT(manager_->SetTrafficSplit("nbo", arms, std::string(64, 's')),
              IsOk());

  const absl::StatusOr<nbo::v1::ModelStatus> salted =
      manager_->SetTrafficSplit("nbo", arms, kMiB);
  EXPECT_THAT(salted,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("salt is 1048576 bytes; the limit is 64")));
  EXPECT_THAT(salted.status(), HasShortMessage());

  arms[0].weight = common::kMaxSplitWeight + 1;
  EXPECT_THAT(manager_->SetTrafficSplit("nbo", arms, ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("weights must be in [1, 1000000]")));
  ASSERT_OK_AND_ASSIGN(auto status, manager_->GetModelStatus("nbo"));
  EXPECT_EQ(status.split_salt(), std::string(64, 's'));
}

// Levers and catalog updates.

TEST_F(InputBoundsTest, LeversMustBeFiniteAndAtMostOneThousand) {
  PublishTestModel();
  google::protobuf::Map<std::string, double> levers;
  levers["P01"] = common::kMaxLever;
  EXPECT_THAT(catalogs_->SetLevers("nbo", levers), IsOk());
  for (double bad :
       {1e308, 1000.5, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    SCOPED_TRACE(bad);
    levers["P01"] = bad;
    EXPECT_THAT(catalogs_->SetLevers("nbo", levers),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("levers must be finite and in [0, 1000]")));
  }
  google::protobuf::Map<std::string, double> hostile;
  hostile[kMiB] = 1;
  const absl::Status status = catalogs_->SetLevers("nbo", hostile);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status, HasShortMessage());
  EXPECT_EQ(catalogs_->Get("nbo")->levers->Get("P01"), common::kMaxLever);
}

TEST_F(InputBoundsTest, UpdateCatalogHoldsProductsToTheSameBounds) {
  PublishTestModel();
  google::protobuf::RepeatedPtrField<nbo::v1::Product> catalog =
      TestModel().Stream()[0].header().catalog();
  catalog.Mutable(2)->set_business_value(1e10);
  EXPECT_THAT(catalogs_->UpdateCatalog("nbo", catalog),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("catalog product 2: product 'P03': "
                                 "business_value is 1e+10")));
  EXPECT_EQ(catalogs_->Get("nbo")->revision(), 1);
}

// Local paths in metadata.

TEST(ModelMetadataTest, LocalPathLabelsAreDirAndPathKeys) {
  for (const char* key : {"data_dir", "feedback_path", "dir", "path",
                          "model_dir", "factors_path"}) {
    EXPECT_TRUE(IsLocalPathLabel(key)) << key;
  }
  for (const char* key : {"trainer", "directory", "pathway", "data_max_time",
                          "split_cutoff", "dir_count"}) {
    EXPECT_FALSE(IsLocalPathLabel(key)) << key;
  }
}

TEST_F(InputBoundsTest, ListModelsAndGetModelStatusLeaveOutLocalPaths) {
  Stream s = TestModel().Stream();
  auto& labels = *s[0].mutable_header()->mutable_metadata()->mutable_labels();
  labels["data_dir"] = "/home/trainer/bank-data";
  labels["feedback_path"] = "/home/trainer/feedback.jsonl";
  labels["trainer"] = "nbo-trainer 1";
  ASSERT_THAT(Publish(manager_.get(), store_.get(), s), IsOk());

  ASSERT_OK_AND_ASSIGN(auto status, manager_->GetModelStatus("nbo"));
  ASSERT_THAT(status.versions(), SizeIs(1));
  EXPECT_THAT(status.versions(0).metadata().labels(),
              ElementsAre(Pair("trainer", "nbo-trainer 1")));
  const std::vector<nbo::v1::ModelStatus> models = manager_->ListModels();
  ASSERT_THAT(models, SizeIs(1));
  EXPECT_THAT(models[0].versions(0).metadata().labels(),
              ElementsAre(Pair("trainer", "nbo-trainer 1")));
  // The store keeps them, for operators and ExportModel.
  ASSERT_OK_AND_ASSIGN(auto record, store_->GetVersion("nbo", 1));
  EXPECT_EQ(record.labels.at("data_dir"), "/home/trainer/bank-data");
}

// Ingest and feedback.

nbo::v1::Transaction Purchase(absl::Time when) {
  nbo::v1::Transaction t;
  t.set_customer_id("C0000001");
  t.set_product_id("P01");
  t.set_event(nbo::v1::TRANSACTION_EVENT_PURCHASE);
  common::ToProtoTime(when, t.mutable_timestamp());
  return t;
}

TEST_F(InputBoundsTest, TransactionsOlderThanRetentionAreRejectedWithAReason) {
  PublishTestModel();
  std::unique_ptr<CustomerService> service = Customers(absl::Hours(24 * 730));
  nbo::v1::RecordTransactionsRequest request;
  *request.add_transactions() =
      Purchase(kNow - absl::Hours(24 * 730) - absl::Hours(1));
  *request.add_transactions() = Purchase(kNow - absl::Hours(24 * 730));
  nbo::v1::RecordTransactionsResponse response;
  ASSERT_THAT(service->RecordTransactions(request, 0, &response), IsOk());
  EXPECT_EQ(response.accepted(), 1);
  ASSERT_THAT(response.rejected(), SizeIs(1));
  EXPECT_EQ(response.rejected(0).index(), 0);
  EXPECT_EQ(response.rejected(0).field(), "timestamp");
  EXPECT_THAT(response.rejected(0).reason(),
              AllOf(HasSubstr("past the transaction retention of 17520h"),
                    HasSubstr("--transaction_retention")));
  ASSERT_OK_AND_ASSIGN(auto stored,
                       customers_->RecentTransactions("C0000001", 5));
  EXPECT_THAT(stored, SizeIs(1));
}

TEST_F(InputBoundsTest, AmountsAndIncomesOverOneE15AreRejected) {
  PublishTestModel();
  std::unique_ptr<CustomerService> service = Customers();
  nbo::v1::RecordTransactionsRequest request;
  *request.add_transactions() = Purchase(kNow);
  request.mutable_transactions(0)->set_amount(1e308);
  *request.add_transactions() = Purchase(kNow);
  request.mutable_transactions(1)->set_amount(common::kMaxMoney);
  nbo::v1::RecordTransactionsResponse response;
  ASSERT_THAT(service->RecordTransactions(request, 0, &response), IsOk());
  EXPECT_EQ(response.accepted(), 1);
  ASSERT_THAT(response.rejected(), SizeIs(1));
  EXPECT_EQ(response.rejected(0).field(), "amount");

  nbo::v1::UpsertCustomersRequest profiles;
  nbo::v1::CustomerProfile* p = profiles.add_customers();
  p->set_customer_id("C0000001");
  p->set_income(1e308);
  nbo::v1::UpsertCustomersResponse upserted;
  ASSERT_THAT(service->UpsertCustomers(profiles, &upserted), IsOk());
  EXPECT_EQ(upserted.accepted(), 0);
  ASSERT_THAT(upserted.rejected(), SizeIs(1));
  EXPECT_EQ(upserted.rejected(0).field(), "income");
}

TEST_F(InputBoundsTest, FeedbackDatedBeforeItsDecisionIsRejected) {
  PublishTestModel();
  std::unique_ptr<CustomerService> service = Customers();
  const absl::Time decided = kNow - absl::Hours(2);
  nbo::v1::DecisionRecord decision;
  decision.set_decision_id(store::MakeDecisionId(decided));
  common::ToProtoTime(decided, decision.mutable_timestamp());
  decision.set_model_name("nbo");
  decision.set_model_version(1);
  decision.add_offers()->set_product_id("P01");
  ASSERT_THAT(customers_->LogDecision("C0000001", decision), IsOk());

  nbo::v1::RecordFeedbackRequest request;
  request.set_customer_id("C0000001");
  request.set_decision_id(decision.decision_id());
  request.set_product_id("P01");
  request.set_outcome(nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
  nbo::v1::RecordFeedbackResponse response;
  // A day before the decision.
  common::ToProtoTime(decided - absl::Hours(24), request.mutable_timestamp());
  EXPECT_THAT(service->RecordFeedback(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("24h before the decision was made")));
  // Just past the clock-skew tolerance.
  common::ToProtoTime(decided - absl::Minutes(5) - absl::Seconds(1),
                      request.mutable_timestamp());
  EXPECT_THAT(service->RecordFeedback(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto logged, customers_->RecentDecisions("C0000001", 1));
  ASSERT_THAT(logged, SizeIs(1));
  EXPECT_THAT(logged[0].feedback(), IsEmpty());
  // At the tolerance: a client clock that lags the server's by
  // --max_clock_skew is still believed.
  common::ToProtoTime(decided - absl::Minutes(5), request.mutable_timestamp());
  EXPECT_THAT(service->RecordFeedback(request, &response), IsOk());
}

}  // namespace
}  // namespace nbo::serving
