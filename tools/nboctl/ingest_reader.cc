// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/ingest_reader.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/stable_hash.h"
#include "lib/common/status_macros.h"
#include "lib/data/bank_data.h"

namespace nbo::nboctl {
namespace {

// Reads the next record of `csv` into `*fields`, stripped of surrounding
// spaces. Errors already name "path:line".
absl::StatusOr<bool> NextRow(data::CsvReader* csv,
                             std::vector<std::string>* fields) {
  NBO_ASSIGN_OR_RETURN(const bool more, csv->Next(fields));
  if (more) {
    for (std::string& field : *fields) absl::StripAsciiWhitespace(&field);
  }
  return more;
}

absl::string_view Cell(const std::vector<std::string>& fields, int column) {
  return column < 0 ? absl::string_view() : absl::string_view(fields[column]);
}

absl::Status RowError(const data::CsvReader& csv, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(csv.Where(), ": ", reason));
}

}  // namespace

void LineMap::Add(int64_t line) {
  const int64_t offset = line - size_;
  if (runs_.empty() || runs_.back().second != offset) {
    runs_.emplace_back(size_, offset);
  }
  ++size_;
}

int64_t LineMap::LineOf(int64_t index) const {
  if (index < 0 || index >= size_) return -1;
  // The last run starting at or before `index`.
  auto it =
      std::upper_bound(runs_.begin(), runs_.end(), index,
                       [](int64_t i, const std::pair<int64_t, int64_t>& run) {
                         return i < run.first;
                       });
  return index + std::prev(it)->second;
}

CustomerCsvReader::CustomerCsvReader(std::unique_ptr<data::CsvReader> csv)
    : csv_(std::move(csv)) {}

absl::StatusOr<std::unique_ptr<CustomerCsvReader>> CustomerCsvReader::Open(
    const std::string& path) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<data::CsvReader> csv,
                       data::CsvReader::Open(path));
  NBO_ASSIGN_OR_RETURN(const data::CsvHeader header,
                       data::CsvHeader::Read(csv.get(), "customer_id"));
  std::unique_ptr<CustomerCsvReader> reader(
      new CustomerCsvReader(std::move(csv)));
  NBO_ASSIGN_OR_RETURN(reader->id_, header.Require("customer_id"));
  reader->age_ = header.Find("age");
  reader->income_ = header.Find("income");
  reader->segment_ = header.Find("segment");
  reader->credit_score_ = header.Find("credit_score");
  reader->kyc_ = header.Find("kyc_verified");
  for (size_t i = 0; i < header.names().size(); ++i) {
    const int c = static_cast<int>(i);
    if (c == reader->id_ || c == reader->age_ || c == reader->income_ ||
        c == reader->segment_ || c == reader->credit_score_ ||
        c == reader->kyc_) {
      continue;
    }
    reader->attributes_.emplace_back(c, header.names()[i]);
    reader->attribute_names_.push_back(header.names()[i]);
  }
  return reader;
}

absl::StatusOr<bool> CustomerCsvReader::Next(v1::CustomerProfile* profile) {
  profile->Clear();
  NBO_ASSIGN_OR_RETURN(const bool more, NextRow(csv_.get(), &fields_));
  if (!more) return false;
  const absl::string_view id = Cell(fields_, id_);
  if (id.empty()) return RowError(*csv_, "empty customer_id");
  profile->set_customer_id(std::string(id));
  if (const absl::string_view age = Cell(fields_, age_); !age.empty()) {
    int value;
    if (!absl::SimpleAtoi(age, &value)) {
      return RowError(*csv_, absl::StrCat("age '", age, "' is not an integer"));
    }
    profile->set_age(value);
  }
  if (const absl::string_view income = Cell(fields_, income_);
      !income.empty()) {
    double value;
    if (!absl::SimpleAtod(income, &value) || !std::isfinite(value)) {
      return RowError(
          *csv_, absl::StrCat("income '", income, "' is not a finite number"));
    }
    profile->set_income(value);
  }
  if (const absl::string_view segment = Cell(fields_, segment_);
      !segment.empty()) {
    profile->set_segment(std::string(segment));
  }
  if (const absl::string_view score = Cell(fields_, credit_score_);
      !score.empty()) {
    int value;
    if (!absl::SimpleAtoi(score, &value)) {
      return RowError(
          *csv_, absl::StrCat("credit_score '", score, "' is not an integer"));
    }
    profile->set_credit_score(value);
  }
  if (const absl::string_view kyc = Cell(fields_, kyc_); !kyc.empty()) {
    const std::string lower = absl::AsciiStrToLower(kyc);
    if (lower == "true" || lower == "1" || lower == "yes") {
      profile->set_kyc_verified(true);
    } else if (lower == "false" || lower == "0" || lower == "no") {
      profile->set_kyc_verified(false);
    } else {
      return RowError(*csv_, absl::StrCat("kyc_verified '", kyc,
                                          "' is not true/false/1/0/yes/no"));
    }
  }
  auto* attributes = profile->mutable_attributes();
  for (const auto& [column, name] : attributes_) {
    if (!fields_[column].empty()) (*attributes)[name] = fields_[column];
  }
  return true;
}

