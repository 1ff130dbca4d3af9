// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Streaming readers that turn the bank's customers.csv and transactions.csv
// (the layout lib/data/bank_data.h describes) into the CustomerProfile and
// Transaction messages IngestService takes, one row at a time, so that
// `nboctl ingest` sends files of any size in bounded memory.
//
// The readers check syntax only: a number that does not parse, an unknown
// event, a timestamp that is not ISO-8601 or unix seconds. Ranges and ids
// (age 0..150, a product of the catalog, ...) are the server's to judge; it
// answers them per record in `rejected`.

#ifndef NBO_TOOLS_NBOCTL_INGEST_READER_H_
#define NBO_TOOLS_NBOCTL_INGEST_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/data/csv_reader.h"
#include "nbo/v1/customer.pb.h"

namespace nbo::nboctl {

// Maps the index of a record in the order it was sent (0-based) to the line
// of the file it came from. Records usually sit one per line; only the
// places where that stops (blank lines, quoted line breaks) are stored, so
// memory stays small for any file. Not thread-safe.
class LineMap {
 public:
  // Records that record number size() starts on `line`.
  // REQUIRES: `line` is greater than the line of the previous record.
  void Add(int64_t line);

  // The line of record `index`, or -1 when no such record was added.
  int64_t LineOf(int64_t index) const;

  int64_t size() const { return size_; }

 private:
  // (first index, line - index) for each run of records with the same
  // offset; sorted by index.
  std::vector<std::pair<int64_t, int64_t>> runs_;
  int64_t size_ = 0;
};

// Reads customers.csv: a header with customer_id and, optionally, age,
// income, segment, credit_score and kyc_verified; every other column becomes
// an entry of CustomerProfile.attributes (empty cells are left out). Header
// names and cells are stripped of surrounding spaces. updated_time is left
// for the server to set.
//
// A CustomerCsvReader owns its file. It is not thread-safe.
class CustomerCsvReader {
 public:
  // Opens `path` and reads its header. NOT_FOUND if the file does not
  // exist; INVALID_ARGUMENT, naming "path:line", for an empty file, a header
  // without customer_id or with a column named twice.
  static absl::StatusOr<std::unique_ptr<CustomerCsvReader>> Open(
      const std::string& path);

  // Reads the next row into `*profile` (cleared first). Returns true when a
  // row was read and false at the end of the file. INVALID_ARGUMENT, naming
  // "path:line", for a row of the wrong width, broken quoting, an empty
  // customer_id, an age or credit_score that is not an integer, an income
  // that is not a finite number, or a kyc_verified other than
  // true/false/1/0/yes/no.
  absl::StatusOr<bool> Next(v1::CustomerProfile* profile);

  // The line the row last returned by Next() starts on.
  int64_t line() const { return csv_->line(); }
  const std::string& path() const { return csv_->path(); }

  // Names of the columns that become attributes, in file order.
  const std::vector<std::string>& attribute_names() const {
    return attribute_names_;
  }

 private:
  explicit CustomerCsvReader(std::unique_ptr<data::CsvReader> csv);

  std::unique_ptr<data::CsvReader> csv_;
  int id_ = -1;
  int age_ = -1;
  int income_ = -1;
  int segment_ = -1;
  int credit_score_ = -1;
  int kyc_ = -1;
  // (column, name) of the attribute columns.
  std::vector<std::pair<int, std::string>> attributes_;
  std::vector<std::string> attribute_names_;
  std::vector<std::string> fields_;
};

// Reads transactions.csv: a header with customer_id, product_id, event and
// timestamp, optionally amount and transaction_id; other columns are
// ignored. Rows whose event answers an offer (accept, decline: what
// `nboctl export-feedback` writes into the same format) are feedback rather
// than transactions; they are skipped and counted.
//
// Every transaction gets a transaction_id, so that sending the file again
// applies nothing twice: the file's own when it has the column and the cell
// is set, else TransactionIdFor() of its line and content.
//
// A TransactionCsvReader owns its file. It is not thread-safe.
class TransactionCsvReader {
 public:
  // Opens `path` and reads its header. NOT_FOUND if the file does not
  // exist; INVALID_ARGUMENT, naming "path:line", for an empty file, a header
  // lacking one of the four required columns or naming one twice.
  static absl::StatusOr<std::unique_ptr<TransactionCsvReader>> Open(
      const std::string& path);

  // Reads the next transaction into `*transaction` (cleared first). Returns
  // true when one was read and false at the end of the file.
  // INVALID_ARGUMENT, naming "path:line", for a row of the wrong width,
  // broken quoting, an empty customer_id or product_id, an unknown event, a
  // timestamp that does not parse, or an amount that is not a finite number.
  absl::StatusOr<bool> Next(v1::Transaction* transaction);

  // The line the row last returned by Next() starts on.
  int64_t line() const { return csv_->line(); }
  const std::string& path() const { return csv_->path(); }

  // Rows skipped because they answer an offer (accept, decline).
  int64_t skipped_offer_answers() const { return skipped_offer_answers_; }

 private:
  explicit TransactionCsvReader(std::unique_ptr<data::CsvReader> csv);

  std::unique_ptr<data::CsvReader> csv_;
  int customer_ = -1;
  int product_ = -1;
  int event_ = -1;
  int timestamp_ = -1;
  int amount_ = -1;
  int transaction_id_ = -1;
  int64_t skipped_offer_answers_ = 0;
  std::vector<std::string> fields_;
};

// The transaction_id of a row of transactions.csv that has none: "L<line>-"
// and 12 hex digits of a stable hash of the row's content, e.g.
// "L42-3f9a0c1b2d4e". The same row on the same line always gets the same id
// (a re-run is idempotent); identical rows on two lines stay two
// transactions; and another file's row on the same line only collides if it
// is the same transaction.
std::string TransactionIdFor(int64_t line, absl::string_view customer_id,
                             absl::string_view product_id,
                             absl::string_view event, int64_t unix_seconds,
                             double amount);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_INGEST_READER_H_
