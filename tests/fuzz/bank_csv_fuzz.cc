// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Properties checked, besides no crash, leak or undefined behaviour:
//   - every failure is INVALID_ARGUMENT;
//   - a strict read (max_bad_rows 0) that succeeds equals a lenient read
//     (every bad row skipped) that skipped nothing, and a lenient read that
//     skipped nothing means the strict one succeeds;
//   - the lenient read reports each skipped row once through on_bad_row;
//   - customers.csv's customers are the data's customer ids, in order;
//   - products.csv read by a strict ReadBankData and by ReadProductsCsv (one
//     parser, two error policies) gives the same products or the same
//     error, and the catalog written back with WriteCatalogCsv reads the
//     same;
//   - every timestamp read lies in the configured range and round-trips
//     through FormatTimestamp;
//   - the feedback reader takes the same bytes without crashing.

#include "tests/fuzz/bank_csv_fuzz.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/data/bank_data.h"
#include "lib/data/products_csv.h"
#include "tests/fuzz/fuzz_scratch.h"

namespace nbo::fuzz {
namespace {

using data::BankData;
using data::BankDataOptions;
using data::Customer;
using data::Interaction;
using data::Product;

// The files the fuzzer does not write: a few valid rows each. Fuzzing
// customers.csv or products.csv, the transactions file has no rows, so that
// a strict read succeeds whenever the fuzzed file is valid (whatever ids it
// holds) and the checks of a successful read run.
constexpr char kCustomers[] =
    "customer_id,age,income,segment,credit_score,region\n"
    "C1,34,52000,mass,690,north\n"
    "C2,,,,,\n";
constexpr char kProducts[] =
    "product_id,name,category,business_value,min_age,max_age,min_income,"
    "segments,min_credit_score,kyc_required\n"
    "P01,Super Saver,savings,1,,,,,,\n"
    "P02,\"Gold Card, no fee\",cards,2.5,21,70,15000,mass;affluent,620,true\n";
constexpr char kTransactions[] =
    "customer_id,product_id,event,timestamp,amount\n"
    "C1,P01,open,2024-03-01T10:00:00Z,1500.00\n"
    "C2,P02,view,1709287200,\n";
constexpr char kNoTransactions[] = "customer_id,product_id,event,timestamp\n";

// The valid files, written once: paths in the options' fields, and of the
// transactions file without rows.
struct ValidFiles {
  BankDataOptions options;
  std::string no_transactions_path;
};

const ValidFiles& Valid() {
  static const ValidFiles* const files = [] {
    const ScratchDir& dir = ScratchDir::Get();
    auto* valid = new ValidFiles;
    valid->options.customers_path =
        dir.Write("valid_customers.csv", kCustomers);
    valid->options.products_path = dir.Write("valid_products.csv", kProducts);
    valid->options.transactions_path =
        dir.Write("valid_transactions.csv", kTransactions);
    valid->no_transactions_path =
        dir.Write("no_transactions.csv", kNoTransactions);
    return valid;
  }();
  return *files;
}

// The bank data of the three valid files, read once.
const BankData& ValidData() {
  static const BankData* const data = [] {
    absl::StatusOr<BankData> read = data::ReadBankData(Valid().options);
    Check(read.ok(), "the valid bank files read");
    return new BankData(*std::move(read));
  }();
  return *data;
}

bool SameEligibility(const data::Eligibility& a, const data::Eligibility& b) {
  return a.min_age == b.min_age && a.max_age == b.max_age &&
         a.min_income == b.min_income && a.segments == b.segments &&
         a.min_credit_score == b.min_credit_score &&
         a.kyc_required == b.kyc_required;
}

bool SameContactPolicy(const std::optional<data::ContactPolicy>& a,
                       const std::optional<data::ContactPolicy>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() ||
         (a->max_declines == b->max_declines &&
          a->max_impressions == b->max_impressions &&
          a->suppression_days == b->suppression_days && a->scope == b->scope);
}

bool SameProducts(const std::vector<Product>& a,
                  const std::vector<Product>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].product_id != b[i].product_id || a[i].name != b[i].name ||
        a[i].category != b[i].category ||
        a[i].business_value != b[i].business_value ||
        !SameEligibility(a[i].eligibility, b[i].eligibility) ||
        a[i].offer_type != b[i].offer_type ||
        !SameContactPolicy(a[i].contact_policy, b[i].contact_policy)) {
      return false;
    }
  }
  return true;
}

bool SameCustomers(const std::vector<Customer>& a,
                   const std::vector<Customer>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].customer_id != b[i].customer_id || a[i].age != b[i].age ||
        a[i].income != b[i].income || a[i].segment != b[i].segment ||
        a[i].credit_score != b[i].credit_score ||
        a[i].attributes != b[i].attributes) {
      return false;
    }
  }
  return true;
}

bool SameInteractions(const std::vector<Interaction>& a,
                      const std::vector<Interaction>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].unix_seconds != b[i].unix_seconds ||
        a[i].customer != b[i].customer || a[i].product != b[i].product ||
        a[i].weight != b[i].weight || a[i].event != b[i].event) {
      return false;
    }
  }
  return true;
}

bool SameData(const BankData& a, const BankData& b) {
  return a.customer_ids == b.customer_ids &&
         SameCustomers(a.customers, b.customers) &&
         a.attribute_names == b.attribute_names &&
         SameProducts(a.products, b.products) &&
         SameInteractions(a.interactions, b.interactions);
}

void CheckFailure(const absl::Status& status, const char* what) {
  Check(status.code() == absl::StatusCode::kInvalidArgument, what);
}

