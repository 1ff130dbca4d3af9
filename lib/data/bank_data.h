// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The bank's own data, as the trainer reads it: three CSV files with a
// header row, columns in any order, extra columns allowed.
//
//   customers.csv (optional)
//     customer_id,age,income,segment,credit_score[,more...]
//     C0000001,34,52000,mass,690,north
//   products.csv (its columns: products_csv.h)
//     product_id,name,category[,business_value][,eligibility...]
//     P02,Gold Credit Card,cards,2.5,21,,15000,mass;affluent,620,true
//   transactions.csv
//     customer_id,product_id,event,timestamp[,amount]
//     C0000001,P02,view,2024-03-01T10:00:00Z,
//     C0000001,P02,open,1709287200,1500.00
//
// Only customer_id is required in customers.csv and product_id, name and
// category in products.csv; a missing column or an empty cell leaves the
// value unset. products.csv's rows are read by ProductsCsvParser, so the
// trainer and nboctl accept the same catalogs. Timestamps are
// ISO-8601 (2024-03-01T10:00:00Z, fractions and +hh:mm offsets allowed) or
// unix seconds. Events are view, apply, purchase, open and close, and the
// answers to an offer, accept and decline (what nbo-server's RecordFeedback
// records and `nboctl export-feedback` writes in this same format).
//
// Reading is strict and streaming: each transaction becomes a 24-byte
// Interaction over dense customer and product indices, so memory grows with
// the number of interactions and customers, not with the size of the files.
// Every malformed row is an INVALID_ARGUMENT naming "path:line" and the
// reason; the read fails at the first one unless max_bad_rows allows
// skipping it.

#ifndef NBO_LIB_DATA_BANK_DATA_H_
#define NBO_LIB_DATA_BANK_DATA_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/data/product.h"

namespace nbo::data {

// What a customer did with a product.
enum class Event : uint8_t {
  kView = 0,
  kApply = 1,
  kPurchase = 2,
  kOpen = 3,
  // Ends the holding a purchase or open started.
  kClose = 4,
  // The customer accepted an offer of the product. Says nothing about
  // holdings: the open or purchase that may follow is its own event.
  kAccept = 5,
  // The customer declined an offer of the product: negative preference.
  kDecline = 6,
};

// Whether `event` answers an offer (kAccept, kDecline) rather than being
// something the customer did with the product on their own. Offer answers
// train the model but are never what a customer "took" in evaluation.
bool IsOfferResponse(Event event);

// "view" for Event::kView, and so on.
absl::string_view EventName(Event event);

// The event named `name` (ASCII case ignored). INVALID_ARGUMENT, listing the
// known names, for any other.
absl::StatusOr<Event> ParseEvent(absl::string_view name);

// How much each event says about a customer's preference: the implicit
// feedback r_ui of implicit ALS, whose confidence is 1 + alpha * |r| and
// whose preference is 1 when r > 0 and 0 otherwise. Every field is a
// magnitude (>= 0); the sign comes from the event: Of() is the signed
// weight, negative for kDecline only, and is the one place that sign is
// decided (Interaction::weight is Of(event)).
struct EventWeights {
  // Default: 1.
  float view = 1;
  // Default: 2.
  float apply = 2;
  // Default: 5.
  float purchase = 5;
  // Default: 5.
  float open = 5;
  // Default: 0 (a close says nothing for or against; it ends the holding).
  float close = 0;
  // An accepted offer: interest, but weaker than the product itself.
  // Default: 2.
  float accept = 2;
  // A declined offer, as a magnitude: Of(kDecline) is -decline.
  // Default: 5.
  float decline = 5;

