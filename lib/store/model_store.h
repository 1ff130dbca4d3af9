// Copyright (c) 2026 The nbo Authors. MIT License.
//
// ModelStore keeps every model version's data in one RocksDB database: the
// version record (metadata, catalog, popularity), item factors, customer
// factors, and each model's routing config (labels, traffic split). It is the
// only place in nbo that includes RocksDB; RocksDB statuses are mapped to
// absl::Status here, once.
//
// Crash safety: a publish first writes a synced "pending" marker, then the
// factors (without WAL; they are flushed before the commit), then one synced
// batch that writes the version record and removes the marker. A version is
// visible only through its record. Open() removes the data of every version
// whose marker is still there, that is every publish a crash interrupted.

#ifndef NBO_LIB_STORE_MODEL_STORE_H_
#define NBO_LIB_STORE_MODEL_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/store/storage_faults.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::store {

struct ProductRow {
  std::string product_id;
  std::string name;
  std::string category;
};

// Everything about a version except its factors. Written once, at commit.
struct VersionRecord {
  std::string model_name;
  int64_t version = 0;
  int32_t rank = 0;
  // Products in catalog order; item factors are stored in the same order.
  std::vector<ProductRow> catalog;
  // Popularity score per catalog product, same order as `catalog`.
  std::vector<double> popularity;
  std::string description;
  std::map<std::string, std::string> labels;
  std::map<std::string, double> metrics;
  double calibration_a = 0;
  double calibration_b = 0;
  // The version's nbo.v1.PropensityModel, serialized; empty when it has
  // none. Validated at publish, before it is stored.
  std::string propensity_model;
  int64_t customer_count = 0;
  int64_t product_count = 0;
  // Microseconds since the Unix epoch, set by the caller at commit.
  int64_t created_unix_micros = 0;
  // The nbo.v1.ModelKind number from the publish header, kept as a number
  // so that the store neither knows the API nor loses a kind it does not
  // know; 0 (and every record stored before kinds existed) is implicit ALS.
  int32_t model_kind = 0;
};

// One arm of a traffic split: either a version (label empty) or a label.
struct SplitArm {
  int64_t version = 0;
  std::string label;
  uint32_t weight = 0;
};

// A model's routing configuration, persisted so that it survives restarts.
struct ModelConfig {
  std::string model_name;
  std::map<std::string, int64_t> labels;
  std::vector<SplitArm> split;
  std::string split_salt;
};

// What Open() found and repaired.
struct RecoveryReport {
  // Versions whose publish never committed; their data was deleted.
  std::vector<std::pair<std::string, int64_t>> removed_partial_versions;
};

class VersionWriter;

// Thread-safe: every method may be called concurrently. Owns the RocksDB
// instance; VersionWriters must be destroyed before the store.
class ModelStore {
 public:
  struct Options {
    // Directory of the RocksDB database; created if missing. Required.
    std::string path;
    // Shared LRU block cache for factor reads.
    // Default: 64 MiB.
    size_t block_cache_bytes = 64 << 20;
    // Memtable size of the customer-factor column family. Bounded because
    // publish memory must stay small next to the data published.
    // Default: 32 MiB.
    size_t write_buffer_bytes = 32 << 20;
    // Sync the pending marker and the commit record to disk. Only tests that
    // measure something else turn this off.
    // Default: true.
    bool sync = true;
    // Tests only: makes the store's disk behave as full while set (see
    // storage_faults.h). Not owned.
    // Default: null.
    StorageFaults* faults = nullptr;
  };

  // Opens (creating if needed) the store at options.path and removes the data
  // of uncommitted versions. INVALID_ARGUMENT if path is empty or
  // write_buffer_bytes is 0; INTERNAL if RocksDB cannot open it (the message
  // names the path, not RocksDB's text).
  static absl::StatusOr<std::unique_ptr<ModelStore>> Open(
      const Options& options, RecoveryReport* report = nullptr);

  ~ModelStore();
  ModelStore(const ModelStore&) = delete;
  ModelStore& operator=(const ModelStore&) = delete;

  // Whether the store can take writes, after trying to make it writable
  // again if it could not; as CustomerStore::CheckStorage.
  absl::Status CheckStorage();

  // Starts writing a new version; durably marks it pending before returning.
  // ALREADY_EXISTS if (model_name, version) is committed or being written
  // (or being deleted). INVALID_ARGUMENT unless model_name is non-empty
  // without '\0', version > 0 and rank > 0. If an earlier attempt at the
  // version was aborted but its data could not be removed, the removal is
  // retried first, and its error returned if it fails again.
  absl::StatusOr<std::unique_ptr<VersionWriter>> BeginVersion(
      const std::string& model_name, int64_t version, int32_t rank);

  // Committed versions of every model, ordered by (model_name, version).
  absl::StatusOr<std::vector<VersionRecord>> ListVersions() const;

  // NOT_FOUND if the version is not committed.
  absl::StatusOr<VersionRecord> GetVersion(const std::string& model_name,
                                           int64_t version) const;

