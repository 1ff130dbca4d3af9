// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/bank_datagen.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "lib/common/status_macros.h"
#include "lib/data/csv_reader.h"
#include "lib/data/split_mix.h"
#include "lib/data/synthetic_factors.h"

namespace nbo::data {
namespace {

using Role = BankDataGenerator::Role;

constexpr int kSegmentCount = 5;
enum Segment { kMass, kAffluent, kPrivate, kStudent, kSme };
enum LifeStage { kYoung, kFamily, kEstablished, kSenior };
constexpr const char* kLifeStages[] = {"young", "family", "established",
                                       "senior"};
constexpr const char* kRegions[] = {"north", "south", "east", "west",
                                    "capital"};

// Share of customers per segment.
constexpr double kSegmentShare[kSegmentCount] = {0.55, 0.18, 0.04, 0.13, 0.10};

// Business value and eligibility of a catalog entry; -1 means no bound.
struct Terms {
  Role role;
  double business_value;
  int min_age;
  int max_age;
  double min_income;
  const char* segments;  // ';'-separated, "" for all.
  int min_credit_score;
  bool kyc_required;
};

// Indexed like SyntheticCatalog(8).
constexpr Terms kDemoTerms[] = {
    {Role::kSavings, 1.0, -1, -1, -1, "", -1, true},
    {Role::kCard, 2.5, 18, -1, 15000, "", 600, true},
    {Role::kPremiumCard, 3.0, 21, -1, 60000, "affluent;private;sme", 700, true},
    {Role::kMortgage, 4.0, 21, 70, 25000, "", 650, true},
    {Role::kLoan, 3.5, 18, -1, 20000, "", 620, true},
    {Role::kCrypto, 1.5, 18, -1, -1, "", -1, true},
    {Role::kRetirement, 3.0, 25, 67, -1, "", -1, true},
    {Role::kStudentAccount, 0.5, 18, 26, -1, "student", -1, false},
};

// Indexed like SyntheticCatalog(24).
constexpr Terms kSantanderTerms[] = {
    {Role::kEverydayAccount, 1.0, -1, -1, -1, "", -1, false},
    {Role::kPayrollAccount, 1.5, 18, 67, 12000, "", -1, true},
    {Role::kStudentAccount, 0.5, -1, 25, -1, "student", -1, false},
    {Role::kPremiumAccount, 2.0, -1, -1, 40000, "mass;affluent", -1, true},
    {Role::kPremiumAccount, 1.5, -1, -1, 25000, "", -1, true},
    {Role::kPremiumAccount, 2.5, -1, -1, 80000, "affluent;private", -1, true},
    {Role::kDeposit, 1.5, -1, -1, -1, "", -1, true},
    {Role::kDeposit, 2.0, -1, -1, -1, "", -1, true},
    {Role::kDeposit, 2.5, 25, -1, -1, "", -1, true},
    {Role::kDigitalAccount, 0.8, -1, -1, -1, "", -1, false},
    {Role::kInvestment, 3.0, 18, -1, 30000, "", -1, true},
    {Role::kMortgage, 5.0, 21, 70, 30000, "", 680, true},
    {Role::kRetirement, 3.0, 25, 67, -1, "", -1, true},
    {Role::kLoan, 3.5, 18, -1, 15000, "", 620, true},
    {Role::kPayments, 0.8, -1, -1, -1, "sme;affluent;private", -1, false},
    {Role::kCard, 2.5, 18, -1, 12000, "", 600, true},
    {Role::kInvestment, 3.5, -1, -1, 60000, "affluent;private;sme", -1, true},
    {Role::kEverydayAccount, 1.0, 21, -1, -1, "", -1, false},
    {Role::kPayments, 1.2, 18, 67, -1, "", -1, false},
    {Role::kPayments, 1.0, 60, -1, -1, "", -1, false},
    {Role::kPayments, 0.8, -1, -1, -1, "", -1, false},
    {Role::kSavings, 1.0, -1, -1, -1, "", -1, false},
    {Role::kBusiness, 3.0, -1, -1, -1, "sme;private", 650, true},
    {Role::kInvestment, 4.0, -1, -1, 100000, "affluent;private", 700, true},
};

constexpr int kRoleCount = static_cast<int>(Role::kCrypto) + 1;

// Appetite for a role by segment (mass, affluent, private, student, sme).
constexpr double kSegmentAffinity[kRoleCount][kSegmentCount] = {
    {1.0, 0.6, 0.3, 0.3, 0.8},    // everyday account
    {0.02, 0.0, 0.0, 3.0, 0.0},   // student account
    {0.6, 0.3, 0.1, 2.0, 0.3},    // digital account
    {0.2, 1.5, 2.5, 0.0, 0.4},    // premium account
    {1.2, 1.0, 0.3, 0.2, 0.3},    // payroll account
    {1.0, 1.2, 0.8, 0.6, 0.8},    // savings
    {0.4, 1.2, 1.5, 0.05, 0.6},   // deposit
    {1.0, 1.0, 0.6, 0.4, 0.8},    // card
    {0.1, 1.2, 2.0, 0.0, 0.5},    // premium card
    {0.6, 0.5, 0.2, 0.1, 1.0},    // loan
    {0.4, 0.9, 0.5, 0.0, 0.3},    // mortgage
    {0.15, 1.5, 2.5, 0.05, 0.5},  // investment
    {0.4, 1.2, 1.5, 0.0, 0.5},    // retirement
    {0.8, 0.8, 0.6, 0.3, 1.5},    // payments
    {0.02, 0.1, 0.2, 0.0, 3.0},   // business
    {0.3, 0.6, 0.5, 1.2, 0.2},    // crypto
};

// Appetite for a role by life stage (young, family, established, senior).
constexpr double kLifeStageAffinity[kRoleCount][4] = {
    {1.0, 1.0, 1.0, 1.0},  // everyday account
    {1.5, 0.1, 0.0, 0.0},  // student account
    {1.5, 1.0, 0.6, 0.3},  // digital account
    {0.5, 1.0, 1.2, 1.2},  // premium account
    {1.0, 1.2, 1.1, 0.3},  // payroll account
    {1.0, 1.0, 1.0, 1.2},  // savings
    {0.4, 0.8, 1.2, 1.6},  // deposit
    {1.2, 1.1, 1.0, 0.7},  // card
    {0.6, 1.0, 1.2, 0.9},  // premium card
    {1.2, 1.3, 0.9, 0.4},  // loan
    {0.4, 2.0, 0.8, 0.1},  // mortgage
    {0.5, 0.9, 1.3, 1.1},  // investment
    {0.2, 1.0, 1.6, 0.6},  // retirement
    {0.8, 1.0, 1.0, 1.3},  // payments
    {0.6, 1.0, 1.0, 0.7},  // business
    {1.8, 0.8, 0.4, 0.1},  // crypto
};

// How appetite scales with income: (income / 40,000)^elasticity.
constexpr double kIncomeElasticity[kRoleCount] = {
    0, -0.3, -0.2, 0.6, 0, 0.2, 0.4, 0.1, 0.6, 0, 0.3, 0.7, 0.4, 0, 0.3, 0,
};

// How popular the role is overall, whatever the customer.
constexpr double kRolePopularity[kRoleCount] = {
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0,
    1.0, 3.0, 4.0, 1.0, 1.0, 1.0, 1.0, 1.0,
};

// Chance that a holding of the role closes within the window.
constexpr double kCloseChance[kRoleCount] = {
    0.04, 0.10, 0.08, 0.04, 0.05, 0.06, 0.35, 0.08,
    0.06, 0.20, 0.03, 0.10, 0.02, 0.05, 0.05, 0.15,
};

bool IsAccount(Role role) {
  return role == Role::kEverydayAccount || role == Role::kStudentAccount ||
         role == Role::kDigitalAccount || role == Role::kPremiumAccount ||
         role == Role::kPayrollAccount;
}

bool IsPurchase(Role role) {
  return role == Role::kInvestment || role == Role::kRetirement ||
         role == Role::kCrypto;
}

constexpr int64_t kDay = 86400;

double Exponential(uint64_t* state, double mean) {
  return -std::log(Uniform(state)) * mean;
}

double Normal(uint64_t* state) {
  // Box-Muller; one draw is enough here.
  return std::sqrt(-2.0 * std::log(Uniform(state))) *
         std::cos(2.0 * M_PI * Uniform(state));
}

int64_t UniformInt(uint64_t* state, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(NextRandom(state) %
                                   static_cast<uint64_t>(hi - lo + 1));
}

bool Admits(const Eligibility& rules, const Customer& customer,
            bool kyc_verified) {
  const int age = customer.age.value_or(0);
  if (rules.min_age && age < *rules.min_age) return false;
  if (rules.max_age && age > *rules.max_age) return false;
  if (rules.min_income && customer.income.value_or(0) < *rules.min_income) {
    return false;
  }
  if (!rules.segments.empty() &&
      std::find(rules.segments.begin(), rules.segments.end(),
                customer.segment) == rules.segments.end()) {
    return false;
  }
  if (rules.min_credit_score &&
      customer.credit_score.value_or(0) < *rules.min_credit_score) {
    return false;
  }
  return !rules.kyc_required || kyc_verified;
}

// A buffered output file that counts its bytes.
class OutFile {
 public:
  static absl::StatusOr<std::unique_ptr<OutFile>> Create(
      const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
      return absl::InternalError(
          absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
    }
    return std::unique_ptr<OutFile>(new OutFile(path, file));
  }
  ~OutFile() {
    if (file_ != nullptr) std::fclose(file_);
  }

