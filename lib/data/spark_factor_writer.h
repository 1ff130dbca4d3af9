// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_DATA_SPARK_FACTOR_WRITER_H_
#define NBO_LIB_DATA_SPARK_FACTOR_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace nbo::data {

// Writes an ALS factor matrix in the layout Spark MLlib writes and
// SparkFactorReader reads: a directory of JSON-lines part files
// (part-00000-nbo-c000.json, part-00001-nbo-c000.json, ...), one row per
// line, {"id":...,"features":[...]}, and an empty _SUCCESS file once
// complete. Feature values keep six significant digits, as printf's %.6g.
//
// A SparkFactorWriter owns its open part file. It is not thread-safe.
class SparkFactorWriter {
 public:
  struct Options {
    // Rows per part file; a new part file starts once one holds this many.
    // Default: 1,000,000.
    int64_t rows_per_file = 1000000;

    // Bytes collected in memory before they are written to the file.
    // Default: 1 MiB.
    size_t buffer_bytes = 1 << 20;
  };

  // Creates `dir` (and its parents) when missing and removes what an earlier
  // run may have left there (part-* files, _SUCCESS and hidden .crc files),
  // so that stale parts are never read with new ones. INVALID_ARGUMENT if
  // rows_per_file < 1; INTERNAL on file system errors.
  static absl::StatusOr<std::unique_ptr<SparkFactorWriter>> Create(
      const std::string& dir, const Options& options);
  static absl::StatusOr<std::unique_ptr<SparkFactorWriter>> Create(
      const std::string& dir) {
    return Create(dir, Options());
  }

  // Without Close() the directory lacks _SUCCESS, the sign of an
  // incomplete write.
  ~SparkFactorWriter();
  SparkFactorWriter(const SparkFactorWriter&) = delete;
  SparkFactorWriter& operator=(const SparkFactorWriter&) = delete;

  // Appends one row with a string id (item rows, customer ids) or an
  // integer id (what Spark itself writes). INVALID_ARGUMENT for an empty id,
  // empty features or a non-finite value, and nothing is written;
  // FAILED_PRECONDITION after Close(); INTERNAL on write errors.
  absl::Status Append(absl::string_view id, absl::Span<const float> features);
  absl::Status Append(int64_t id, absl::Span<const float> features);

  // Writes out what is buffered, closes the last part file and creates
  // _SUCCESS. INTERNAL on write errors.
  absl::Status Close();

  int64_t rows_written() const { return rows_written_; }
  uint64_t bytes_written() const { return bytes_written_; }
  int part_files() const { return part_index_; }

 private:
  SparkFactorWriter(std::string dir, const Options& options);

  // OK if a row with `features` may be appended.
  absl::Status CheckRow(absl::Span<const float> features) const;
  // Appends the features array and the end of the line to buffer_, then
  // rolls to a new part file or flushes as needed.
  absl::Status FinishRow(absl::Span<const float> features);
  absl::Status Flush();
  absl::Status ClosePart();

  const std::string dir_;
  const Options options_;
  std::FILE* file_ = nullptr;
  std::string file_path_;
  std::string buffer_;
  int part_index_ = 0;  // Part files started so far.
  int64_t rows_in_part_ = 0;
  int64_t rows_written_ = 0;
  uint64_t bytes_written_ = 0;
  bool closed_ = false;
};

// Appends `value` to `*out` with six significant digits, exactly as
// printf("%.6g") would (so "0.125", "-3.14159", "1.5e-05"). The result is a
// valid JSON number. REQUIRES: `value` is finite.
void AppendFloat6(float value, std::string* out);

// Appends `text` to `*out` as a JSON string, quotes included.
void AppendJsonString(absl::string_view text, std::string* out);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_SPARK_FACTOR_WRITER_H_
