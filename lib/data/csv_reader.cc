// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/csv_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"

namespace nbo::data {
namespace {

// A UTF-8 byte order mark, which spreadsheet exports put before the header.
constexpr unsigned char kBom[] = {0xEF, 0xBB, 0xBF};

}  // namespace

absl::StatusOr<std::unique_ptr<CsvReader>> CsvReader::Open(
    const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot access: ", ec.message()));
  }
  if (!std::filesystem::exists(status)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a file"));
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  return std::unique_ptr<CsvReader>(new CsvReader(path, file));
}

CsvReader::CsvReader(std::string path, std::FILE* file)
    : path_(std::move(path)), file_(file) {}

CsvReader::~CsvReader() { std::fclose(file_); }

std::string CsvReader::Where() const {
  return absl::StrCat(path_, ":", record_line_);
}

absl::Status CsvReader::Error(int64_t line, absl::string_view reason) const {
  return absl::InvalidArgumentError(
      absl::StrCat(path_, ":", line, ": ", reason));
}

absl::StatusOr<bool> CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  resumable_ = false;
  if (at_start_) {
    at_start_ = false;
    int c0 = getc_unlocked(file_);
    if (c0 == kBom[0]) {
      int c1 = getc_unlocked(file_);
      int c2 = getc_unlocked(file_);
      if (c1 != kBom[1] || c2 != kBom[2]) {
        return Error(1, "invalid byte sequence at start of file");
      }
    } else if (c0 != EOF) {
      ungetc(c0, file_);
    }
  }
  int c = getc_unlocked(file_);
  // Skip blank lines between records.
  while (c == '\n' || c == '\r') {
    if (c == '\r') {
      if (getc_unlocked(file_) != '\n') {
        return Error(next_line_, "carriage return not followed by line feed");
      }
    }
    ++next_line_;
    c = getc_unlocked(file_);
  }
  if (c == EOF) {
    if (std::ferror(file_)) return Error(next_line_, "read error");
    return false;
  }
  record_line_ = next_line_;
  std::string field;
  bool quoted = false;     // The current field started with a quote.
  bool in_quotes = false;  // Inside the quotes of the current field.
  for (;; c = getc_unlocked(file_)) {
    if (in_quotes) {
      if (c == EOF) {
        return Error(record_line_, "unterminated quoted field");
      }
      if (c == '"') {
        int next = getc_unlocked(file_);
        if (next == '"') {
          field.push_back('"');
        } else {
          in_quotes = false;
          if (next != EOF) ungetc(next, file_);
        }
        continue;
      }
      if (c == '\n') ++next_line_;
      field.push_back(static_cast<char>(c));
      continue;
    }
    if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
      quoted = false;
      continue;
    }
    if (c == '\r') {
      if (getc_unlocked(file_) != '\n') {
        return Error(next_line_, "carriage return not followed by line feed");
      }
      c = '\n';
    }
    if (c == '\n' || c == EOF) {
      if (c == '\n') ++next_line_;
      if (c == EOF && std::ferror(file_)) {
        return Error(next_line_, "read error");
      }
      fields->push_back(std::move(field));
      // RFC 4180: every record has as many fields as the header (the first).
      if (header_width_ == 0) {
        header_width_ = fields->size();
      } else if (fields->size() != header_width_) {
        resumable_ = true;
        return Error(record_line_, absl::StrCat("row has ", fields->size(),
                                                " fields but the header has ",
                                                header_width_));
      }
      return true;
    }
    if (quoted) {
      return Error(next_line_,
                   absl::StrCat("unexpected character '",
                                std::string(1, static_cast<char>(c)),
                                "' after a closing quote"));
    }
    if (c == '"') {
      if (!field.empty()) {
        return Error(next_line_,
                     "quote inside an unquoted field (quote the whole field "
                     "and double the quote)");
      }
      quoted = true;
      in_quotes = true;
      continue;
    }
    field.push_back(static_cast<char>(c));
  }
}

void AppendCsvField(absl::string_view field, std::string* out) {
  bool needs_quotes =
      !field.empty() && (field.front() == ' ' || field.back() == ' ');
  for (char c : field) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') needs_quotes = true;
  }
  if (!needs_quotes) {
    out->append(field.data(), field.size());
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

absl::StatusOr<CsvHeader> CsvHeader::Read(CsvReader* reader,
                                          absl::string_view required_hint) {
  std::vector<std::string> fields;
  NBO_ASSIGN_OR_RETURN(bool has_header, reader->Next(&fields));
  if (!has_header) {
    return absl::InvalidArgumentError(absl::StrCat(
        reader->path(), ":1: empty file; expected a header row with ",
        required_hint));
  }
  CsvHeader header;
  header.where_ = reader->Where();
  header.required_hint_ = std::string(required_hint);
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string name(absl::StripAsciiWhitespace(fields[i]));
    if (!header.index_.emplace(name, static_cast<int>(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          header.where_, ": column '", name, "' appears twice in the header"));
    }
    header.names_.push_back(std::move(name));
  }
  return header;
}

int CsvHeader::Find(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

absl::StatusOr<int> CsvHeader::Require(absl::string_view name) const {
  const int index = Find(name);
  if (index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where_, ": header lacks column '", name, "' (need ",
                     required_hint_, ")"));
  }
  return index;
}

}  // namespace nbo::data
