// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/bank_datagen.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/bank_data.h"
#include "lib/data/synthetic_factors.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using Role = BankDataGenerator::Role;
using GeneratedCustomer = BankDataGenerator::GeneratedCustomer;
using GeneratedEvent = BankDataGenerator::GeneratedEvent;

std::unique_ptr<BankDataGenerator> MakeGenerator(int64_t customers,
                                                 int products, uint64_t seed) {
  BankDataGenerator::Options options;
  options.customers = customers;
  options.products = products;
  options.seed = seed;
  auto generator = BankDataGenerator::Create(options);
  EXPECT_TRUE(generator.ok()) << generator.status();
  return *std::move(generator);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool IsAcquisition(Event event) {
  return event == Event::kOpen || event == Event::kPurchase;
}

TEST(BankDataGeneratorTest, RejectsOptionsOutOfRange) {
  BankDataGenerator::Options options;
  options.products = 12;
  EXPECT_THAT(BankDataGenerator::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.products = 8;
  options.customers = 0;
  EXPECT_THAT(BankDataGenerator::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.customers = 1;
  options.days = 1;
  EXPECT_THAT(BankDataGenerator::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(BankDataGeneratorTest, CatalogIsTheSyntheticCatalogWithTerms) {
  for (int products : {8, 24}) {
    auto generator = MakeGenerator(1, products, 1);
    const std::vector<Product> plain = SyntheticCatalog(products);
    ASSERT_EQ(generator->catalog().size(), plain.size());
    for (size_t p = 0; p < plain.size(); ++p) {
      EXPECT_EQ(generator->catalog()[p].product_id, plain[p].product_id);
      EXPECT_EQ(generator->catalog()[p].name, plain[p].name);
      EXPECT_EQ(generator->catalog()[p].category, plain[p].category);
    }
  }
  auto demo = MakeGenerator(1, 8, 1);
  EXPECT_EQ(demo->catalog()[7].name, "Student Checking");
  EXPECT_THAT(demo->catalog()[7].eligibility.segments,
              ::testing::ElementsAre("student"));
}

TEST(BankDataGeneratorTest, SameSeedWritesTheSameBytes) {
  TempDir dir;
  auto generator = MakeGenerator(300, 24, 7);
  ASSERT_TRUE(WriteBankData(*generator, dir.Sub("a"), nullptr).ok());
  ASSERT_TRUE(
      WriteBankData(*MakeGenerator(300, 24, 7), dir.Sub("b"), nullptr).ok());
  ASSERT_TRUE(
      WriteBankData(*MakeGenerator(300, 24, 8), dir.Sub("c"), nullptr).ok());
  for (const char* file :
       {"/customers.csv", "/products.csv", "/transactions.csv"}) {
    SCOPED_TRACE(file);
    const std::string a = ReadAll(dir.Sub("a") + file);
    EXPECT_GT(a.size(), 100u);
    EXPECT_EQ(a, ReadAll(dir.Sub("b") + file));
  }
  EXPECT_NE(ReadAll(dir.Sub("a") + "/customers.csv"),
            ReadAll(dir.Sub("c") + "/customers.csv"));
  EXPECT_NE(ReadAll(dir.Sub("a") + "/transactions.csv"),
            ReadAll(dir.Sub("c") + "/transactions.csv"));
}

TEST(BankDataGeneratorTest, WrittenFilesReadBackCleanly) {
  TempDir dir;
  auto generator = MakeGenerator(2000, 24, 3);
  int64_t last_progress = 0;
  auto written = WriteBankData(*generator, dir.path(),
                               [&](int64_t customers, uint64_t bytes) {
                                 EXPECT_GT(bytes, 0u);
                                 last_progress = customers;
                               });
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(last_progress, 2000);
  EXPECT_EQ(written->customers, 2000);
  BankDataOptions options;
  options.customers_path = dir.Sub("customers.csv");
  options.products_path = dir.Sub("products.csv");
  options.transactions_path = dir.Sub("transactions.csv");
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  EXPECT_EQ(data.skipped_rows(), 0);
  EXPECT_EQ(data.customers.size(), 2000u);
  EXPECT_EQ(static_cast<int64_t>(data.interactions.size()),
            written->transactions);
  EXPECT_GT(written->transactions, 2000 * 5);
  EXPECT_THAT(data.attribute_names,
              ::testing::ElementsAre("life_stage", "region", "kyc_verified"));
  ASSERT_EQ(data.products.size(), 24u);
  EXPECT_EQ(data.products[11].name, "Mortgage");
  EXPECT_EQ(data.products[11].business_value, 5.0);
  EXPECT_EQ(data.products[11].eligibility.min_credit_score, 680);
  int events[5] = {};
  for (const Interaction& i : data.interactions) {
    ++events[static_cast<int>(i.event)];
  }
  for (int e = 0; e < 5; ++e) {
    EXPECT_GT(events[e], 0) << EventName(static_cast<Event>(e));
  }
  // Views outnumber applies, which outnumber acquisitions.
  EXPECT_GT(events[0], events[1]);
  EXPECT_GT(events[1], events[2] + events[3]);
}

// Share of customers of each segment who acquire a product of role `role`.
std::vector<double> AcquisitionRate(const BankDataGenerator& generator,
                                    int64_t customers, Role role) {
  std::vector<double> takers(5), members(5);
  GeneratedCustomer c;
  for (int64_t i = 0; i < customers; ++i) {
    generator.Generate(i, &c);
    ++members[c.segment];
    for (const GeneratedEvent& e : c.events) {
      if (IsAcquisition(e.event) && generator.RoleOf(e.product) == role) {
        ++takers[c.segment];
        break;
      }
    }
  }
  for (int s = 0; s < 5; ++s) takers[s] /= std::max(1.0, members[s]);
  return takers;
}

constexpr int kMass = 0, kAffluent = 1, kPrivate = 2, kStudent = 3;

TEST(BankDataGeneratorTest, StudentsTakeStudentProductsFarMoreThanPrivate) {
  for (int products : {8, 24}) {
    SCOPED_TRACE(products);
    auto generator = MakeGenerator(20000, products, 1);
    const std::vector<double> rate =
        AcquisitionRate(*generator, 20000, Role::kStudentAccount);
    EXPECT_GT(rate[kStudent], 0.4);
    EXPECT_GT(rate[kStudent], 10 * rate[kPrivate] + 0.01);
    EXPECT_GT(rate[kStudent], 10 * rate[kMass] + 0.01);
  }
}

TEST(BankDataGeneratorTest, AffluentHoldInvestmentsMoreOftenThanMass) {
  auto generator = MakeGenerator(20000, 24, 1);
  const std::vector<double> rate =
      AcquisitionRate(*generator, 20000, Role::kInvestment);
  EXPECT_GT(rate[kAffluent], 2 * rate[kMass]);
  EXPECT_GT(rate[kPrivate], 2 * rate[kMass]);
  EXPECT_LT(rate[kStudent], rate[kMass] + 0.01);
}

TEST(BankDataGeneratorTest, JourneysRespectTimeOrderAndEligibility) {
  for (int products : {8, 24}) {
    SCOPED_TRACE(products);
    auto generator = MakeGenerator(5000, products, 5);
    const BankDataGenerator::Options& options = generator->options();
    const int64_t end = options.start_unix_seconds + options.days * 86400LL;
    GeneratedCustomer c;
    int64_t loans = 0;
    for (int64_t i = 0; i < options.customers; ++i) {
      generator->Generate(i, &c);
      std::vector<int64_t> apply(products, -1), open(products, -1),
          close(products, -1);
      int64_t previous = 0;
      for (const GeneratedEvent& e : c.events) {
        ASSERT_GE(e.unix_seconds, previous) << "events not in time order";
        ASSERT_GE(e.unix_seconds, options.start_unix_seconds);
        ASSERT_LT(e.unix_seconds, end);
        previous = e.unix_seconds;
        if (e.event == Event::kApply) apply[e.product] = e.unix_seconds;
        if (IsAcquisition(e.event)) open[e.product] = e.unix_seconds;
        if (e.event == Event::kClose) close[e.product] = e.unix_seconds;
        if (e.amount) {
          ASSERT_GE(*e.amount, 0);
        }
      }
      int64_t first_card = -1, first_account = -1;
      for (int p = 0; p < products; ++p) {
        const Role role = generator->RoleOf(p);
        if (open[p] >= 0) {
          // Applied first, then opened; closed only after opening.
          ASSERT_GE(apply[p], 0);
          ASSERT_GT(open[p], apply[p]);
          const Eligibility& rules = generator->catalog()[p].eligibility;
          if (!rules.segments.empty()) {
            EXPECT_THAT(rules.segments,
                        ::testing::Contains(c.customer.segment));
          }
          if (rules.min_credit_score) {
            EXPECT_GE(*c.customer.credit_score, *rules.min_credit_score);
          }
          if (rules.max_age) {
            EXPECT_LE(*c.customer.age, *rules.max_age);
          }
          if (role == Role::kCard || role == Role::kPremiumCard) {
            if (first_card < 0 || open[p] < first_card) first_card = open[p];
          }
          if (role == Role::kEverydayAccount || role == Role::kStudentAccount ||
              role == Role::kSavings || role == Role::kDigitalAccount ||
              role == Role::kPremiumAccount || role == Role::kPayrollAccount) {
            if (first_account < 0 || open[p] < first_account) {
              first_account = open[p];
            }
          }
        }
        if (close[p] >= 0) {
          ASSERT_GT(close[p], open[p]);
        }
      }
      // Credit comes after a card, a card after an account.
      for (int p = 0; p < products; ++p) {
        const Role role = generator->RoleOf(p);
        if (open[p] < 0) continue;
        if (role == Role::kLoan || role == Role::kMortgage) {
          ++loans;
          ASSERT_GE(first_card, 0);
          EXPECT_GT(open[p], first_card);
        }
        if (role == Role::kCard) {
          ASSERT_GE(first_account, 0);
          EXPECT_GT(open[p], first_account);
        }
      }
    }
    EXPECT_GT(loans, 100);
  }
}

}  // namespace
}  // namespace nbo::data