  std::string* buffer() { return &buffer_; }
  uint64_t bytes() const { return bytes_ + buffer_.size(); }

  absl::Status MaybeFlush() {
    return buffer_.size() >= (1 << 20) ? Flush() : absl::OkStatus();
  }

  absl::Status Close() {
    NBO_RETURN_IF_ERROR(Flush());
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!closed)
      return absl::InternalError(absl::StrCat(path_, ": close failed"));
    return absl::OkStatus();
  }

 private:
  OutFile(std::string path, std::FILE* file)
      : path_(std::move(path)), file_(file) {}

  absl::Status Flush() {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) !=
        buffer_.size()) {
      return absl::InternalError(
          absl::StrCat(path_, ": write failed: ", std::strerror(errno)));
    }
    bytes_ += buffer_.size();
    buffer_.clear();
    return absl::OkStatus();
  }

  const std::string path_;
  std::FILE* file_;
  std::string buffer_;
  uint64_t bytes_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BankDataGenerator>> BankDataGenerator::Create(
    const Options& options) {
  if (options.customers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("customers must be at least 1, got ", options.customers));
  }
  if (options.products != 8 && options.products != 24) {
    return absl::InvalidArgumentError(
        absl::StrCat("products must be 8 (demo8) or 24 (santander24), got ",
                     options.products));
  }
  if (options.days < 30 || options.days > 3650) {
    return absl::InvalidArgumentError(
        absl::StrCat("days must be in 30..3650, got ", options.days));
  }
  return std::unique_ptr<BankDataGenerator>(new BankDataGenerator(options));
}

