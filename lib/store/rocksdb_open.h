// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What ModelStore and CustomerStore share about their RocksDB databases:
// how they open them and how they report what goes wrong. Private to
// lib/store.

#ifndef NBO_LIB_STORE_ROCKSDB_OPEN_H_
#define NBO_LIB_STORE_ROCKSDB_OPEN_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/status.h"

namespace nbo::store::internal {

// The database options both stores start from: create what is missing, two
// background jobs (the machine serves requests too), bounded table readers
// and a small, bounded WAL.
rocksdb::DBOptions CommonDbOptions();

// The column families to open at `path`: every one already there (a newer
// binary may have added some; they are opened with defaults so this one can
// still read those it knows) and every one of `known` ("default" included).
std::vector<std::string> ColumnFamiliesToOpen(
    const rocksdb::DBOptions& options, const std::string& path,
    std::initializer_list<const char*> known);

inline absl::string_view ToStringView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

inline rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

// A full disk, or RocksDB's space limit reached.
bool IsStorageFull(const rocksdb::Status& status);

// The one way a store turns a RocksDB failure into a status: the caller
// sees which operation of which store failed: "<store>: storage full:
// <operation> failed; ..." (RESOURCE_EXHAUSTED) when the disk is full,
// "<store>: <operation> failed" (INTERNAL) otherwise. RocksDB's own text
// (paths, file numbers, errno) goes to stderr, tagged `log_tag`, for the
// operator.
absl::Status StorageError(absl::string_view log_tag, absl::string_view store,
                          absl::string_view operation,
                          const rocksdb::Status& status);

// A record that does not parse: "<store>: corrupt <what>" (INTERNAL); the
// stderr line also says `where` (never a key: keys hold customer ids).
absl::Status CorruptRecord(absl::string_view log_tag, absl::string_view store,
                           absl::string_view what, absl::string_view where);

}  // namespace nbo::store::internal

#endif  // NBO_LIB_STORE_ROCKSDB_OPEN_H_