  // The signed weight r of `event`: the field for `event`, negated for
  // kDecline. So Of() >= 0 for every event but kDecline, and Of(kDecline)
  // <= 0.
  float Of(Event event) const;
};

// Parses "view=1,apply=2.5" into `*weights`, changing only the events named.
// Weights are magnitudes, "decline=5" included. INVALID_ARGUMENT for an
// unknown event or a weight that is not a finite number >= 0.
absl::Status ParseEventWeights(absl::string_view spec, EventWeights* weights);

// Every weight as the spec ParseEventWeights reads back into the same
// weights: "view=1,apply=2,purchase=5,open=5,close=0,accept=2,decline=5"
// for the defaults (magnitudes, in Event order, shortest round-tripping
// decimal).
std::string FormatEventWeights(const EventWeights& weights);

// Seconds since the Unix epoch for `text`: ISO-8601 with a date, 'T', a
// time, optional fraction (dropped) and 'Z' or a +hh:mm / -hh:mm offset, or
// a plain (optionally signed) integer of seconds. INVALID_ARGUMENT, saying
// why, for anything else, including impossible dates like 2023-02-29.
absl::StatusOr<int64_t> ParseTimestamp(absl::string_view text);

// "2024-03-01T10:00:00Z" for 1709287200: what ParseTimestamp reads back.
std::string FormatTimestamp(int64_t unix_seconds);

// One row of customers.csv.
struct Customer {
  std::string customer_id;
  std::optional<int> age;
  std::optional<double> income;
  // Empty when unknown.
  std::string segment;
  std::optional<int> credit_score;
  // Values of the file's other columns, in BankData::attribute_names order.
  std::vector<std::string> attributes;
};

// One transaction row, interned. Ordered as in the file.
struct Interaction {
  int64_t unix_seconds;
  // Index into BankData::customer_ids.
  int32_t customer;
  // Index into BankData::products.
  int32_t product;
  // EventWeights::Of(event): negative for a decline.
  float weight;
  Event event;
};

// Assigns dense indices 0, 1, 2... to string ids in order of first sight.
// Not thread-safe.
class IdInterner {
 public:
  // The index of `id`, adding it if new.
  int32_t Intern(absl::string_view id);
  // The index of `id`, or -1 when it has not been interned.
  int32_t Find(absl::string_view id) const;
  const std::vector<std::string>& ids() const { return ids_; }
  size_t size() const { return ids_.size(); }

 private:
  absl::flat_hash_map<std::string, int32_t> index_;
  std::vector<std::string> ids_;
};

// Where the files are and how strict to be.
struct BankDataOptions {
  // customers.csv. When set, transactions of customers not in it are bad
  // rows; when empty, customers are the ones transactions name.
  // Default: "" (none).
  std::string customers_path;
  // products.csv; required. Transactions of other products are bad rows.
  std::string products_path;
  // transactions.csv; required.
  std::string transactions_path;

  EventWeights weights;

  // Malformed rows, over all three files, to skip before failing. Header
  // problems, unreadable files and broken quoting always fail.
  // Default: 0 (the first bad row fails the read).
  int64_t max_bad_rows = 0;

  // Timestamps outside [min_unix_seconds, max_unix_seconds) are bad rows;
  // the default range catches milliseconds written as seconds.
  // Default: 1970-01-01T00:00:00Z .. 2100-01-01T00:00:00Z.
  int64_t min_unix_seconds = 0;
  int64_t max_unix_seconds = 4102444800;

  // Called with each skipped row's error, when set.
  // Default: none.
  std::function<void(const absl::Status&)> on_bad_row;
};

// What a trainer needs from the bank's files. Indices are dense: customer i
// is customer_ids[i] (and customers[i] when customers.csv was read), product
// p is products[p].
struct BankData {
  std::vector<std::string> customer_ids;
  // Empty when no customers.csv was given; else parallel to customer_ids,
  // which then lists every customer of the file, with or without
  // transactions.
  std::vector<Customer> customers;
  // Names of customers.csv's columns beyond the known ones.
  std::vector<std::string> attribute_names;
  std::vector<Product> products;
  std::vector<Interaction> interactions;

  // Bad rows skipped under max_bad_rows, per file.
  int64_t skipped_customer_rows = 0;
  int64_t skipped_product_rows = 0;
  int64_t skipped_transaction_rows = 0;
  int64_t skipped_rows() const {
    return skipped_customer_rows + skipped_product_rows +
           skipped_transaction_rows;
  }

