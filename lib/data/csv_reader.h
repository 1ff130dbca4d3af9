// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_DATA_CSV_READER_H_
#define NBO_LIB_DATA_CSV_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nbo::data {

// Reads an RFC 4180 CSV file one record at a time: fields separated by
// commas, records by LF or CRLF, fields optionally enclosed in double quotes,
// inside which commas, line breaks and doubled quotes ("") are literal.
// Blank lines are skipped. Memory is bounded by the longest record.
//
// A CsvReader owns its open file. It is not thread-safe.
class CsvReader {
 public:
  // Opens `path`. NOT_FOUND if it does not exist, INVALID_ARGUMENT if it
  // cannot be read as a file.
  static absl::StatusOr<std::unique_ptr<CsvReader>> Open(
      const std::string& path);

  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `*fields`. Returns true when a record was
  // read and false at the end of the file. INVALID_ARGUMENT, naming
  // "path:line", for an unterminated quoted field, a quote inside an
  // unquoted field, text after a closing quote, a bare carriage return, or a
  // record whose number of fields differs from the first record's (the
  // header's).
  absl::StatusOr<bool> Next(std::vector<std::string>* fields);

  // True when the last error from Next() concerned one whole record (its
  // field count), so that Next() may be called again to read the records
  // after it. Quoting errors leave the reader inside a record: not
  // resumable.
  bool resumable() const { return resumable_; }

  // The line on which the record last returned by Next() starts (1-based).
  int64_t line() const { return record_line_; }
  const std::string& path() const { return path_; }

  // "path:line" of the last record, the prefix of every error about it.
  std::string Where() const;

 private:
  CsvReader(std::string path, std::FILE* file);

  absl::Status Error(int64_t line, absl::string_view reason) const;

  const std::string path_;
  std::FILE* const file_;
  int64_t next_line_ = 1;
  int64_t record_line_ = 0;
  bool at_start_ = true;
  // Fields in the first record; 0 until it has been read.
  size_t header_width_ = 0;
  bool resumable_ = false;
};

// Appends `field` to `*out`, quoted when it holds a comma, a quote, a line
// break or leading or trailing spaces, so that CsvReader reads it back
// unchanged.
void AppendCsvField(absl::string_view field, std::string* out);

// A CSV file's header row: column name -> index, for files whose columns
// come in any order.
class CsvHeader {
 public:
  // Reads the header row of `reader` (names stripped of surrounding spaces).
  // INVALID_ARGUMENT, naming "path:line", for an empty file (the message
  // names `required_hint`, the columns the caller needs) or a column named
  // twice.
  static absl::StatusOr<CsvHeader> Read(CsvReader* reader,
                                        absl::string_view required_hint);

  // The column's index, or -1 when the file has none.
  int Find(absl::string_view name) const;

  // The column's index; INVALID_ARGUMENT naming the file and the columns
  // needed when the file has none.
  absl::StatusOr<int> Require(absl::string_view name) const;

  const std::vector<std::string>& names() const { return names_; }

 private:
  std::string where_;
  std::string required_hint_;
  absl::flat_hash_map<std::string, int> index_;
  std::vector<std::string> names_;
};

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_CSV_READER_H_