BankDataGenerator::BankDataGenerator(const Options& options)
    : options_(options), catalog_(SyntheticCatalog(options.products)) {
  const Terms* terms = options.products == 8 ? kDemoTerms : kSantanderTerms;
  for (int p = 0; p < options.products; ++p) {
    const Terms& t = terms[p];
    Product& product = catalog_[p];
    roles_.push_back(t.role);
    product.business_value = t.business_value;
    Eligibility& rules = product.eligibility;
    if (t.min_age >= 0) rules.min_age = t.min_age;
    if (t.max_age >= 0) rules.max_age = t.max_age;
    if (t.min_income >= 0) rules.min_income = t.min_income;
    for (absl::string_view s :
         absl::StrSplit(t.segments, ';', absl::SkipEmpty())) {
      rules.segments.emplace_back(s);
    }
    if (t.min_credit_score >= 0) rules.min_credit_score = t.min_credit_score;
    rules.kyc_required = t.kyc_required;
  }
}

void BankDataGenerator::Generate(int64_t index, GeneratedCustomer* out) const {
  uint64_t state = options_.seed ^ 0x6E626F2D62616E6Bull;  // "nbo-bank"
  state = NextRandom(&state) ^
          (static_cast<uint64_t>(index) * 0xD1B54A32D192ED03ull);
  NextRandom(&state);

  // Who the customer is.
  double u = Uniform(&state);
  int segment = 0;
  while (segment < kSegmentCount - 1 && u >= kSegmentShare[segment]) {
    u -= kSegmentShare[segment];
    ++segment;
  }
  int age;
  double median_income;
  double score_mean;
  switch (segment) {
    case kStudent:
      age = static_cast<int>(UniformInt(&state, 18, 26));
      median_income = 9000;
      score_mean = 620;
      break;
    case kAffluent:
      age = static_cast<int>(UniformInt(&state, 28, 75));
      median_income = 95000;
      score_mean = 730;
      break;
    case kPrivate:
      age = static_cast<int>(UniformInt(&state, 35, 85));
      median_income = 350000;
      score_mean = 770;
      break;
    case kSme:
      age = static_cast<int>(UniformInt(&state, 25, 70));
      median_income = 120000;
      score_mean = 690;
      break;
    default:
      age = static_cast<int>(UniformInt(&state, 19, 85));
      median_income = 32000;
      score_mean = 670;
      break;
  }
  const int stage = age < 30   ? kYoung
                    : age < 45 ? kFamily
                    : age < 60 ? kEstablished
                               : kSenior;
  // Income peaks mid-career and falls in retirement.
  const double career = stage == kYoung ? 0.75 : stage == kSenior ? 0.7 : 1.1;
  const double income =
      std::round(median_income * (segment == kStudent ? 1.0 : career) *
                 std::exp(0.45 * Normal(&state)));
  const int credit_score =
      std::clamp(static_cast<int>(score_mean + 55 * Normal(&state) +
                                  (stage == kYoung    ? -20
                                   : stage == kSenior ? 15
                                                      : 0)),
                 300, 850);

  GeneratedCustomer& c = *out;
  c.customer = Customer();
  c.customer.customer_id = SyntheticCustomerId(index);
  c.customer.age = age;
  c.customer.income = income;
  c.customer.segment = kSegments[segment];
  c.customer.credit_score = credit_score;
  c.segment = segment;
  c.life_stage = kLifeStages[stage];
  c.region = kRegions[NextRandom(&state) % std::size(kRegions)];
  c.kyc_verified = Uniform(&state) < 0.95;
  c.events.clear();

  const int products = options_.products;
  const int64_t start = options_.start_unix_seconds;
  const int64_t end = start + options_.days * kDay;
  std::vector<double> appetite(products);
  for (int p = 0; p < products; ++p) {
    const int role = static_cast<int>(roles_[p]);
    appetite[p] =
        kRolePopularity[role] * kSegmentAffinity[role][segment] *
        kLifeStageAffinity[role][stage] *
        std::pow(std::max(income, 1000.0) / 40000.0, kIncomeElasticity[role]);
  }
  std::vector<int64_t> opened(products, -1);  // Open time of holdings.

  auto add = [&](int64_t t, int product, Event event,
                 std::optional<double> amount = std::nullopt) {
    if (t < start || t >= end) return;
    c.events.push_back(GeneratedEvent{t, product, event, amount});
  };
  auto amount_for = [&](Role role) -> std::optional<double> {
    double scale;
    switch (role) {
      case Role::kLoan:
        scale = 0.2 + 0.6 * Uniform(&state);
        break;
      case Role::kMortgage:
        scale = 2.0 + 3.0 * Uniform(&state);
        break;
      case Role::kDeposit:
      case Role::kInvestment:
      case Role::kRetirement:
      case Role::kSavings:
      case Role::kCrypto:
        scale = 0.02 + 0.4 * Uniform(&state);
        break;
      default:
        return std::nullopt;
    }
    return std::round(income * scale * 100) / 100;
  };
  // Views, then an apply, then (if eligible) an open days later.
  auto acquire = [&](int64_t t, int product) -> bool {
    const int views = 1 + static_cast<int>(NextRandom(&state) % 3);
    for (int v = 0; v < views; ++v) {
      add(t - UniformInt(&state, 1, 14 * kDay), product, Event::kView);
    }
    if (Uniform(&state) < 0.15) return false;  // Browsed; no apply.
    add(t, product, Event::kApply);
    if (!Admits(catalog_[product].eligibility, c.customer, c.kyc_verified)) {
      return false;  // Declined.
    }
    const int64_t open_time = t + UniformInt(&state, kDay / 2, 10 * kDay);
    if (open_time >= end) return false;
    const Role role = roles_[product];
    add(open_time, product, IsPurchase(role) ? Event::kPurchase : Event::kOpen,
        amount_for(role));
    opened[product] = open_time;
    return true;
  };
  int64_t t = start + UniformInt(&state, 15 * kDay, 150 * kDay);
  // Whether the customer held a product of a role matching `predicate` by
  // time t, the next apply.
  auto holds = [&](auto predicate) {
    for (int p = 0; p < products; ++p) {
      if (opened[p] >= 0 && opened[p] < t && predicate(roles_[p])) return true;
    }
    return false;
  };
  // Whether the customer's holdings allow product `p` next.
  auto ready_for = [&](int p) {
    switch (roles_[p]) {
      case Role::kCard:
      case Role::kPremiumCard:
      case Role::kPayments:
      case Role::kBusiness:
      case Role::kSavings:
        return holds(
            [](Role r) { return IsAccount(r) || r == Role::kSavings; });
      case Role::kLoan:
      case Role::kMortgage:
        return holds(
            [](Role r) { return r == Role::kCard || r == Role::kPremiumCard; });
      case Role::kDeposit:
      case Role::kInvestment:
      case Role::kRetirement:
        return holds([](Role r) {
          return r == Role::kSavings || r == Role::kPremiumAccount;
        });
      default:
        return true;
    }
  };
  // Picks a product not yet held (nor tried) with probability proportional
  // to appetite, among those `allowed`; -1 when none.
  std::vector<bool> tried(products, false);
  auto pick = [&](auto allowed) {
    double total = 0;
    for (int p = 0; p < products; ++p) {
      if (!tried[p] && allowed(p)) total += appetite[p];
    }
    if (total <= 0) return -1;
    double x = Uniform(&state) * total;
    int last = -1;
    for (int p = 0; p < products; ++p) {
      if (tried[p] || !allowed(p) || appetite[p] <= 0) continue;
      last = p;
      x -= appetite[p];
      if (x < 0) return p;
    }
    return last;
  };

  // The first product: an account (or savings, where the catalog has no
  // everyday account for the customer), early in the window.
  int first = pick([&](int p) {
    return IsAccount(roles_[p]) &&
           Admits(catalog_[p].eligibility, c.customer, c.kyc_verified);
  });
  if (first < 0) {
    first = pick([&](int p) { return roles_[p] == Role::kSavings; });
  }
  if (first >= 0) {
    tried[first] = true;
    acquire(t, first);
  }
  // Further acquisitions, each after a gap, in prerequisite order.
  constexpr double kMeanAcquisitions[kSegmentCount] = {2.0, 3.5, 4.5, 1.2, 3.0};
  const int more = static_cast<int>(
      std::floor(Exponential(&state, kMeanAcquisitions[segment]) + 0.5));
  for (int i = 0; i < more; ++i) {
    t += static_cast<int64_t>(Exponential(&state, 100) * kDay) + kDay;
    if (t >= end) break;
    const int next = pick(ready_for);
    if (next < 0) continue;  // Nothing ready yet; maybe later.
    tried[next] = true;
    acquire(t, next);
  }
  // Some holdings end.
  for (int p = 0; p < products; ++p) {
    if (opened[p] < 0) continue;
    if (Uniform(&state) < kCloseChance[static_cast<int>(roles_[p])]) {
      add(opened[p] + UniformInt(&state, 30 * kDay, 540 * kDay), p,
          Event::kClose);
    }
  }
  // Idle browsing.
  const int idle = static_cast<int>(NextRandom(&state) % 3);
  for (int i = 0; i < idle; ++i) {
    add(UniformInt(&state, start, end - 1),
        static_cast<int>(NextRandom(&state) % products), Event::kView);
  }
  std::stable_sort(c.events.begin(), c.events.end(),
                   [](const GeneratedEvent& a, const GeneratedEvent& b) {
                     return a.unix_seconds < b.unix_seconds;
                   });
}