  // For each customer, the products held after the last interaction: opened
  // or purchased and not closed since (in timestamp order). Sorted indices.
  // Offer answers (accept, decline) do not change holdings.
  std::vector<std::vector<int32_t>> Holdings() const;
};

// Reads the files named by `options`. NOT_FOUND if a named file does not
// exist. INVALID_ARGUMENT, naming "path:line" and the reason, for a missing
// header or required column, a column named twice, broken quoting, a
// products.csv with no products, or more than max_bad_rows bad rows. A bad
// row is one with the wrong number of fields; an empty or duplicate key; a
// number that does not parse or is negative (age, income, credit score,
// amount); a products.csv row ProductsCsvParser refuses; an unknown event,
// customer or product; or a timestamp that does not parse or lies outside
// the configured range.
absl::StatusOr<BankData> ReadBankData(const BankDataOptions& options);

// Offer answers, as `nboctl export-feedback` writes them from nbo-server's
// RecordFeedback log and `nbo-trainer train --feedback_path` reads them:
// transactions.csv's format (customer_id,product_id,event,timestamp, other
// columns ignored) with events accept, decline and impression.
//
//   customer_id,product_id,event,timestamp
//   C0000001,P02,decline,2024-03-01T10:00:00Z

// The header row of a feedback file, line break included.
inline constexpr char kFeedbackCsvHeader[] =
    "customer_id,product_id,event,timestamp\n";

// One row of a feedback file, line break included: the ids quoted as CSV
// needs, the event's name and FormatTimestamp(unix_seconds).
// REQUIRES: IsOfferResponse(event).
std::string FeedbackCsvRow(absl::string_view customer_id,
                           absl::string_view product_id, Event event,
                           int64_t unix_seconds);

// Where a feedback file is and how strict to be.
struct FeedbackOptions {
  // The feedback file; required.
  std::string path;

  // An accept weighs weights.Of(kAccept), a decline weights.Of(kDecline)
  // (negative).
  // Default: EventWeights{} (accept 2, decline -5).
  EventWeights weights;

  // Malformed rows to skip before failing (see ReadFeedback). Rows of
  // unknown customers or products are not malformed: they are always
  // skipped, and counted apart.
  // Default: 0 (the first malformed row fails the read).
  int64_t max_bad_rows = 0;

  // Timestamps outside [min_unix_seconds, max_unix_seconds) are bad rows.
  // Default: 1970-01-01T00:00:00Z .. 2100-01-01T00:00:00Z.
  int64_t min_unix_seconds = 0;
  int64_t max_unix_seconds = 4102444800;

  // Called with each skipped malformed row's error, when set.
  // Default: none.
  std::function<void(const absl::Status&)> on_bad_row;
};

// A feedback file, mapped onto a BankData's indices.
struct Feedback {
  // The accept and decline rows of customers and products the bank data
  // knows, in file order.
  std::vector<Interaction> interactions;
  // Impression rows: read and ignored (being shown an offer says nothing
  // about wanting it).
  int64_t impression_rows = 0;
  // Rows naming a customer or product the bank data does not know (a
  // customer with no transactions, a retired product): skipped. A row with
  // both unknown counts as an unknown customer.
  int64_t unknown_customer_rows = 0;
  int64_t unknown_product_rows = 0;
  // Malformed rows skipped under max_bad_rows.
  int64_t skipped_rows = 0;
};

// Reads the feedback file options.path against `data`'s customers and
// products. NOT_FOUND if the file does not exist. INVALID_ARGUMENT, naming
// "path:line" and the reason, for a missing header or required column,
// broken quoting, or more than max_bad_rows malformed rows: the wrong number
// of fields, an empty id, an event other than accept, decline or impression,
// or a timestamp that does not parse or lies outside the configured range.
absl::StatusOr<Feedback> ReadFeedback(const FeedbackOptions& options,
                                      const BankData& data);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_BANK_DATA_H_
