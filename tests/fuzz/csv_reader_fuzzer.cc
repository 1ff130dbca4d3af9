// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fuzzes CsvReader, the RFC 4180 reader under every CSV file nbo reads, and
// the id map (spark_id,customer_id) read through it. Properties, besides no
// crash, leak or undefined behaviour:
//   - a resumable error leaves the reader able to go on, a quoting error
//     ends the file;
//   - the records read back unchanged after AppendCsvField writes them (the
//     writer every CSV nbo produces goes through).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/data/csv_reader.h"
#include "lib/data/id_map.h"
#include "tests/fuzz/fuzz_scratch.h"

namespace nbo::fuzz {
namespace {

using data::CsvReader;

// Every record of the file at `path` that Next() returns, skipping the ones
// it rejects as resumable; stops at the first other error.
std::vector<std::vector<std::string>> ReadAll(const std::string& path) {
  absl::StatusOr<std::unique_ptr<CsvReader>> reader = CsvReader::Open(path);
  Check(reader.ok(), "CsvReader opens a file that exists");
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&fields);
    if (!more.ok()) {
      Check(more.status().code() == absl::StatusCode::kInvalidArgument,
            "CsvReader fails with INVALID_ARGUMENT");
      if ((*reader)->resumable()) continue;
      break;
    }
    if (!*more) break;
    Check(!fields.empty(), "a record has at least one field");
    records.push_back(fields);
  }
  return records;
}

}  // namespace
}  // namespace nbo::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nbo::fuzz;
  const ScratchDir& dir = ScratchDir::Get();
  const std::vector<std::vector<std::string>> records =
      ReadAll(dir.Write("input.csv", data, size));

  // Written back, the records read the same. A record of one empty field
  // would be written as a blank line, which readers skip; no file nbo
  // writes has single-column records, so those are left out. The leading
  // byte order mark makes the reader strip that one and keep any the first
  // field itself starts with.
  std::string out = "\xEF\xBB\xBF";
  std::vector<std::vector<std::string>> expected;
  for (const std::vector<std::string>& record : records) {
    if (record.size() == 1 && record[0].empty()) continue;
    for (size_t i = 0; i < record.size(); ++i) {
      if (i > 0) out.push_back(',');
      nbo::data::AppendCsvField(record[i], &out);
    }
    out.push_back('\n');
    expected.push_back(record);
  }
  Check(ReadAll(dir.Write("rewritten.csv", out)) == expected,
        "records written with AppendCsvField read back unchanged");

  // The id map over the same bytes: whatever it accepts maps ids to
  // non-empty customer ids.
  absl::StatusOr<nbo::data::IdMap> map =
      nbo::data::IdMap::ReadCsv(dir.Sub("input.csv"));
  if (!map.ok()) {
    Check(map.status().code() == absl::StatusCode::kInvalidArgument,
          "IdMap::ReadCsv fails with INVALID_ARGUMENT");
  }
  return 0;
}
