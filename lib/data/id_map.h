// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_DATA_ID_MAP_H_
#define NBO_LIB_DATA_ID_MAP_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace nbo::data {

// Translates the integer ids Spark's ALS needs (it only takes integer user
// and item columns) back to the bank's customer ids. Read from a CSV file
// whose header names the columns spark_id and customer_id:
//
//   spark_id,customer_id
//   0,C0000001
//   1,C0000002
//
// An IdMap is immutable once read and safe to share between threads.
class IdMap {
 public:
  // Reads the map from `path`. Other columns are ignored. NOT_FOUND if the
  // file does not exist. INVALID_ARGUMENT, naming "path:line", for a missing
  // header or column, a spark_id that is not a 64-bit integer, an empty
  // customer_id, a duplicate spark_id, or malformed quoting.
  static absl::StatusOr<IdMap> ReadCsv(const std::string& path);

  IdMap() = default;

  // The customer id for `spark_id`, or nullptr when the map has none.
  const std::string* Find(int64_t spark_id) const {
    auto it = ids_.find(spark_id);
    return it == ids_.end() ? nullptr : &it->second;
  }

  size_t size() const { return ids_.size(); }
  // The file the map was read from, for error messages.
  const std::string& path() const { return path_; }

  // Adds one entry; false if `spark_id` is already mapped. For building maps
  // in code (tests); files go through ReadCsv.
  bool Insert(int64_t spark_id, std::string customer_id) {
    return ids_.emplace(spark_id, std::move(customer_id)).second;
  }

 private:
  std::string path_;
  absl::flat_hash_map<int64_t, std::string> ids_;
};

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_ID_MAP_H_
