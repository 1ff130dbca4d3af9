// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/bank_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/common/status_macros.h"
#include "lib/data/csv_cells.h"
#include "lib/data/csv_reader.h"
#include "lib/data/products_csv.h"

namespace nbo::data {
namespace {

// Indexed by Event.
constexpr absl::string_view kEventNames[] = {
    "view", "apply", "purchase", "open", "close", "accept", "decline"};

// The field of `*weights` that holds `event`'s magnitude (const when
// `weights` is).
template <typename Weights>
auto WeightField(Weights* weights, Event event) -> decltype(&weights->view) {
  switch (event) {
    case Event::kView:
      return &weights->view;
    case Event::kApply:
      return &weights->apply;
    case Event::kPurchase:
      return &weights->purchase;
    case Event::kOpen:
      return &weights->open;
    case Event::kClose:
      return &weights->close;
    case Event::kAccept:
      return &weights->accept;
    case Event::kDecline:
      return &weights->decline;
  }
  return nullptr;
}

// The shortest %g form of `value` that reads back as the same float.
std::string ShortestFloat(float value) {
  char buffer[32];
  for (int precision = 6; precision < 9; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision,
                  static_cast<double>(value));
    float back;
    if (absl::SimpleAtof(buffer, &back) && back == value) return buffer;
  }
  std::snprintf(buffer, sizeof(buffer), "%.9g", static_cast<double>(value));
  return buffer;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
// Hinnant's algorithms, exact over the whole int64 range we use).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `*pos` of `text` into `*value`.
bool Digits(absl::string_view text, size_t* pos, int n, int* value) {
  if (*pos + n > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  *pos += n;
  return true;
}

bool Expect(absl::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

absl::Status BadTimestamp(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad timestamp '", text, "': ", why,
                   " (want ISO-8601 like 2024-03-01T10:00:00Z or unix "
                   "seconds)"));
}

// The policy for rows that do not parse: skip them while the budget lasts.
class BadRows {
 public:
  explicit BadRows(const BankDataOptions& options)
      : max_(options.max_bad_rows), sink_(options.on_bad_row) {}
  explicit BadRows(const FeedbackOptions& options)
      : max_(options.max_bad_rows), sink_(options.on_bad_row) {}

  // OK when the row may be skipped (counted in `*skipped`); else the error
  // the read fails with.
  absl::Status Skip(const absl::Status& error, int64_t* skipped) {
    if (seen_ >= max_) {
      if (max_ <= 0) return error;
      return absl::InvalidArgumentError(absl::StrCat(
          error.message(), " (more than max_bad_rows=", max_, " bad rows)"));
    }
    ++seen_;
    ++*skipped;
    if (sink_) sink_(error);
    return absl::OkStatus();
  }