// What every successful read must satisfy on its own.
void CheckData(const BankDataOptions& options, const BankData& data) {
  if (!options.customers_path.empty()) {
    Check(data.customers.size() == data.customer_ids.size(),
          "with customers.csv, every customer id has its row");
    for (size_t i = 0; i < data.customers.size(); ++i) {
      Check(data.customers[i].customer_id == data.customer_ids[i],
            "customers are the customer ids, in order");
      Check(data.customers[i].attributes.size() == data.attribute_names.size(),
            "one attribute per extra column");
    }
  }
  Check(!data.products.empty(), "a read catalog is not empty");
  for (const Interaction& interaction : data.interactions) {
    Check(
        interaction.customer >= 0 && static_cast<size_t>(interaction.customer) <
                                         data.customer_ids.size(),
        "interactions name a known customer");
    Check(interaction.product >= 0 &&
              static_cast<size_t>(interaction.product) < data.products.size(),
          "interactions name a known product");
    Check(interaction.unix_seconds >= options.min_unix_seconds &&
              interaction.unix_seconds < options.max_unix_seconds,
          "timestamps lie in the configured range");
    absl::StatusOr<int64_t> again =
        data::ParseTimestamp(data::FormatTimestamp(interaction.unix_seconds));
    Check(again.ok() && *again == interaction.unix_seconds,
          "FormatTimestamp's text parses back to the same second");
  }
  const std::vector<std::vector<int32_t>> holdings = data.Holdings();
  Check(holdings.size() == data.customer_ids.size(),
        "holdings has one entry per customer");
}

void CheckProductsAgree(const std::string& path, const BankData& data) {
  absl::StatusOr<std::vector<Product>> catalog = data::ReadProductsCsv(path);
  Check(catalog.ok(), "ReadProductsCsv accepts what ReadBankData accepts");
  Check(SameProducts(*catalog, data.products),
        "both readers read the same products");

  // The catalog written back reads the same (nboctl datagen writes
  // products.csv this way).
  const ScratchDir& dir = ScratchDir::Get();
  const std::string rewritten = dir.Sub("catalog.csv");
  Check(data::WriteCatalogCsv(rewritten, data.products).ok(),
        "WriteCatalogCsv writes to the scratch directory");
  BankDataOptions again;
  again.products_path = rewritten;
  again.transactions_path = Valid().no_transactions_path;
  absl::StatusOr<BankData> read = data::ReadBankData(again);
  Check(read.ok(), "a catalog from WriteCatalogCsv reads back");
  Check(SameProducts(read->products, data.products),
        "a catalog from WriteCatalogCsv reads back unchanged");
}

}  // namespace

void FuzzBankData(BankFile file, const uint8_t* bytes, size_t size) {
  const ScratchDir& dir = ScratchDir::Get();
  BankDataOptions options = Valid().options;
  options.transactions_path = Valid().no_transactions_path;
  switch (file) {
    case BankFile::kCustomers:
      options.customers_path = dir.Write("customers.csv", bytes, size);
      break;
    case BankFile::kProducts:
      options.products_path = dir.Write("products.csv", bytes, size);
      break;
    case BankFile::kTransactions:
      options.transactions_path = dir.Write("transactions.csv", bytes, size);
      break;
  }

  absl::StatusOr<BankData> strict = data::ReadBankData(options);
  if (strict.ok()) {
    CheckData(options, *strict);
    Check(strict->skipped_rows() == 0, "a strict read skips nothing");
  } else {
    CheckFailure(strict.status(), "a strict read fails with INVALID_ARGUMENT");
  }

  BankDataOptions lenient = options;
  lenient.max_bad_rows = std::numeric_limits<int64_t>::max();
  int64_t reported = 0;
  lenient.on_bad_row = [&reported](const absl::Status& status) {
    CheckFailure(status, "a bad row is INVALID_ARGUMENT");
    ++reported;
  };
  absl::StatusOr<BankData> loose = data::ReadBankData(lenient);
  if (loose.ok()) {
    CheckData(lenient, *loose);
    Check(reported == loose->skipped_rows(),
          "on_bad_row is called once per skipped row");
    Check(strict.ok() == (loose->skipped_rows() == 0),
          "the strict read fails exactly when the lenient one skips a row");
  } else {
    CheckFailure(loose.status(), "a lenient read fails with INVALID_ARGUMENT");
    Check(!strict.ok(), "a lenient read succeeds when the strict one does");
  }
  if (!strict.ok() && file == BankFile::kProducts) {
    // The other files are valid: the catalog is what the strict read
    // refused, and the strict catalog reader refuses it in the same words.
    absl::StatusOr<std::vector<Product>> catalog =
        data::ReadProductsCsv(options.products_path);
    Check(!catalog.ok() && catalog.status() == strict.status(),
          "ReadProductsCsv fails as a strict ReadBankData does");
  }
  if (strict.ok()) {
    Check(loose.ok() && SameData(*strict, *loose),
          "a strict read and a lenient read that skipped nothing agree");
    if (file == BankFile::kProducts) {
      CheckProductsAgree(options.products_path, *strict);
    }
  }

  if (file == BankFile::kTransactions) {
    // The same format, read as offer answers against the valid files.
    data::FeedbackOptions feedback;
    feedback.path = options.transactions_path;
    feedback.max_bad_rows = std::numeric_limits<int64_t>::max();
    absl::StatusOr<data::Feedback> read =
        data::ReadFeedback(feedback, ValidData());
    if (read.ok()) {
      for (const Interaction& interaction : read->interactions) {
        Check(data::IsOfferResponse(interaction.event),
              "feedback holds offer answers only");
      }
    } else {
      CheckFailure(read.status(),
                   "a feedback read fails with INVALID_ARGUMENT");
    }
  }
}

}  // namespace nbo::fuzz
