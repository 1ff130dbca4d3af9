// Copyright (c) 2026 The nbo Authors. MIT License.
//
// RunTraining against the real nbo-server: the published version loads and
// serves, its metadata says how it was made, and the next run evaluates the
// version now serving.

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lib/data/bank_datagen.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/trainer/training_run.h"
#include "tests/integration/server_process.h"

namespace nbo {
namespace {

using ::nbo::integration::ServerProcess;
using ::nbo::testing::IsOk;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// Writes dir/products.csv, customers.csv and transactions.csv with only the
// transactions before `before` (ISO timestamps compare as strings).
void CopyBankDataBefore(const std::string& from, const std::string& to,
                        const std::string& before) {
  std::filesystem::create_directories(to);
  for (const char* name : {"customers.csv", "products.csv"}) {
    std::filesystem::copy_file(from + "/" + name, to + "/" + name);
  }
  std::ifstream in(from + "/transactions.csv");
  std::ofstream out(to + "/transactions.csv");
  std::string line;
  std::getline(in, line);
  out << line << "\n";
  while (std::getline(in, line)) {
    // customer_id,product_id,event,timestamp,amount
    std::vector<std::string> fields = absl::StrSplit(line, ',');
    if (fields.size() >= 4 && fields[3] < before) out << line << "\n";
  }
}

// dir/bank: 2,000 customers of the demo catalog; dir/early: the same with
// only the transactions before October 2023.
void WriteBankData(const nbo::testing::TempDir& dir) {
  data::BankDataGenerator::Options options;
  options.customers = 2000;
  options.products = 8;
  options.seed = 3;
  auto generator = data::BankDataGenerator::Create(options);
  ASSERT_THAT(generator, IsOk());
  ASSERT_THAT(data::WriteBankData(**generator, dir.Sub("bank"), nullptr),
              IsOk());
  CopyBankDataBefore(dir.Sub("bank"), dir.Sub("early"), "2023-10-01");
}

TEST(TrainerIntegrationTest, PublishesVersionsThatServeAndComparesTheLast) {
  nbo::testing::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteBankData(dir));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(dir.Sub("server")));

  trainer::TrainingSpec spec;
  spec.factors = 8;
  spec.regularization = 10;
  spec.alpha = 1;
  // The protocol on which these defaults pass the gate on this data (under
  // the NBO protocol, the default, they lose to popularity: issue 13 §2).
  spec.split = "time";
  spec.publish_to = {server->grpc_target()};
  std::vector<std::string> published;
  auto on_event = [&](const trainer::TrainingEvent& e) {
    if (e.kind == trainer::TrainingEvent::Kind::kPublish) {
      published.push_back(e.message);
    }
  };

  // Version 1: the data up to October 2023.
  spec.data_dir = dir.Sub("early");
  absl::StatusOr<trainer::TrainingOutcome> first =
      trainer::RunTraining(spec, on_event, nullptr);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->version, 1);
  ASSERT_EQ(first->targets.size(), 1u);
  EXPECT_TRUE(first->targets[0].ok) << first->targets[0].message;
  ASSERT_EQ(published.size(), 1u);
  EXPECT_THAT(published[0], HasSubstr(": ok"));

  auto nbo = v1::NBOService::NewStub(server->channel());
  {
    // The published catalog carries products.csv's eligibility rules, which
    // need the customer's attributes: without a profile every product with
    // a rule is INELIGIBLE.
    auto ingest = v1::IngestService::NewStub(server->channel());
    grpc::ClientContext context;
    v1::UpsertCustomersRequest upsert;
    v1::CustomerProfile* profile = upsert.add_customers();
    profile->set_customer_id("C0000001");
    profile->set_age(40);
    profile->set_income(90000);
    profile->set_segment("affluent");
    profile->set_credit_score(800);
    profile->set_kyc_verified(true);
    v1::UpsertCustomersResponse upserted;
    ASSERT_TRUE(ingest->UpsertCustomers(&context, upsert, &upserted).ok());
    ASSERT_EQ(upserted.accepted(), 1);
  }
  {
    grpc::ClientContext context;
    v1::RecommendRequest request;
    request.set_customer_id("C0000001");
    request.set_num_offers(3);
    v1::RecommendResponse response;
    grpc::Status status = nbo->Recommend(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.strategy(), v1::STRATEGY_PERSONALIZED);
    EXPECT_EQ(response.model_version(), 1);
    EXPECT_EQ(response.offers_size(), 3);
  }

  auto models = v1::ModelService::NewStub(server->channel());
  auto metadata_of = [&](int64_t version) {
    grpc::ClientContext context;
    v1::GetModelStatusRequest request;
    v1::GetModelStatusResponse response;
    grpc::Status status = models->GetModelStatus(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::VersionStatus& v : response.model().versions()) {
      if (v.version() == version) return v.metadata();
    }
    ADD_FAILURE() << "no version " << version;
    return v1::ModelMetadata();
  };
  v1::ModelMetadata metadata = metadata_of(1);
  EXPECT_EQ(metadata.labels().at("trainer"), "nbo-trainer 0.1.0");
  // Chosen on the validation split, and said so.
  EXPECT_EQ(metadata.labels().at("tuned"), "true");
  EXPECT_THAT(metadata.labels().at("model_config"),
              HasSubstr(metadata.labels().at("algorithm")));
  // The time split has no candidates for a second stage: Platt serves.
  EXPECT_THAT(metadata.labels().at("second_stage"),
              HasSubstr("needs the nbo protocol"));
  EXPECT_EQ(metadata.labels().at("final_model"), "retrained on all data");
  EXPECT_EQ(metadata.labels().at("gate_passed"), "true");
  EXPECT_LT(metadata.labels().at("data_max_time"), "2023-10-01");
  EXPECT_TRUE(metadata.labels().contains("score_popularity"));
  EXPECT_GT(metadata.metrics().at("map@7"), 0);
  EXPECT_NE(metadata.calibration_a(), 0);

  // Version 2: all the data. Version 1 ended before the holdout, so it is
  // evaluated on it and takes part in the gate.
  spec.data_dir = dir.Sub("bank");
  absl::StatusOr<trainer::TrainingOutcome> second =
      trainer::RunTraining(spec, on_event, nullptr);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->version, 2);
  EXPECT_THAT(second->report_json, HasSubstr("\"serving\":{"));
  EXPECT_THAT(second->report_json, HasSubstr("\"serving_version\":1"));
  metadata = metadata_of(2);
  EXPECT_TRUE(metadata.labels().contains("score_serving"));
  EXPECT_EQ(metadata.labels().at("serving_version"), "1");

  // Version 3: version 2 has seen this holdout, so it is not compared.
  absl::StatusOr<trainer::TrainingOutcome> third =
      trainer::RunTraining(spec, on_event, nullptr);
  ASSERT_THAT(third, IsOk());
  EXPECT_EQ(third->version, 3);
  EXPECT_THAT(third->report_json, Not(HasSubstr("\"serving\":{")));
  EXPECT_THAT(third->report_json, HasSubstr("\"serving_skipped\":"));
  metadata = metadata_of(3);
  EXPECT_FALSE(metadata.labels().contains("score_serving"));
  EXPECT_THAT(metadata.labels().at("serving_skipped"), HasSubstr("version 2"));
}