absl::StatusOr<BankDataWriteStats> WriteBankData(
    const BankDataGenerator& generator, const std::string& dir,
    const std::function<void(int64_t, uint64_t)>& progress) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(dir, ": cannot create directory: ", ec.message()));
  }
  BankDataWriteStats stats;
  const std::string products_path = dir + "/products.csv";
  NBO_RETURN_IF_ERROR(WriteCatalogCsv(products_path, generator.catalog()));
  stats.products_bytes = std::filesystem::file_size(products_path, ec);

  NBO_ASSIGN_OR_RETURN(std::unique_ptr<OutFile> customers,
                       OutFile::Create(dir + "/customers.csv"));
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<OutFile> transactions,
                       OutFile::Create(dir + "/transactions.csv"));
  customers->buffer()->append(
      "customer_id,age,income,segment,credit_score,life_stage,region,"
      "kyc_verified\n");
  transactions->buffer()->append(
      "customer_id,product_id,event,timestamp,amount\n");
  const std::vector<Product>& catalog = generator.catalog();
  BankDataGenerator::GeneratedCustomer c;
  const int64_t count = generator.options().customers;
  constexpr int64_t kProgressEvery = 8192;
  for (int64_t i = 0; i < count; ++i) {
    generator.Generate(i, &c);
    const Customer& customer = c.customer;
    absl::StrAppend(customers->buffer(), customer.customer_id, ",",
                    *customer.age, ",", *customer.income, ",", customer.segment,
                    ",", *customer.credit_score, ",", c.life_stage, ",",
                    c.region, ",", c.kyc_verified ? "true" : "false", "\n");
    for (const BankDataGenerator::GeneratedEvent& e : c.events) {
      std::string* out = transactions->buffer();
      absl::StrAppend(out, customer.customer_id, ",",
                      catalog[e.product].product_id, ",", EventName(e.event),
                      ",", FormatTimestamp(e.unix_seconds), ",");
      if (e.amount) absl::StrAppendFormat(out, "%.2f", *e.amount);
      out->push_back('\n');
    }
    stats.transactions += static_cast<int64_t>(c.events.size());
    NBO_RETURN_IF_ERROR(customers->MaybeFlush());
    NBO_RETURN_IF_ERROR(transactions->MaybeFlush());
    if (progress && (i + 1) % kProgressEvery == 0) {
      progress(i + 1, customers->bytes() + transactions->bytes());
    }
  }
  stats.customers = count;
  stats.customers_bytes = customers->bytes();
  stats.transactions_bytes = transactions->bytes();
  NBO_RETURN_IF_ERROR(customers->Close());
  NBO_RETURN_IF_ERROR(transactions->Close());
  if (progress) {
    progress(count, stats.customers_bytes + stats.transactions_bytes);
  }
  return stats;
}

}  // namespace nbo::data