  // Item factors of a committed version in catalog order, rank floats per
  // product, flattened (product_count * rank). NOT_FOUND if not committed.
  absl::StatusOr<std::vector<float>> ReadItemFactors(
      const std::string& model_name, int64_t version) const;

  // Copies the customer's factor into `out` (whose size must be the
  // version's rank). NOT_FOUND if the version is not committed or has no row
  // for the customer; INVALID_ARGUMENT if out.size() differs from the stored
  // factor's length.
  // This is the request path: one point lookup, no allocation on a hit in
  // the block cache beyond RocksDB's own.
  absl::Status GetCustomerFactor(const std::string& model_name, int64_t version,
                                 absl::string_view customer_id,
                                 absl::Span<float> out) const;

  // Calls `fn` for every customer row of a version in key order; stops early
  // and returns fn's status if fn fails. NOT_FOUND if not committed.
  absl::Status ScanCustomerFactors(
      const std::string& model_name, int64_t version,
      const std::function<absl::Status(absl::string_view customer_id,
                                       absl::Span<const float> factor)>& fn)
      const;

  // Deletes a committed version: its record and its factors (DeleteRange) in
  // one synced batch, so that no crash leaves one without the other, then
  // compacts the range so the space is reclaimed. NOT_FOUND if not committed
  // (or already being deleted).
  absl::Status DeleteVersion(const std::string& model_name, int64_t version);

  // Approximate bytes the version's factors occupy on disk and in memtables.
  // 0 for a version with no data. For tests and operators.
  uint64_t ApproximateVersionBytes(const std::string& model_name,
                                   int64_t version) const;

  // Test-only: until called again with OK, every removal of a version's data
  // (abort, DeleteVersion, the retry in BeginVersion) fails with `status`
  // without touching the disk, as a full disk makes it fail.
  void FailRemovalsForTesting(absl::Status status);

  // Routing configuration of every model that has one.
  absl::StatusOr<std::vector<ModelConfig>> ListModelConfigs() const;
  // Replaces a model's routing configuration (synced write).
  absl::Status PutModelConfig(const ModelConfig& config);

  // Every model's decisioning configuration: its catalog with the rules and
  // its levers, kept apart from the versions so that it changes without a
  // publish. Stored as the API shows it (GetCatalogResponse).
  absl::StatusOr<std::vector<nbo::v1::GetCatalogResponse>> ListCatalogs() const;
  // Replaces catalog.model_name()'s decisioning configuration (synced
  // write). INVALID_ARGUMENT for a bad model name.
  absl::Status PutCatalog(const nbo::v1::GetCatalogResponse& catalog);

 private:
  friend class VersionWriter;
  class Impl;
  explicit ModelStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One version being published. Not thread-safe: one stream owns it. If it is
// destroyed without a successful Commit(), the partial data is deleted.
class VersionWriter {
 public:
  ~VersionWriter();
  VersionWriter(const VersionWriter&) = delete;
  VersionWriter& operator=(const VersionWriter&) = delete;

  // Stores item factors by catalog position. `values` holds rank floats.
  // The caller has validated them. INVALID_ARGUMENT if values.size() is not
  // the rank or catalog_index is negative; FAILED_PRECONDITION after Commit()
  // or Abort().
  absl::Status PutItemFactor(int32_t catalog_index,
                             absl::Span<const float> values);

  // Stores a batch of customer factors: ids[i] owns
  // values[i*rank, (i+1)*rank). A customer written twice keeps the last row.
  // Sorted ids are fastest (unsorted batches are sorted first). Same errors
  // as PutItemFactor.
  absl::Status PutCustomerFactors(absl::Span<const std::string> ids,
                                  absl::Span<const float> values);

  // Flushes the factors to disk, then writes `record` and clears the pending
  // marker in one synced batch. After OK the version is visible to
  // ListVersions/GetVersion and survives a crash. `record.model_name`,
  // `version` and `rank` must match BeginVersion's (INVALID_ARGUMENT
  // otherwise; the writer stays usable). FAILED_PRECONDITION if already
  // committed or aborted.
  absl::Status Commit(const VersionRecord& record);

  // Deletes everything written so far and the pending marker. Idempotent.
  // FAILED_PRECONDITION after a successful Commit() (use DeleteVersion).
  // Either way the version number is released at once: when the deletion
  // fails (its error is returned), the store retries it at the next
  // BeginVersion of the same version, and Open() removes the data anyway.
  absl::Status Abort();

  // Test-only: forgets the writer without cleaning up, as if the process had
  // died mid-publish. The pending marker and the factors stay on disk until
  // the next Open(); the version stays "being written" in this store.
  void AbandonForTesting() { finished_ = true; }

  // Bytes of factor data written so far.
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  friend class ModelStore;
  VersionWriter(ModelStore::Impl* store, std::string model_name,
                int64_t version, int32_t rank);

  ModelStore::Impl* store_;
  std::string model_name_;
  int64_t version_;
  int32_t rank_;
  uint64_t bytes_written_ = 0;
  // Committed or aborted (or abandoned): no more writes.
  bool finished_ = false;
  bool committed_ = false;
};

}  // namespace nbo::store

#endif  // NBO_LIB_STORE_MODEL_STORE_H_
