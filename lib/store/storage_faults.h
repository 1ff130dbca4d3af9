// Copyright (c) 2026 The nbo Authors. MIT License.
//
// StorageFaults lets a test make a store's disk behave as full: while it is
// set, every write RocksDB makes to a file of the store (WAL, flush,
// compaction, manifest) fails as a write to a full disk does (ENOSPC), and
// the free space RocksDB asks for is 0; when it is cleared, both work
// again. It exercises the same paths a real full disk does (the
// fault-injection suite in tests/integration fills a real tmpfs), without
// the privileges a mount needs.

#ifndef NBO_LIB_STORE_STORAGE_FAULTS_H_
#define NBO_LIB_STORE_STORAGE_FAULTS_H_

#include <atomic>

namespace nbo::store {

// Thread-safe. Owned by the test; must outlive the stores given it.
class StorageFaults {
 public:
  void SetDiskFull(bool full) { disk_full_.store(full); }
  bool disk_full() const { return disk_full_.load(); }

 private:
  std::atomic<bool> disk_full_{false};
};

}  // namespace nbo::store

#endif  // NBO_LIB_STORE_STORAGE_FAULTS_H_