 private:
  const int64_t max_;
  const std::function<void(const absl::Status&)>& sink_;
  int64_t seen_ = 0;
};

// Reads every row after the header, handing each to `parse`; a row `parse`
// rejects, or one of the wrong width, goes to `bad`.
template <typename Parse>
absl::Status ForEachRow(CsvReader* reader, BadRows* bad, int64_t* skipped,
                        Parse parse) {
  std::vector<std::string> fields;
  for (;;) {
    absl::StatusOr<bool> more = reader->Next(&fields);
    if (!more.ok()) {
      if (!reader->resumable()) return more.status();
      NBO_RETURN_IF_ERROR(bad->Skip(more.status(), skipped));
      continue;
    }
    if (!*more) return absl::OkStatus();
    for (std::string& field : fields) absl::StripAsciiWhitespace(&field);
    if (absl::Status row = parse(fields); !row.ok()) {
      NBO_RETURN_IF_ERROR(bad->Skip(absl::InvalidArgumentError(absl::StrCat(
                                        reader->Where(), ": ", row.message())),
                                    skipped));
    }
  }
}

absl::Status ReadCustomers(const std::string& path, BadRows* bad,
                           IdInterner* ids, BankData* data) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  NBO_ASSIGN_OR_RETURN(CsvHeader header,
                       CsvHeader::Read(reader.get(), "customer_id"));
  NBO_ASSIGN_OR_RETURN(const int id_column, header.Require("customer_id"));
  const int age_column = header.Find("age");
  const int income_column = header.Find("income");
  const int segment_column = header.Find("segment");
  const int score_column = header.Find("credit_score");
  std::vector<int> extra_columns;
  for (size_t i = 0; i < header.names().size(); ++i) {
    const int c = static_cast<int>(i);
    if (c == id_column || c == age_column || c == income_column ||
        c == segment_column || c == score_column) {
      continue;
    }
    extra_columns.push_back(c);
    data->attribute_names.push_back(header.names()[i]);
  }
  std::vector<int64_t> first_line;
  NBO_RETURN_IF_ERROR(ForEachRow(
      reader.get(), bad, &data->skipped_customer_rows,
      [&](const std::vector<std::string>& fields) -> absl::Status {
        Customer customer;
        customer.customer_id = fields[id_column];
        if (customer.customer_id.empty()) {
          return absl::InvalidArgumentError("empty customer_id");
        }
        if (const int32_t seen = ids->Find(customer.customer_id); seen >= 0) {
          return absl::InvalidArgumentError(
              // The id itself stays out: it is personal data, and the line
              // numbers locate it.
              absl::StrCat("duplicate customer_id (first at line ",
                           first_line[seen], ")"));
        }
        NBO_RETURN_IF_ERROR(
            ParseCount(Cell(fields, age_column), "age", &customer.age));
        NBO_RETURN_IF_ERROR(ParseAmount(Cell(fields, income_column), "income",
                                        &customer.income));
        NBO_RETURN_IF_ERROR(ParseCount(Cell(fields, score_column),
                                       "credit_score", &customer.credit_score));
        customer.segment = std::string(Cell(fields, segment_column));
        for (int c : extra_columns) customer.attributes.push_back(fields[c]);
        ids->Intern(customer.customer_id);
        first_line.push_back(reader->line());
        data->customers.push_back(std::move(customer));
        return absl::OkStatus();
      }));
  return absl::OkStatus();
}

absl::Status ReadProducts(const std::string& path, BadRows* bad,
                          IdInterner* ids, BankData* data) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  NBO_ASSIGN_OR_RETURN(ProductsCsvParser parser,
                       ProductsCsvParser::ReadHeader(reader.get()));
  NBO_RETURN_IF_ERROR(
      ForEachRow(reader.get(), bad, &data->skipped_product_rows,
                 [&](const std::vector<std::string>& fields) -> absl::Status {
                   NBO_ASSIGN_OR_RETURN(Product product,
                                        parser.Parse(fields, reader->line()));
                   ids->Intern(product.product_id);
                   data->products.push_back(std::move(product));
                   return absl::OkStatus();
                 }));
  if (data->products.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no products after the header"));
  }
  return absl::OkStatus();
}

absl::Status ReadTransactions(const BankDataOptions& options, BadRows* bad,
                              bool known_customers, IdInterner* customers,
                              const IdInterner& products, BankData* data) {
  const std::string& path = options.transactions_path;
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  NBO_ASSIGN_OR_RETURN(
      CsvHeader header,
      CsvHeader::Read(reader.get(), "customer_id,product_id,event,timestamp"));
  NBO_ASSIGN_OR_RETURN(const int customer_column,
                       header.Require("customer_id"));
  NBO_ASSIGN_OR_RETURN(const int product_column, header.Require("product_id"));
  NBO_ASSIGN_OR_RETURN(const int event_column, header.Require("event"));
  NBO_ASSIGN_OR_RETURN(const int time_column, header.Require("timestamp"));
  const int amount_column = header.Find("amount");
  return ForEachRow(
      reader.get(), bad, &data->skipped_transaction_rows,
      [&](const std::vector<std::string>& fields) -> absl::Status {
        const std::string& customer_id = fields[customer_column];
        const std::string& product_id = fields[product_column];
        if (customer_id.empty()) {
          return absl::InvalidArgumentError("empty customer_id");
        }
        int32_t customer = customers->Find(customer_id);
        if (customer < 0 && known_customers) {
          return absl::InvalidArgumentError(
              absl::StrCat("customer_id not in ", options.customers_path));
        }
        if (product_id.empty()) {
          return absl::InvalidArgumentError("empty product_id");
        }
        const int32_t product = products.Find(product_id);
        if (product < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("unknown product_id '", product_id, "' (not in ",
                           options.products_path, ")"));
        }
        NBO_ASSIGN_OR_RETURN(const Event event,
                             ParseEvent(fields[event_column]));
        NBO_ASSIGN_OR_RETURN(const int64_t seconds,
                             ParseTimestamp(fields[time_column]));
        if (seconds < options.min_unix_seconds ||
            seconds >= options.max_unix_seconds) {
          return absl::InvalidArgumentError(
              absl::StrCat("timestamp '", fields[time_column], "' is outside [",
                           FormatTimestamp(options.min_unix_seconds), ", ",
                           FormatTimestamp(options.max_unix_seconds), ")"));
        }
        std::optional<double> amount;
        NBO_RETURN_IF_ERROR(
            ParseAmount(Cell(fields, amount_column), "amount", &amount));
        if (customer < 0) customer = customers->Intern(customer_id);
        data->interactions.push_back(Interaction{
            seconds, customer, product, options.weights.Of(event), event});
        return absl::OkStatus();
      });
}

}  // namespace

