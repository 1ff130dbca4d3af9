// Copyright (c) 2026 The nbo Authors. MIT License.
//
// StorageHealth tracks whether one RocksDB database can take writes, from
// RocksDB's own reports (its background-error handler: a failed flush,
// compaction or WAL write stops writes until it recovers) and from the
// outcome of the store's foreground writes. Private to lib/store.

#ifndef NBO_LIB_STORE_STORAGE_HEALTH_H_
#define NBO_LIB_STORE_STORAGE_HEALTH_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "lib/store/storage_faults.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/status.h"

namespace nbo::store::internal {

// Registered as the database's event listener (DBOptions::listeners); the
// store also reports every foreground write to it. Thread-safe: RocksDB
// calls it from its background threads, the store from request threads.
class StorageHealth : public rocksdb::EventListener {
 public:
  // `store` names the store in statuses ("customer store").
  explicit StorageHealth(std::string store);

  const char* Name() const override { return "nbo.StorageHealth"; }
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* bg_error) override;
  void OnErrorRecoveryEnd(
      const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  // The outcome of a write the store made. A failure marks the store
  // unwritable; a success clears that mark (not RocksDB's own error, which
  // only its recovery clears). Cheap when the write succeeded and nothing
  // had failed.
  void RecordWrite(const rocksdb::Status& status);

  // OK when writes work; RESOURCE_EXHAUSTED ("<store>: storage full") when
  // the last failure was a full disk or RocksDB's space limit; INTERNAL for
  // any other failure. The message names no path.
  absl::Status Current() const;

  // RocksDB reported a background error that it has not recovered from.
  bool HasBackgroundError() const;
  // The last foreground write failed and none has succeeded since.
  bool WriteFailed() const { return write_failed_.load(); }

 private:
  absl::Status ToStatus(const rocksdb::Status& s) const;

  const std::string store_;
  mutable absl::Mutex mu_;
  rocksdb::Status background_error_ ABSL_GUARDED_BY(mu_);
  rocksdb::Status write_error_ ABSL_GUARDED_BY(mu_);
  // Mirrors !write_error_.ok(), so a successful write costs one load.
  std::atomic<bool> write_failed_{false};
};

// What a store does when it finds writes failing (the server asks every
// second or so): asks RocksDB to resume when RocksDB holds a background
// error (RocksDB also retries a full disk by itself every 5 s through its
// SstFileManager), or, when only a foreground write failed, proves that
// writes work again with `probe` (a small unsynced write the store picks).
// Returns health.Current() afterwards.
absl::Status RecoverWrites(rocksdb::DB* db, StorageHealth* health,
                           const std::function<rocksdb::Status()>& probe);

// Adds what makes a full disk a recoverable state to `options`: `health` as
// a listener and an SstFileManager (RocksDB's auto-recovery from a full
// disk needs one; it also keeps compactions from starting without room).
// With `faults` (tests), the database's files go through a file system
// that fails writes while faults->disk_full(); the Env that does so is put
// in `*env`, which must outlive the database.
void AddStorageHealth(const std::shared_ptr<StorageHealth>& health,
                      StorageFaults* faults, rocksdb::DBOptions* options,
                      std::unique_ptr<rocksdb::Env>* env);

}  // namespace nbo::store::internal

#endif  // NBO_LIB_STORE_STORAGE_HEALTH_H_
