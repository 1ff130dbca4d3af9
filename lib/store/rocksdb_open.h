// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What ModelStore and CustomerStore share when they open their RocksDB
// databases. Private to lib/store.

#ifndef NBO_LIB_STORE_ROCKSDB_OPEN_H_
#define NBO_LIB_STORE_ROCKSDB_OPEN_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "rocksdb/options.h"

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

}  // namespace nbo::store::internal

#endif  // NBO_LIB_STORE_ROCKSDB_OPEN_H_