absl::string_view EventName(Event event) {
  return kEventNames[static_cast<int>(event)];
}

absl::StatusOr<Event> ParseEvent(absl::string_view name) {
  for (size_t i = 0; i < std::size(kEventNames); ++i) {
    if (absl::EqualsIgnoreCase(name, kEventNames[i])) {
      return static_cast<Event>(i);
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown event '", name,
                   "' (known: ", absl::StrJoin(kEventNames, ", "), ")"));
}

bool IsOfferResponse(Event event) {
  return event == Event::kAccept || event == Event::kDecline;
}

float EventWeights::Of(Event event) const {
  const float* field = WeightField(this, event);
  if (field == nullptr) return 0;
  return event == Event::kDecline ? -*field : *field;
}

absl::Status ParseEventWeights(absl::string_view spec, EventWeights* weights) {
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    NBO_ASSIGN_OR_RETURN(const Event event,
                         ParseEvent(absl::StripAsciiWhitespace(kv.first)));
    float weight;
    if (!absl::SimpleAtof(absl::StripAsciiWhitespace(kv.second), &weight) ||
        !std::isfinite(weight) || weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("event weight '", item,
                       "' is not event=W with W a finite number >= 0"));
    }
    *WeightField(weights, event) = weight;
  }
  return absl::OkStatus();
}

std::string FormatEventWeights(const EventWeights& weights) {
  std::string spec;
  for (size_t i = 0; i < std::size(kEventNames); ++i) {
    absl::StrAppend(
        &spec, i == 0 ? "" : ",", kEventNames[i], "=",
        ShortestFloat(*WeightField(&weights, static_cast<Event>(i))));
  }
  return spec;
}

absl::StatusOr<int64_t> ParseTimestamp(absl::string_view text) {
  if (text.empty()) return BadTimestamp(text, "empty");
  const bool signed_number = text[0] == '-' || text[0] == '+';
  const bool numeric = std::all_of(text.begin() + signed_number, text.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) {
    int64_t seconds;
    if (text.size() == size_t{signed_number} ||
        !absl::SimpleAtoi(text, &seconds)) {
      return BadTimestamp(text, "not a 64-bit number of seconds");
    }
    return seconds;
  }
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!Digits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &day)) {
    return BadTimestamp(text, "no YYYY-MM-DD date");
  }
  if (!(Expect(text, &pos, 'T') || Expect(text, &pos, 't') ||
        Expect(text, &pos, ' ')) ||
      !Digits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &second)) {
    return BadTimestamp(text, "no THH:MM:SS time after the date");
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return BadTimestamp(text, "no such date");
  }
  // 60 allows a leap second, counted as the next second like POSIX does.
  if (hour > 23 || minute > 59 || second > 60) {
    return BadTimestamp(text, "no such time of day");
  }
  if (Expect(text, &pos, '.')) {
    const size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == digits_start) return BadTimestamp(text, "empty fraction");
  }
  int offset_seconds = 0;
  if (Expect(text, &pos, 'Z') || Expect(text, &pos, 'z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offset_hours, offset_minutes;
    if (!Digits(text, &pos, 2, &offset_hours) || !Expect(text, &pos, ':') ||
        !Digits(text, &pos, 2, &offset_minutes) || offset_hours > 23 ||
        offset_minutes > 59) {
      return BadTimestamp(text, "bad +hh:mm offset");
    }
    offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
  } else {
    return BadTimestamp(text, "no time zone (end with Z or +hh:mm)");
  }
  if (pos != text.size()) return BadTimestamp(text, "trailing characters");
  return DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
         second - offset_seconds;
}

std::string FormatTimestamp(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t rest = unix_seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                static_cast<long long>(year), month, day,
                static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60),
                static_cast<int>(rest % 60));
  return buffer;
}

int32_t IdInterner::Intern(absl::string_view id) {
  auto [it, inserted] =
      index_.try_emplace(id, static_cast<int32_t>(ids_.size()));
  if (inserted) ids_.emplace_back(id);
  return it->second;
}

