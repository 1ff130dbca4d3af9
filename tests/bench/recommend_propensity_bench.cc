// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What the second stage costs a Recommend: the real Recommender over real
// stores (RocksDB in a temp dir), one thread, version 1 without a propensity
// model and version 2 (the same factors) with one, asked in alternating
// slices for the same customers. Prints process CPU (every thread: the
// decision log's writer included) per Recommend for:
//   - customers with a factor, a profile and 4 transactions (PERSONALIZED;
//     with the stage, their transactions are read for recency);
//   - customers with a profile only (POPULARITY without the stage, PROFILE
//     with it).
//
//   recommend_propensity_bench [customers=10000] [rounds=5]

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lib/model/propensity_model.h"
#include "lib/serving/propensity_proto.h"
#include "lib/serving/recommender.h"
#include "lib/testing/temp_dir.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::serving {
namespace {

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

void Check(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "recommend_propensity_bench: %s\n",
                 s.ToString().c_str());
    std::exit(1);
  }
}

// A model of the santander24 shape: 24 products, 5 bins per number, 8 score
// bins, 5 segments, two attributes of 5 values; random weights.
nbo::v1::PropensityModel RandomModel(const testing::TestModel& m) {
  model::PropensityParams p;
  for (int j = 0; j < m.products; ++j) p.products.push_back(m.ProductId(j));
  p.age_edges = {25, 35, 45, 60};
  p.income_edges = {15000, 30000, 50000, 90000};
  p.credit_score_edges = {580, 650, 700, 760};
  p.score_edges = {0.5, 1, 2, 3, 4, 6, 8};
  p.segments = {"mass", "student", "affluent", "sme", "private"};
  p.attributes = {{"region", {"north", "south", "east", "west", "centre"}},
                  {"life_stage", {"young", "family", "mature", "senior", "x"}}};
  const model::PropensityLayout layout(p);
  std::mt19937 rng(3);
  std::normal_distribution<float> w(-1, 1);
  for (size_t i = 0; i < p.products.size() * layout.dim(); ++i) {
    p.weights.push_back(w(rng));
  }
  absl::StatusOr<model::PropensityModel> built =
      model::PropensityModel::Create(p);
  Check(built.status());
  nbo::v1::PropensityModel proto;
  PropensityToProto(*built, &proto);
  return proto;
}

class Bench : public testing::DecisioningTest {
 public:
  void TestBody() override {}
  void Run(int customers, int rounds);

 private:
  void Publish(const testing::TestModel& m, bool with_stage);
  void Ingest(const testing::TestModel& m);
  // CPU seconds per Recommend of `ids` against `version`.
  double Time(const Recommender& r, const std::vector<std::string>& ids,
              int64_t version);
};

void Bench::Publish(const testing::TestModel& m, bool with_stage) {
  std::vector<nbo::v1::PublishModelRequest> stream = m.Stream();
  if (with_stage) {
    *stream.front().mutable_header()->mutable_metadata()->mutable_propensity() =
        RandomModel(m);
  }
  Check(catalogs_->ApplyPublishedCatalog(m.model_name,
                                         stream.front().header().catalog()));
  Check(testing::Publish(manager_.get(), store_.get(), stream).status());
}

void Bench::Ingest(const testing::TestModel& m) {
  const char* segments[] = {"mass", "student", "affluent", "sme", "private"};
  const char* regions[] = {"north", "south", "east", "west", "centre"};
  std::vector<nbo::v1::CustomerProfile> profiles;
  std::vector<nbo::v1::Transaction> transactions;
  for (int i = 0; i < 2 * m.customers; ++i) {
    // Customers m.customers.. have no factor and no transaction.
    const std::string id =
        i < m.customers ? m.CustomerId(i) : "N" + std::to_string(i);
    nbo::v1::CustomerProfile p;
    p.set_customer_id(id);
    p.set_age(18 + i % 70);
    p.set_income(1000.0 * (i % 120));
    p.set_segment(segments[i % 5]);
    p.set_credit_score(500 + i % 350);
    (*p.mutable_attributes())["region"] = regions[i % 5];
    (*p.mutable_attributes())["life_stage"] = "family";
    profiles.push_back(std::move(p));
    for (int k = 0; i < m.customers && k < 4; ++k) {
      nbo::v1::Transaction t;
      t.set_customer_id(id);
      t.set_product_id(m.ProductId((i + 5 * k) % m.products));
      t.set_event(k == 3 ? nbo::v1::TRANSACTION_EVENT_APPLY
                         : nbo::v1::TRANSACTION_EVENT_VIEW);
      t.mutable_timestamp()->set_seconds(1700000000 - 86400 * (10 * k + 1));
      transactions.push_back(std::move(t));
    }
    if (profiles.size() == 1000) {
      Check(customers_->UpsertProfiles(profiles));
      Check(customers_->AppendTransactions(transactions).status());
      profiles.clear();
      transactions.clear();
    }
  }
  Check(customers_->UpsertProfiles(profiles));
  Check(customers_->AppendTransactions(transactions).status());
}

double Bench::Time(const Recommender& r, const std::vector<std::string>& ids,
                   int64_t version) {
  nbo::v1::RecommendRequest request;
  request.set_num_offers(3);
  request.mutable_model()->set_version(version);
  nbo::v1::RecommendResponse response;
  const double start = CpuSeconds();
  for (const std::string& id : ids) {
    request.set_customer_id(id);
    response.Clear();
    Check(r.Recommend(request, &response));
  }
  return (CpuSeconds() - start) / ids.size();
}

void Bench::Run(int customers, int rounds) {
  SetUp();
  testing::TestModel m;
  m.products = 24;
  m.rank = 16;
  m.customers = customers;
  m.rows_per_chunk = 4096;
  Publish(m, false);
  m.version = 2;
  Publish(m, true);
  Ingest(m);
  const Recommender r(manager_.get(), store_.get(), customers_.get(),
                      catalogs_.get(), Recommender::Options(),
                      [] { return absl::FromUnixSeconds(1700000000); });
  std::vector<std::string> known, profile_only;
  for (int i = 0; i < customers; ++i) {
    known.push_back(m.CustomerId(i));
    profile_only.push_back("N" + std::to_string(customers + i));
  }
  double sums[4] = {0, 0, 0, 0};
  Time(r, known, 1);  // Warm-up: caches and the store's block cache.
  for (int round = 0; round < rounds; ++round) {
    sums[0] += Time(r, known, 1);
    sums[1] += Time(r, known, 2);
    sums[2] += Time(r, profile_only, 1);
    sums[3] += Time(r, profile_only, 2);
  }
  std::printf(
      "CPU per Recommend (us), %d customers, 24 products, rank 16, %d "
      "rounds:\n"
      "  factor + profile + 4 transactions: without stage %.2f, with %.2f "
      "(+%.2f)\n"
      "  profile only: POPULARITY without stage %.2f, PROFILE with %.2f "
      "(+%.2f)\n",
      customers, rounds, 1e6 * sums[0] / rounds, 1e6 * sums[1] / rounds,
      1e6 * (sums[1] - sums[0]) / rounds, 1e6 * sums[2] / rounds,
      1e6 * sums[3] / rounds, 1e6 * (sums[3] - sums[2]) / rounds);
  TearDown();
}

}  // namespace
}  // namespace nbo::serving

int main(int argc, char** argv) {
  const int customers = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  nbo::serving::Bench bench;
  bench.Run(customers, rounds);
  return 0;
}