TransactionCsvReader::TransactionCsvReader(std::unique_ptr<data::CsvReader> csv)
    : csv_(std::move(csv)) {}

absl::StatusOr<std::unique_ptr<TransactionCsvReader>>
TransactionCsvReader::Open(const std::string& path) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<data::CsvReader> csv,
                       data::CsvReader::Open(path));
  NBO_ASSIGN_OR_RETURN(
      const data::CsvHeader header,
      data::CsvHeader::Read(csv.get(),
                            "customer_id,product_id,event,timestamp"));
  std::unique_ptr<TransactionCsvReader> reader(
      new TransactionCsvReader(std::move(csv)));
  NBO_ASSIGN_OR_RETURN(reader->customer_, header.Require("customer_id"));
  NBO_ASSIGN_OR_RETURN(reader->product_, header.Require("product_id"));
  NBO_ASSIGN_OR_RETURN(reader->event_, header.Require("event"));
  NBO_ASSIGN_OR_RETURN(reader->timestamp_, header.Require("timestamp"));
  reader->amount_ = header.Find("amount");
  reader->transaction_id_ = header.Find("transaction_id");
  return reader;
}

absl::StatusOr<bool> TransactionCsvReader::Next(v1::Transaction* transaction) {
  transaction->Clear();
  for (;;) {
    NBO_ASSIGN_OR_RETURN(const bool more, NextRow(csv_.get(), &fields_));
    if (!more) return false;
    const absl::string_view customer = Cell(fields_, customer_);
    const absl::string_view product = Cell(fields_, product_);
    if (customer.empty()) return RowError(*csv_, "empty customer_id");
    if (product.empty()) return RowError(*csv_, "empty product_id");
    absl::StatusOr<data::Event> event = data::ParseEvent(Cell(fields_, event_));
    if (!event.ok()) return RowError(*csv_, event.status().message());
    v1::TransactionEvent proto_event;
    switch (*event) {
      case data::Event::kView:
        proto_event = v1::TRANSACTION_EVENT_VIEW;
        break;
      case data::Event::kApply:
        proto_event = v1::TRANSACTION_EVENT_APPLY;
        break;
      case data::Event::kPurchase:
        proto_event = v1::TRANSACTION_EVENT_PURCHASE;
        break;
      case data::Event::kOpen:
        proto_event = v1::TRANSACTION_EVENT_OPEN;
        break;
      case data::Event::kClose:
        proto_event = v1::TRANSACTION_EVENT_CLOSE;
        break;
      default:
        // An answer to an offer: feedback, which RecordFeedback records
        // against its decision, not a transaction.
        proto_event = v1::TRANSACTION_EVENT_UNSPECIFIED;
        break;
    }
    absl::StatusOr<int64_t> seconds =
        data::ParseTimestamp(Cell(fields_, timestamp_));
    if (!seconds.ok()) return RowError(*csv_, seconds.status().message());
    double amount = 0;
    if (const absl::string_view cell = Cell(fields_, amount_); !cell.empty()) {
      if (!absl::SimpleAtod(cell, &amount) || !std::isfinite(amount)) {
        return RowError(
            *csv_, absl::StrCat("amount '", cell, "' is not a finite number"));
      }
    }
    if (proto_event == v1::TRANSACTION_EVENT_UNSPECIFIED) {
      ++skipped_offer_answers_;
      continue;
    }
    transaction->set_customer_id(std::string(customer));
    transaction->set_product_id(std::string(product));
    transaction->set_event(proto_event);
    transaction->mutable_timestamp()->set_seconds(*seconds);
    transaction->set_amount(amount);
    const absl::string_view id = Cell(fields_, transaction_id_);
    transaction->set_transaction_id(
        !id.empty()
            ? std::string(id)
            : TransactionIdFor(csv_->line(), customer, product,
                               data::EventName(*event), *seconds, amount));
    return true;
  }
}

std::string TransactionIdFor(int64_t line, absl::string_view customer_id,
                             absl::string_view product_id,
                             absl::string_view event, int64_t unix_seconds,
                             double amount) {
  // The unit separator cannot occur in a CSV cell we would hash ambiguously
  // with: "a" + "bc" and "ab" + "c" stay apart.
  const std::string content =
      absl::StrCat(customer_id, "\x1f", product_id, "\x1f", event, "\x1f",
                   unix_seconds, "\x1f", absl::StrFormat("%.17g", amount));
  const uint64_t hash = common::StableHash("nboctl.transaction", content);
  return absl::StrFormat("L%d-%012x", line, hash >> 16);
}

}  // namespace nbo::nboctl
