// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/store/rocksdb_open.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"

namespace nbo::store::internal {

rocksdb::DBOptions CommonDbOptions() {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Flushes and compactions; the machine serves requests too.
  options.max_background_jobs = 2;
  // Table readers are small (index and filter blocks are in the block cache)
  // but not free: bound them.
  options.max_open_files = 1024;
  // A bounded WAL forces the column families that pin old log files to
  // flush.
  options.max_total_wal_size = 64 << 20;
  options.keep_log_file_num = 3;
  options.max_log_file_size = 8 << 20;
  return options;
}

std::vector<std::string> ColumnFamiliesToOpen(
    const rocksdb::DBOptions& options, const std::string& path,
    std::initializer_list<const char*> known) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, path, &names);
  if (!s.ok()) names.clear();  // A new database: nothing to list yet.
  for (const char* name : known) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  return names;
}

bool IsStorageFull(const rocksdb::Status& status) {
  return status.IsNoSpace() ||
         (status.IsIOError() &&
          status.subcode() == rocksdb::Status::SubCode::kSpaceLimit);
}

absl::Status StorageError(absl::string_view log_tag, absl::string_view store,
                          absl::string_view operation,
                          const rocksdb::Status& status) {
  const std::string line = absl::StrCat(log_tag, ": ", operation,
                                        " failed: ", status.ToString(), "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  if (IsStorageFull(status)) {
    return absl::ResourceExhaustedError(
        absl::StrCat(store, ": storage full: ", operation,
                     " failed; writes resume once space is freed"));
  }
  return absl::InternalError(absl::StrCat(store, ": ", operation, " failed"));
}

absl::Status CorruptRecord(absl::string_view log_tag, absl::string_view store,
                           absl::string_view what, absl::string_view where) {
  const std::string line =
      absl::StrCat(log_tag, ": corrupt ", what, " ", where, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  return absl::InternalError(absl::StrCat(store, ": corrupt ", what));
}

}  // namespace nbo::store::internal
