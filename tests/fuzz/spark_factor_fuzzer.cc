// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fuzzes SparkFactorReader, which reads ALS factors trained on Spark (JSON
// lines, {"id":…,"features":[…]}) for `nbo-trainer import`. Properties,
// besides no crash, leak or undefined behaviour:
//   - failures are INVALID_ARGUMENT, and a failed reader stays failed;
//   - every row has a non-empty id and rank() finite features;
//   - the rows do not depend on the read buffer's size (4 KiB, which puts
//     line breaks across refills of inputs above it, and 64 KiB, which
//     holds any input of the default -max_len whole). Not the default 1 MiB:
//     zeroing it on every input would cost more than the parse under ASan.
//   - an id map changes integer ids only.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/data/factor_row.h"
#include "lib/data/id_map.h"
#include "lib/data/spark_factor_reader.h"
#include "tests/fuzz/fuzz_scratch.h"

namespace nbo::fuzz {
namespace {

using data::FactorRow;
using data::SparkFactorReader;

struct Result {
  std::vector<FactorRow> rows;
  absl::Status status;
};

Result ReadAll(const std::string& path,
               const SparkFactorReader::Options& options) {
  Result result;
  absl::StatusOr<std::unique_ptr<SparkFactorReader>> reader =
      SparkFactorReader::Open(path, options);
  Check(reader.ok(), "SparkFactorReader opens a file that exists");
  FactorRow row;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&row);
    if (!more.ok()) {
      Check(more.status().code() == absl::StatusCode::kInvalidArgument,
            "SparkFactorReader fails with INVALID_ARGUMENT");
      absl::StatusOr<bool> again = (*reader)->Next(&row);
      Check(!again.ok() && again.status() == more.status(),
            "a failed reader stays failed");
      result.status = more.status();
      break;
    }
    if (!*more) break;
    Check(!row.id.empty(), "a row has an id");
    Check((*reader)->rank() > 0 &&
              row.features.size() == static_cast<size_t>((*reader)->rank()),
          "a row has rank() features");
    for (float v : row.features) {
      Check(std::isfinite(v), "features are finite");
    }
    result.rows.push_back(row);
  }
  Check(static_cast<size_t>((*reader)->rows_read()) == result.rows.size(),
        "rows_read() counts the rows returned");
  return result;
}

// Bitwise: -0 and 0 differ, and the parser must not change its mind.
bool SameFeatures(const FactorRow& a, const FactorRow& b) {
  if (a.features.size() != b.features.size()) return false;
  for (size_t k = 0; k < a.features.size(); ++k) {
    if (std::signbit(a.features[k]) != std::signbit(b.features[k]) ||
        a.features[k] != b.features[k]) {
      return false;
    }
  }
  return true;
}

bool SameRows(const std::vector<FactorRow>& a,
              const std::vector<FactorRow>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || !SameFeatures(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace
}  // namespace nbo::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nbo::fuzz;
  const std::string path =
      ScratchDir::Get().Write("part-00000.json", data, size);

  SparkFactorReader::Options small;
  small.buffer_bytes = 4096;
  const Result a = ReadAll(path, small);
  SparkFactorReader::Options large;
  large.buffer_bytes = 64 << 10;
  const Result b = ReadAll(path, large);
  Check(a.status == b.status, "the buffer size does not change the outcome");
  Check(SameRows(a.rows, b.rows), "the buffer size does not change the rows");

  // Integer ids 0..9 map to C0..C9; others are errors.
  static const nbo::data::IdMap* const id_map = [] {
    auto* map = new nbo::data::IdMap();
    for (int i = 0; i < 10; ++i) map->Insert(i, "C" + std::to_string(i));
    return map;
  }();
  SparkFactorReader::Options mapped = small;
  mapped.id_map = id_map;
  const Result c = ReadAll(path, mapped);
  if (c.status.ok()) {
    Check(a.status.ok() && c.rows.size() == a.rows.size(),
          "the id map changes ids, not the rows read");
    for (size_t i = 0; i < c.rows.size(); ++i) {
      // A string id passes through; an integer one is mapped.
      Check(c.rows[i].id == a.rows[i].id || c.rows[i].id == "C" + a.rows[i].id,
            "the id map maps integer ids and keeps string ids");
      Check(SameFeatures(a.rows[i], c.rows[i]),
            "the id map keeps the features");
    }
  }
  return 0;
}
