// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_DATA_SPARK_FACTOR_READER_H_
#define NBO_LIB_DATA_SPARK_FACTOR_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/data/factor_row.h"
#include "lib/data/id_map.h"

namespace nbo::data {

// Streams the rows of an ALS factor matrix in the layout Spark MLlib writes
// with `model.userFactors.write.json(dir)`: a directory of JSON-lines part
// files, one object per line,
//
//   {"id":123,"features":[0.1,-0.2,...]}
//
// Ids may be integers (what Spark writes) or strings. A directory is read
// part file by part file in sorted name order; files whose names start with
// '_' or '.' (_SUCCESS, .part-00000-....json.crc) and files ending in .crc
// are skipped, as Hadoop does. A single file may also be opened directly.
//
// Parsing is strict: every line must be one JSON object holding exactly the
// keys "id" and "features"; features must be finite numbers that fit a
// float, and every row must have the same number of them. Blank lines are
// skipped. Memory use is bounded by the read buffer and the longest line,
// not by the size of the input.
//
// A SparkFactorReader owns its open file. It is not thread-safe; one thread
// drives it.
class SparkFactorReader {
 public:
  struct Options {
    // Translates integer ids to the bank's customer ids. An integer id
    // missing from the map is an error; string ids pass through unchanged.
    // Not owned; must outlive the reader.
    // Default: nullptr (ids are kept as read).
    const IdMap* id_map = nullptr;

    // Number of features every row must have, e.g. the rank of the item
    // factors when reading user factors.
    // Default: 0 (the first row decides).
    int expected_rank = 0;

    // Where expected_rank comes from ("the rank of itemFactors/"), named in
    // errors about rows of another length.
    // Default: empty.
    std::string expected_rank_origin;

    // Bytes read from the file at a time.
    // Default: 1 MiB.
    size_t buffer_bytes = 1 << 20;

    // Lines longer than this are rejected rather than buffered.
    // Default: 64 MiB.
    size_t max_line_bytes = 64 << 20;
  };

  // Opens `path`, a part file or a directory of part files.
  // NOT_FOUND if `path` does not exist or a directory holds no part files;
  // INVALID_ARGUMENT if it is neither a file nor a directory, or a part file
  // is compressed (Spark's compression option must be "none").
  static absl::StatusOr<std::unique_ptr<SparkFactorReader>> Open(
      const std::string& path, const Options& options);
  static absl::StatusOr<std::unique_ptr<SparkFactorReader>> Open(
      const std::string& path) {
    return Open(path, Options());
  }

  ~SparkFactorReader();
  SparkFactorReader(const SparkFactorReader&) = delete;
  SparkFactorReader& operator=(const SparkFactorReader&) = delete;

  // Reads the next row into `*row`, reusing its storage. Returns true when a
  // row was read and false after the last row of the last file.
  // INVALID_ARGUMENT, naming "file:line" and the reason, for a malformed
  // line, a NaN or infinite feature, a feature count different from the
  // rank, or an integer id missing from the id map. INTERNAL for a read
  // error. After an error the reader stays failed.
  absl::StatusOr<bool> Next(FactorRow* row);

  // The number of features per row: Options::expected_rank, or that of the
  // first row once read; 0 before.
  int rank() const { return rank_; }
  // Rows returned by Next() so far.
  int64_t rows_read() const { return rows_read_; }
  // Input bytes consumed so far, and the total size of all part files, for
  // progress reports.
  uint64_t bytes_read() const { return bytes_done_ + buffer_consumed_; }
  uint64_t total_bytes() const { return total_bytes_; }
  // The part files, in reading order.
  const std::vector<std::string>& files() const { return files_; }
  // "file:line" of the row Next() last returned, for callers' own errors
  // about it (a duplicate id, say).
  std::string Where() const;

 private:
  SparkFactorReader(std::vector<std::string> files, uint64_t total_bytes,
                    const Options& options);

  // Sets `*line` to the next line of the current file without its line
  // break; false at the end of the file.
  absl::StatusOr<bool> NextLine(absl::string_view* line);
  absl::Status OpenFile(size_t index);
  // Parses one line into `*row`; the error carries only the reason.
  absl::Status ParseLine(absl::string_view line, FactorRow* row);
  // Records `status` (not OK) as the reader's final state and returns it.
  absl::Status Fail(absl::Status status);

  const std::vector<std::string> files_;
  const uint64_t total_bytes_;
  const Options options_;

  size_t file_index_ = 0;
  std::FILE* file_ = nullptr;
  bool file_eof_ = false;
  int64_t line_number_ = 0;
  std::vector<char> buffer_;
  size_t buffer_begin_ = 0;       // First unconsumed byte.
  size_t buffer_end_ = 0;         // One past the last valid byte.
  uint64_t bytes_done_ = 0;       // Bytes of the files already finished.
  uint64_t buffer_consumed_ = 0;  // Bytes of the current file consumed.

  int rank_ = 0;
  // Where the rank came from, for error messages.
  std::string rank_origin_;
  int64_t rows_read_ = 0;
  absl::Status status_;
};

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_SPARK_FACTOR_READER_H_