int32_t IdInterner::Find(absl::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

std::vector<std::vector<int32_t>> BankData::Holdings() const {
  std::vector<size_t> order;
  for (size_t i = 0; i < interactions.size(); ++i) {
    const Event event = interactions[i].event;
    if (event == Event::kOpen || event == Event::kPurchase ||
        event == Event::kClose) {
      order.push_back(i);
    }
  }
  std::stable_sort(order.begin(), order.end(), [this](size_t a, size_t b) {
    const Interaction& x = interactions[a];
    const Interaction& y = interactions[b];
    if (x.customer != y.customer) return x.customer < y.customer;
    return x.unix_seconds < y.unix_seconds;
  });
  std::vector<std::vector<int32_t>> holdings(customer_ids.size());
  for (size_t i : order) {
    const Interaction& interaction = interactions[i];
    std::vector<int32_t>& held = holdings[interaction.customer];
    auto it = std::find(held.begin(), held.end(), interaction.product);
    if (interaction.event == Event::kClose) {
      if (it != held.end()) held.erase(it);
    } else if (it == held.end()) {
      held.push_back(interaction.product);
    }
  }
  for (std::vector<int32_t>& held : holdings)
    std::sort(held.begin(), held.end());
  return holdings;
}

absl::StatusOr<BankData> ReadBankData(const BankDataOptions& options) {
  if (options.products_path.empty() || options.transactions_path.empty()) {
    return absl::InvalidArgumentError(
        "products.csv and transactions.csv paths are required");
  }
  BankData data;
  BadRows bad(options);
  IdInterner customers;
  IdInterner products;
  const bool known_customers = !options.customers_path.empty();
  if (known_customers) {
    NBO_RETURN_IF_ERROR(
        ReadCustomers(options.customers_path, &bad, &customers, &data));
  }
  NBO_RETURN_IF_ERROR(
      ReadProducts(options.products_path, &bad, &products, &data));
  NBO_RETURN_IF_ERROR(ReadTransactions(options, &bad, known_customers,
                                       &customers, products, &data));
  data.customer_ids = customers.ids();
  return data;
}

std::string FeedbackCsvRow(absl::string_view customer_id,
                           absl::string_view product_id, Event event,
                           int64_t unix_seconds) {
  std::string row;
  AppendCsvField(customer_id, &row);
  row.push_back(',');
  AppendCsvField(product_id, &row);
  absl::StrAppend(&row, ",", EventName(event), ",",
                  FormatTimestamp(unix_seconds), "\n");
  return row;
}

absl::StatusOr<Feedback> ReadFeedback(const FeedbackOptions& options,
                                      const BankData& data) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("feedback file path is required");
  }
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(options.path));
  NBO_ASSIGN_OR_RETURN(
      CsvHeader header,
      CsvHeader::Read(reader.get(), "customer_id,product_id,event,timestamp"));
  NBO_ASSIGN_OR_RETURN(const int customer_column,
                       header.Require("customer_id"));
  NBO_ASSIGN_OR_RETURN(const int product_column, header.Require("product_id"));
  NBO_ASSIGN_OR_RETURN(const int event_column, header.Require("event"));
  NBO_ASSIGN_OR_RETURN(const int time_column, header.Require("timestamp"));
  IdInterner customers;
  for (const std::string& id : data.customer_ids) customers.Intern(id);
  IdInterner products;
  for (const Product& product : data.products) {
    products.Intern(product.product_id);
  }
  Feedback feedback;
  BadRows bad(options);
  NBO_RETURN_IF_ERROR(ForEachRow(
      reader.get(), &bad, &feedback.skipped_rows,
      [&](const std::vector<std::string>& fields) -> absl::Status {
        const std::string& customer_id = fields[customer_column];
        const std::string& product_id = fields[product_column];
        if (customer_id.empty()) {
          return absl::InvalidArgumentError("empty customer_id");
        }
        if (product_id.empty()) {
          return absl::InvalidArgumentError("empty product_id");
        }
        const std::string& event_name = fields[event_column];
        const bool impression =
            absl::EqualsIgnoreCase(event_name, "impression");
        Event event = Event::kAccept;
        if (!impression) {
          absl::StatusOr<Event> parsed = ParseEvent(event_name);
          if (!parsed.ok() || !IsOfferResponse(*parsed)) {
            return absl::InvalidArgumentError(
                absl::StrCat("event '", event_name,
                             "' is not feedback (want accept, decline or "
                             "impression)"));
          }
          event = *parsed;
        }
        NBO_ASSIGN_OR_RETURN(const int64_t seconds,
                             ParseTimestamp(fields[time_column]));
        if (seconds < options.min_unix_seconds ||
            seconds >= options.max_unix_seconds) {
          return absl::InvalidArgumentError(
              absl::StrCat("timestamp '", fields[time_column], "' is outside [",
                           FormatTimestamp(options.min_unix_seconds), ", ",
                           FormatTimestamp(options.max_unix_seconds), ")"));
        }
        if (impression) {
          ++feedback.impression_rows;
          return absl::OkStatus();
        }
        const int32_t customer = customers.Find(customer_id);
        if (customer < 0) {
          ++feedback.unknown_customer_rows;
          return absl::OkStatus();
        }
        const int32_t product = products.Find(product_id);
        if (product < 0) {
          ++feedback.unknown_product_rows;
          return absl::OkStatus();
        }
        feedback.interactions.push_back(Interaction{
            seconds, customer, product, options.weights.Of(event), event});
        return absl::OkStatus();
      }));
  return feedback;
}

}  // namespace nbo::data
