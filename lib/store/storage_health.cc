// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/store/storage_health.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/store/rocksdb_open.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/io_status.h"
#include "rocksdb/sst_file_manager.h"

namespace nbo::store::internal {

StorageHealth::StorageHealth(std::string store) : store_(std::move(store)) {}

void StorageHealth::OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                                      rocksdb::Status* bg_error) {
  // RocksDB's text (paths, errno) is for the operator only.
  std::fprintf(stderr, "nbo %s: background error (reason %d): %s\n",
               store_.c_str(), static_cast<int>(reason),
               bg_error->ToString().c_str());
  absl::MutexLock lock(&mu_);
  background_error_ = *bg_error;
}

void StorageHealth::OnErrorRecoveryEnd(
    const rocksdb::BackgroundErrorRecoveryInfo& info) {
  std::fprintf(stderr, "nbo %s: recovery from background error %s\n",
               store_.c_str(),
               info.new_bg_error.ok() ? "succeeded"
                                      : info.new_bg_error.ToString().c_str());
  absl::MutexLock lock(&mu_);
  background_error_ = info.new_bg_error;
}

void StorageHealth::RecordWrite(const rocksdb::Status& status) {
  if (status.ok() && !write_failed_.load(std::memory_order_relaxed)) return;
  absl::MutexLock lock(&mu_);
  write_error_ = status;
  write_failed_.store(!status.ok());
}

absl::Status StorageHealth::Current() const {
  absl::MutexLock lock(&mu_);
  if (!background_error_.ok()) return ToStatus(background_error_);
  if (!write_error_.ok()) return ToStatus(write_error_);
  return absl::OkStatus();
}

bool StorageHealth::HasBackgroundError() const {
  absl::MutexLock lock(&mu_);
  return !background_error_.ok();
}

absl::Status StorageHealth::ToStatus(const rocksdb::Status& s) const {
  if (IsStorageFull(s)) {
    return absl::ResourceExhaustedError(
        absl::StrCat(store_,
                     ": storage full; writes resume once space is "
                     "freed"));
  }
  return absl::InternalError(absl::StrCat(store_, ": writes are failing"));
}

absl::Status RecoverWrites(rocksdb::DB* db, StorageHealth* health,
                           const std::function<rocksdb::Status()>& probe) {
  if (health->HasBackgroundError()) {
    // Busy while RocksDB's own recovery runs; an error while the cause
    // lasts. Either way the listener keeps the state.
    rocksdb::Status s = db->Resume();
    (void)s;
  } else if (health->WriteFailed()) {
    health->RecordWrite(probe());
  }
  return health->Current();
}

namespace {

// A full disk, as StorageFaults switches it on: every write of bytes fails
// with ENOSPC. Flush() is passed through: the POSIX file RocksDB uses writes
// its bytes in Append() and its Flush() does nothing, so a real full disk
// never fails it (failing it made RocksDB treat switching to a new WAL as a
// fatal, restart-only error that no real disk produces).

rocksdb::IOStatus DiskFull() {
  return rocksdb::IOStatus::NoSpace("nbo StorageFaults: disk full");
}

class FaultyWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file,
                     const StorageFaults* faults)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(faults) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full()) return DiskFull();
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full()) return DiskFull();
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full()) return DiskFull();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options,
                                                        dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full()) return DiskFull();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options,
                                                        info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full()) return DiskFull();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full()) return DiskFull();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  const StorageFaults* faults_;
};

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultyFileSystem(const StorageFaults* faults)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), faults_(faults) {}

  const char* Name() const override { return "nbo.FaultyFileSystem"; }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* dbg) override {
    return Wrap(target()->NewWritableFile(name, options, file, dbg), file);
  }
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* dbg) override {
    return Wrap(target()->ReopenWritableFile(name, options, file, dbg), file);
  }
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& name, const std::string& old_name,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* dbg) override {
    return Wrap(target()->ReuseWritableFile(name, old_name, options, file, dbg),
                file);
  }
  rocksdb::IOStatus GetFreeSpace(const std::string& path,
                                 const rocksdb::IOOptions& options,
                                 uint64_t* free,
                                 rocksdb::IODebugContext* dbg) override {
    if (faults_->disk_full()) {
      *free = 0;
      return rocksdb::IOStatus::OK();
    }
    return target()->GetFreeSpace(path, options, free, dbg);
  }

 private:
  rocksdb::IOStatus Wrap(rocksdb::IOStatus s,
                         std::unique_ptr<rocksdb::FSWritableFile>* file) {
    if (s.ok()) {
      *file = std::make_unique<FaultyWritableFile>(std::move(*file), faults_);
    }
    return s;
  }

  const StorageFaults* faults_;
};

}  // namespace

void AddStorageHealth(const std::shared_ptr<StorageHealth>& health,
                      StorageFaults* faults, rocksdb::DBOptions* options,
                      std::unique_ptr<rocksdb::Env>* env) {
  options->listeners.push_back(health);
  if (faults != nullptr) {
    *env = rocksdb::NewCompositeEnv(std::make_shared<FaultyFileSystem>(faults));
    options->env = env->get();
  }
  options->sst_file_manager.reset(rocksdb::NewSstFileManager(options->env));
}

}  // namespace nbo::store::internal
