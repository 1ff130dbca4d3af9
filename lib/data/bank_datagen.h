// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_DATA_BANK_DATAGEN_H_
#define NBO_LIB_DATA_BANK_DATAGEN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/data/bank_data.h"
#include "lib/data/products_csv.h"

namespace nbo::data {

// Generates realistic synthetic bank data with planted structure, for demos,
// tests and benchmarks: customers.csv, products.csv and transactions.csv in
// the layout ReadBankData reads.
//
// Customers belong to segments (mass, affluent, private, student, sme) that
// set their age, income and credit score; age gives a life stage (young,
// family, established, senior). Each product has a role (everyday account,
// savings, card, loan, mortgage, investment...) and a customer's appetite for
// a role depends on segment, life stage and income. Journeys follow
// prerequisites over time: an account first, a card after an account, a
// loan or mortgage after a card, deposits and investments after savings.
// Each acquisition is a few views, then an apply, then an open (a purchase
// for investments) days later; some customers only browse, ineligible
// applicants are declined (apply without open), and some holdings close.
// Events span `days` days from `start_unix_seconds`.
//
// The catalog is SyntheticCatalog(8) (the demo's) or SyntheticCatalog(24)
// (Santander-like), with business values and eligibility added. Customer i
// is generated from (seed, i) alone, so the output is reproducible by seed
// and customers can be generated in any order.
//
// A BankDataGenerator is immutable after Create() and safe to use from
// several threads.
class BankDataGenerator {
 public:
  struct Options {
    // Number of customers, ids C0000001, C0000002, ... (as gen-factors).
    // Default: 10,000.
    int64_t customers = 10000;
    // 8 (the demo catalog) or 24 (Santander-like).
    // Default: 8.
    int products = 8;
    // Seed of every random choice.
    // Default: 1.
    uint64_t seed = 1;
    // Start of the event window.
    // Default: 2023-01-01T00:00:00Z.
    int64_t start_unix_seconds = 1672531200;
    // Length of the event window, in days, 30..3650.
    // Default: 730 (two years).
    int days = 730;
  };

  // The segments, as written in customers.csv's segment column.
  static constexpr const char* kSegments[] = {"mass", "affluent", "private",
                                              "student", "sme"};

  // What a product is for; drives affinities and prerequisites.
  enum class Role {
    kEverydayAccount,
    kStudentAccount,
    kDigitalAccount,
    kPremiumAccount,
    kPayrollAccount,
    kSavings,
    kDeposit,
    kCard,
    kPremiumCard,
    kLoan,
    kMortgage,
    kInvestment,
    kRetirement,
    kPayments,
    kBusiness,
    kCrypto,
  };

  // One generated transaction.
  struct GeneratedEvent {
    int64_t unix_seconds;
    // Catalog index.
    int product;
    Event event;
    // Set on opens and purchases of products with a balance.
    std::optional<double> amount;
  };

  // One generated customer: attributes and events in time order.
  struct GeneratedCustomer {
    Customer customer;
    // Segment index into kSegments.
    int segment = 0;
    // "young", "family", "established" or "senior".
    std::string life_stage;
    std::string region;
    bool kyc_verified = true;
    std::vector<GeneratedEvent> events;
  };

  // INVALID_ARGUMENT when an option is out of range.
  static absl::StatusOr<std::unique_ptr<BankDataGenerator>> Create(
      const Options& options);

  const Options& options() const { return options_; }
  // SyntheticCatalog(options.products) with business values and eligibility.
  const std::vector<Product>& catalog() const { return catalog_; }
  // The role of catalog product `product`.
  Role RoleOf(int product) const { return roles_[product]; }

  // Fills `*out` with customer `index` (0-based).
  // REQUIRES: 0 <= index < options.customers.
  void Generate(int64_t index, GeneratedCustomer* out) const;

 private:
  explicit BankDataGenerator(const Options& options);

  const Options options_;
  std::vector<Product> catalog_;
  std::vector<Role> roles_;
};

// What WriteBankData wrote.
struct BankDataWriteStats {
  int64_t customers = 0;
  int64_t transactions = 0;
  uint64_t customers_bytes = 0;
  uint64_t products_bytes = 0;
  uint64_t transactions_bytes = 0;
};

// Writes dir/customers.csv (customer_id,age,income,segment,credit_score,
// life_stage,region,kyc_verified), dir/products.csv (WriteCatalogCsv) and
// dir/transactions.csv (customer_id,product_id,event,timestamp,amount, ISO
// timestamps), creating `dir` if needed and streaming: memory does not grow
// with the number of customers. Calls `progress(customers_written,
// bytes_written)` every few thousand customers when set. INTERNAL on file
// system errors.
absl::StatusOr<BankDataWriteStats> WriteBankData(
    const BankDataGenerator& generator, const std::string& dir,
    const std::function<void(int64_t, uint64_t)>& progress);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_BANK_DATAGEN_H_