// A serving version with a second stage is judged by it, as it answers:
// ranked by raw scores it would look far worse than it serves, and any
// candidate with a stage would clear the gate against it.
TEST(TrainerIntegrationTest, ServingVersionIsComparedWithItsOwnSecondStage) {
  nbo::testing::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteBankData(dir));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(dir.Sub("server")));
  trainer::TrainingSpec spec;
  spec.publish_to = {server->grpc_target()};
  spec.data_dir = dir.Sub("early");
  spec.force = true;
  ASSERT_THAT(trainer::RunTraining(spec, nullptr, nullptr), IsOk());

  spec.data_dir = dir.Sub("bank");
  std::vector<std::string> serving_lines;
  absl::StatusOr<trainer::TrainingOutcome> second = trainer::RunTraining(
      spec,
      [&](const trainer::TrainingEvent& e) {
        if (e.phase == "evaluating serving version") {
          serving_lines.push_back(e.message);
        }
      },
      nullptr);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(serving_lines,
              Contains(HasSubstr("calibrated by its own second stage")));
  EXPECT_THAT(second->report_json, HasSubstr("\"serving\":{"));
}

// Under the NBO protocol (the default) the candidate, the popularity
// baseline and the version the server now serves are scored on the same
// (customer, candidate) pairs, each with Brier, ECE and reliability bins
// of the propensity it publishes.
TEST(TrainerIntegrationTest, NboProtocolScoresServingVersionOnTheSamePairs) {
  nbo::testing::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteBankData(dir));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(dir.Sub("server")));

  trainer::TrainingSpec spec;
  spec.publish_to = {server->grpc_target()};
  spec.data_dir = dir.Sub("early");
  spec.split = "time";
  ASSERT_THAT(trainer::RunTraining(spec, nullptr, nullptr), IsOk());

  spec.data_dir = dir.Sub("bank");
  spec.split = trainer::TrainingSpec().split;
  ASSERT_EQ(spec.split, "nbo");
  spec.force = true;  // the default ALS loses to popularity here
  absl::StatusOr<trainer::TrainingOutcome> second =
      trainer::RunTraining(spec, nullptr, nullptr);
  ASSERT_THAT(second, IsOk());
  google::protobuf::Struct report;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(second->report_json, &report)
          .ok());
  const auto& evaluation =
      report.fields().at("evaluation").struct_value().fields();
  ASSERT_EQ(evaluation.count("serving"), 1u) << second->report_json;
  const auto& model = evaluation.at("model").struct_value().fields();
  for (const char* name : {"model", "popularity", "serving"}) {
    const auto& e = evaluation.at(name).struct_value().fields();
    for (const char* key : {"brier", "ece", "bins", "calibration_pairs",
                            "calibration_positives", "num_users_evaluated"}) {
      ASSERT_EQ(e.count(key), 1u) << name << " has no " << key;
    }
    EXPECT_GT(e.at("bins").list_value().values_size(), 0) << name;
    for (const char* key : {"calibration_pairs", "calibration_positives",
                            "num_users_evaluated"}) {
      EXPECT_EQ(e.at(key).number_value(), model.at(key).number_value())
          << name << " " << key;
    }
  }
  // Version 1's own Platt curve, not version 2's: the two differ.
  EXPECT_NE(evaluation.at("serving")
                .struct_value()
                .fields()
                .at("brier")
                .number_value(),
            model.at("brier").number_value());
}

}  // namespace
}  // namespace nbo
