// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Layout of the RocksDB database:
//
//   column family "meta" (small, WAL'd, synced writes):
//     'F'                                    -> StoreFormat
//     'R' model '\0' be64(version)           -> VersionRecordValue (committed)
//     'P' model '\0' be64(version)           -> PendingMarkerValue (publishing)
//     'C' model                              -> ModelConfigValue
//     'K' model                              -> nbo.v1.GetCatalogResponse
//   column family "items":
//     model '\0' be64(version) be32(catalog index) -> rank float32 (LE)
//   column family "customers":
//     model '\0' be64(version) customer_id         -> rank float32 (LE)
//
// Model names never contain '\0', so a version's factor rows are exactly the
// keys in [prefix(model, version), prefix(model, version + 1)), which is what
// DeleteRange, CompactRange and GetApproximateSizes are given. Big-endian
// versions make that range contiguous and ListVersions ordered.

#include "lib/store/model_store.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/store/rocksdb_open.h"
#include "lib/store/storage_health.h"
#include "lib/store/store_records.pb.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace nbo::store {

// Factor values are stored as the host's floats; the record says they are
// little-endian so that a big-endian port knows to convert.
static_assert(std::endian::native == std::endian::little,
              "factor rows are stored as little-endian float32");
static_assert(sizeof(float) == 4);

namespace {

constexpr int32_t kFormatVersion = 1;

constexpr char kMetaColumnFamily[] = "meta";
constexpr char kItemsColumnFamily[] = "items";
constexpr char kCustomersColumnFamily[] = "customers";

constexpr char kFormatKey[] = "F";
constexpr char kRecordKind = 'R';
constexpr char kPendingKind = 'P';
constexpr char kConfigKind = 'C';
constexpr char kCatalogKind = 'K';

// model '\0' be64(version).
size_t VersionPrefixSize(absl::string_view model_name) {
  return model_name.size() + 1 + 8;
}

void EncodeVersionPrefix(absl::string_view model_name, uint64_t version,
                         char* out) {
  std::memcpy(out, model_name.data(), model_name.size());
  out += model_name.size();
  *out++ = '\0';
  for (int shift = 56; shift >= 0; shift -= 8) {
    *out++ = static_cast<char>((version >> shift) & 0xff);
  }
}

std::string VersionPrefix(absl::string_view model_name, int64_t version) {
  std::string key(VersionPrefixSize(model_name), '\0');
  EncodeVersionPrefix(model_name, static_cast<uint64_t>(version), key.data());
  return key;
}

// Exclusive end of a version's factor rows. version > 0, so version + 1 fits
// in uint64 even for the largest int64.
std::string VersionLimit(absl::string_view model_name, int64_t version) {
  std::string key(VersionPrefixSize(model_name), '\0');
  EncodeVersionPrefix(model_name, static_cast<uint64_t>(version) + 1,
                      key.data());
  return key;
}

std::string MetaKey(char kind, absl::string_view version_prefix) {
  std::string key(1, kind);
  key.append(version_prefix.data(), version_prefix.size());
  return key;
}

std::string ConfigKey(absl::string_view model_name) {
  std::string key(1, kConfigKind);
  key.append(model_name.data(), model_name.size());
  return key;
}

// Splits a version prefix (model '\0' be64) back into its parts.
bool DecodeVersionPrefix(absl::string_view prefix, std::string* model_name,
                         int64_t* version) {
  if (prefix.size() < 9 || prefix[prefix.size() - 9] != '\0') return false;
  model_name->assign(prefix.data(), prefix.size() - 9);
  uint64_t v = 0;
  for (size_t i = prefix.size() - 8; i < prefix.size(); ++i) {
    v = (v << 8) | static_cast<unsigned char>(prefix[i]);
  }
  *version = static_cast<int64_t>(v);
  return true;
}

using internal::ToStringView;

// RocksDB's statuses and unparsable records, as every store reports them.
absl::Status StorageError(absl::string_view operation,
                          const rocksdb::Status& status) {
  return internal::StorageError("nbo store", "model store", operation, status);
}

absl::Status CorruptRecord(absl::string_view what, absl::string_view where) {
  return internal::CorruptRecord("nbo store", "model store", what,
                                 absl::StrCat("at ", where));
}

// Model names reach here unchecked from reads (GetVersion, ExportModel):
// they are quoted like any client input.
std::string VersionName(absl::string_view model_name, int64_t version) {
  return absl::StrCat(common::QuoteForError(model_name), " version ", version);
}

absl::Status VersionNotFound(absl::string_view model_name, int64_t version) {
  return absl::NotFoundError(
      absl::StrCat(VersionName(model_name, version), " is not committed"));
}

absl::Status ValidateModelName(absl::string_view model_name) {
  if (model_name.empty()) {
    return absl::InvalidArgumentError("model name is empty");
  }
  if (model_name.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("model name contains a NUL byte");
  }
  return absl::OkStatus();
}

internal::VersionRecordValue ToValue(const VersionRecord& record) {
  internal::VersionRecordValue value;
  value.set_model_name(record.model_name);
  value.set_version(record.version);
  value.set_rank(record.rank);
  for (const ProductRow& row : record.catalog) {
    internal::ProductRowValue* p = value.add_catalog();
    p->set_product_id(row.product_id);
    p->set_name(row.name);
    p->set_category(row.category);
  }
  value.mutable_popularity()->Add(record.popularity.begin(),
                                  record.popularity.end());
  value.set_description(record.description);
  value.mutable_labels()->insert(record.labels.begin(), record.labels.end());
  value.mutable_metrics()->insert(record.metrics.begin(), record.metrics.end());
  value.set_calibration_a(record.calibration_a);
  value.set_calibration_b(record.calibration_b);
  value.set_propensity_model(record.propensity_model);
  value.set_customer_count(record.customer_count);
  value.set_product_count(record.product_count);
  value.set_created_unix_micros(record.created_unix_micros);
  value.set_factor_encoding(internal::FACTOR_ENCODING_FLOAT32_LE);
  value.set_model_kind(record.model_kind);
  return value;
}

VersionRecord FromValue(const internal::VersionRecordValue& value) {
  VersionRecord record;
  record.model_name = value.model_name();
  record.version = value.version();
  record.rank = value.rank();
  record.catalog.reserve(value.catalog_size());
  for (const internal::ProductRowValue& p : value.catalog()) {
    record.catalog.push_back({p.product_id(), p.name(), p.category()});
  }
  record.popularity.assign(value.popularity().begin(),
                           value.popularity().end());
  record.description = value.description();
  record.labels.insert(value.labels().begin(), value.labels().end());
  record.metrics.insert(value.metrics().begin(), value.metrics().end());
  record.calibration_a = value.calibration_a();
  record.calibration_b = value.calibration_b();
  record.propensity_model = value.propensity_model();
  record.customer_count = value.customer_count();
  record.product_count = value.product_count();
  record.created_unix_micros = value.created_unix_micros();
  record.model_kind = value.model_kind();
  return record;
}

internal::ModelConfigValue ToValue(const ModelConfig& config) {
  internal::ModelConfigValue value;
  value.set_model_name(config.model_name);
  value.mutable_labels()->insert(config.labels.begin(), config.labels.end());
  for (const SplitArm& arm : config.split) {
    internal::SplitArmValue* a = value.add_split();
    a->set_version(arm.version);
    a->set_label(arm.label);
    a->set_weight(arm.weight);
  }
  value.set_split_salt(config.split_salt);
  return value;
}

ModelConfig FromValue(const internal::ModelConfigValue& value) {
  ModelConfig config;
  config.model_name = value.model_name();
  config.labels.insert(value.labels().begin(), value.labels().end());
  for (const internal::SplitArmValue& a : value.split()) {
    config.split.push_back({a.version(), a.label(), a.weight()});
  }
  config.split_salt = value.split_salt();
  return config;
}

rocksdb::BlockBasedTableOptions FactorTableOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Index and filter blocks stay in the table readers, outside the block
  // cache: a lookup then costs one cache probe (the data block) instead of
  // three, each behind a shard mutex. They are small next to the data (about
  // 3 MB for a 1M-customer, rank-64 version: 4 KiB blocks and 10 bits/key)
  // and retention bounds how many versions are on disk.
  table.cache_index_and_filter_blocks = false;
  // Point lookups: a whole-key bloom filter skips files without the customer
  // (cold-start customers miss everywhere), and a hash index inside each
  // data block avoids the binary search.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  table.data_block_index_type =
      rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  table.format_version = 5;
  return table;
}

rocksdb::ColumnFamilyOptions FactorColumnFamilyOptions(
    size_t write_buffer_bytes, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  // Floats do not compress; compressing would only cost publish throughput.
  cf.compression = rocksdb::kNoCompression;
  cf.bottommost_compression = rocksdb::kNoCompression;
  // Memory for a publish is bounded by write_buffer_bytes times this.
  cf.write_buffer_size = write_buffer_bytes;
  cf.max_write_buffer_number = 3;
  cf.min_write_buffer_number_to_merge = 1;
  cf.level_compaction_dynamic_level_bytes = true;
  cf.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(FactorTableOptions(cache)));
  return cf;
}

rocksdb::ColumnFamilyOptions SmallColumnFamilyOptions(
    size_t write_buffer_bytes, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.compression = rocksdb::kNoCompression;
  cf.write_buffer_size = write_buffer_bytes;
  cf.max_write_buffer_number = 2;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

// The RocksDB instance and the bookkeeping of versions in flight. Owns the
// database and its column family handles; ModelStore owns the Impl and
// VersionWriters point to it. Thread-safe: RocksDB is, and the version sets
// are guarded by mu_.
class ModelStore::Impl {
 public:
  Impl(const Options& options, std::unique_ptr<rocksdb::DB> db,
       std::vector<rocksdb::ColumnFamilyHandle*> handles,
       rocksdb::ColumnFamilyHandle* meta, rocksdb::ColumnFamilyHandle* items,
       rocksdb::ColumnFamilyHandle* customers,
       std::shared_ptr<internal::StorageHealth> health,
       std::unique_ptr<rocksdb::Env> env)
      : env_(std::move(env)),
        path_(options.path),
        health_(std::move(health)),
        db_(std::move(db)),
        handles_(std::move(handles)),
        meta_(meta),
        items_(items),
        customers_(customers) {
    sync_write_.sync = options.sync;
    factor_write_.disableWAL = true;
    scan_read_.fill_cache = false;
  }

  ~Impl() {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      rocksdb::Status s = db_->DestroyColumnFamilyHandle(handle);
      if (!s.ok()) {
        // Nothing to return to; the database is closing anyway.
        (void)StorageError("close column family", s);
      }
    }
    rocksdb::Status s = db_->Close();
    if (!s.ok()) {
      // Committed data is durable already (flushed and synced at commit).
      (void)StorageError(absl::StrCat("close ", path_), s);
    }
  }

  absl::Status LoadAndRecover(RecoveryReport* report);
  absl::Status CheckStorage();

  absl::Status Begin(absl::string_view model_name, int64_t version,
                     int32_t rank);
  absl::Status PutItem(absl::string_view prefix, int32_t catalog_index,
                       absl::Span<const float> values);
  absl::Status PutCustomers(absl::string_view prefix,
                            absl::Span<const std::string> ids,
                            absl::Span<const float> values, int32_t rank);
  absl::Status Commit(const VersionRecord& record, absl::string_view prefix);
  absl::Status Abort(absl::string_view model_name, int64_t version);
  void FailRemovalsForTesting(absl::Status status);

  absl::StatusOr<std::vector<VersionRecord>> ListVersions() const;
  absl::StatusOr<internal::VersionRecordValue> ReadRecord(
      absl::string_view model_name, int64_t version) const;
  absl::StatusOr<std::vector<float>> ReadItemFactors(
      absl::string_view model_name, int64_t version) const;
  absl::Status GetCustomerFactor(absl::string_view model_name, int64_t version,
                                 absl::string_view customer_id,
                                 absl::Span<float> out) const;
  absl::Status ScanCustomerFactors(
      absl::string_view model_name, int64_t version,
      const std::function<absl::Status(absl::string_view,
                                       absl::Span<const float>)>& fn) const;
  absl::Status DeleteVersion(absl::string_view model_name, int64_t version);
  uint64_t ApproximateVersionBytes(absl::string_view model_name,
                                   int64_t version) const;
  absl::StatusOr<std::vector<ModelConfig>> ListModelConfigs() const;
  absl::Status PutModelConfig(const ModelConfig& config);
  absl::StatusOr<std::vector<nbo::v1::GetCatalogResponse>> ListCatalogs() const;
  absl::Status PutCatalog(const nbo::v1::GetCatalogResponse& catalog);

 private:
  // Atomically (one synced batch) range-deletes a version's factor rows in
  // both factor column families together with `meta_key`, then compacts the
  // range so that the space is reclaimed.
  absl::Status RemoveVersion(absl::string_view model_name, int64_t version,
                             const std::string& meta_key,
                             absl::string_view operation);
  // Compacts a deleted version's range out of the factor column families.
  // Failure is logged, not returned: the rows are deleted already and
  // RocksDB's own compactions will reclaim the space later.
  void ReclaimRange(const std::string& begin, const std::string& end);

  // Every write goes through these, so that StorageHealth sees how it went.
  rocksdb::Status Put(const rocksdb::WriteOptions& options,
                      rocksdb::ColumnFamilyHandle* cf,
                      const rocksdb::Slice& key, const rocksdb::Slice& value) {
    rocksdb::Status s = db_->Put(options, cf, key, value);
    health_->RecordWrite(s);
    return s;
  }
  rocksdb::Status Write(const rocksdb::WriteOptions& options,
                        rocksdb::WriteBatch* batch) {
    rocksdb::Status s = db_->Write(options, batch);
    health_->RecordWrite(s);
    return s;
  }

  // The Env of Options::faults (tests); null otherwise. First, so that it
  // outlives the database.
  const std::unique_ptr<rocksdb::Env> env_;
  const std::string path_;
  // Whether writes work, as RocksDB and the writes themselves report it.
  const std::shared_ptr<internal::StorageHealth> health_;
  const std::unique_ptr<rocksdb::DB> db_;
  // Every open column family handle (including "default"), owned.
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* const meta_;
  rocksdb::ColumnFamilyHandle* const items_;
  rocksdb::ColumnFamilyHandle* const customers_;

  rocksdb::WriteOptions sync_write_;
  rocksdb::WriteOptions factor_write_;
  rocksdb::ReadOptions point_read_;
  rocksdb::ReadOptions scan_read_;

  mutable absl::Mutex mu_;
  // Version prefixes (model '\0' be64) with a record on disk. Mirrors the 'R'
  // keys so that the request path checks visibility without a disk read.
  absl::flat_hash_set<std::string> committed_ ABSL_GUARDED_BY(mu_);
  // Version prefixes a VersionWriter or DeleteVersion is working on; nobody
  // else may begin them. An abandoned writer keeps its entry until the next
  // Open() repairs it.
  absl::flat_hash_set<std::string> busy_ ABSL_GUARDED_BY(mu_);
  // Version prefixes whose publish was aborted but whose data could not be
  // removed (a full disk fails the deletion too). Their pending marker is
  // still on disk. They are not busy: the next Begin() of the version retries
  // the removal first, and the next Open() removes them in any case.
  absl::flat_hash_set<std::string> unclean_ ABSL_GUARDED_BY(mu_);
  // Test-only: when not OK, RemoveVersion fails with it before writing.
  absl::Status removal_fault_ ABSL_GUARDED_BY(mu_);
};

absl::Status ModelStore::Impl::LoadAndRecover(RecoveryReport* report) {
  // Format first, so that an older binary never touches a newer layout.
  rocksdb::PinnableSlice format_bytes;
  rocksdb::Status s = db_->Get(point_read_, meta_, kFormatKey, &format_bytes);
  if (s.IsNotFound()) {
    internal::StoreFormat format;
    format.set_format_version(kFormatVersion);
    s = Put(sync_write_, meta_, kFormatKey, format.SerializeAsString());
    if (!s.ok()) return StorageError("write store format", s);
  } else if (!s.ok()) {
    return StorageError("read store format", s);
  } else {
    internal::StoreFormat format;
    if (!format.ParseFromArray(format_bytes.data(),
                               static_cast<int>(format_bytes.size()))) {
      return CorruptRecord("store format", path_);
    }
    if (format.format_version() > kFormatVersion) {
      return absl::InternalError(absl::StrCat(
          "model store at ", path_, " has format ", format.format_version(),
          "; this binary reads format ", kFormatVersion, " at most"));
    }
  }

  std::vector<std::string> committed;
  std::vector<std::pair<std::string, int64_t>> pending;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan_read_, meta_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::string_view key = ToStringView(it->key());
      if (key.empty()) continue;
      if (key[0] != kRecordKind && key[0] != kPendingKind) continue;
      std::string model_name;
      int64_t version = 0;
      if (!DecodeVersionPrefix(key.substr(1), &model_name, &version)) {
        return CorruptRecord("meta key", path_);
      }
      if (key[0] == kRecordKind) {
        committed.emplace_back(key.substr(1));
      } else {
        pending.emplace_back(std::move(model_name), version);
      }
    }
    if (!it->status().ok()) return StorageError("scan versions", it->status());
  }
  {
    absl::MutexLock lock(&mu_);
    committed_.insert(committed.begin(), committed.end());
  }
  for (const auto& [model_name, version] : pending) {
    NBO_RETURN_IF_ERROR(
        RemoveVersion(model_name, version,
                      MetaKey(kPendingKind, VersionPrefix(model_name, version)),
                      "remove partial version"));
  }
  if (report != nullptr) report->removed_partial_versions = std::move(pending);
  return absl::OkStatus();
}

absl::Status ModelStore::Impl::CheckStorage() {
  return internal::RecoverWrites(db_.get(), health_.get(), [this] {
    // The format record written again as it is: the smallest write there
    // is to prove that writes (WAL included) work.
    std::string format;
    rocksdb::Status s = db_->Get(point_read_, meta_, kFormatKey, &format);
    return s.ok() ? db_->Put(rocksdb::WriteOptions(), meta_, kFormatKey, format)
                  : s;
  });
}

absl::Status ModelStore::Impl::Begin(absl::string_view model_name,
                                     int64_t version, int32_t rank) {
  const std::string prefix = VersionPrefix(model_name, version);
  bool retry_cleanup = false;
  {
    absl::MutexLock lock(&mu_);
    if (committed_.contains(prefix)) {
      return absl::AlreadyExistsError(
          absl::StrCat(VersionName(model_name, version), " already exists"));
    }
    if (!busy_.insert(prefix).second) {
      return absl::AlreadyExistsError(absl::StrCat(
          VersionName(model_name, version), " is being written or deleted"));
    }
    retry_cleanup = unclean_.erase(prefix) > 0;
  }
  if (retry_cleanup) {
    // Rows of the failed attempt would otherwise mix into this one (a
    // customer it does not list would keep the old factor).
    absl::Status removed =
        RemoveVersion(model_name, version, MetaKey(kPendingKind, prefix),
                      "remove a failed publish's data");
    if (!removed.ok()) {
      absl::MutexLock lock(&mu_);
      busy_.erase(prefix);
      unclean_.insert(prefix);
      return removed;
    }
  }
  internal::PendingMarkerValue marker;
  marker.set_rank(rank);
  rocksdb::Status s = Put(sync_write_, meta_, MetaKey(kPendingKind, prefix),
                          marker.SerializeAsString());
  if (!s.ok()) {
    absl::MutexLock lock(&mu_);
    busy_.erase(prefix);
    return StorageError("mark version pending", s);
  }
  return absl::OkStatus();
}

absl::Status ModelStore::Impl::PutItem(absl::string_view prefix,
                                       int32_t catalog_index,
                                       absl::Span<const float> values) {
  char key[256];
  std::string heap_key;
  char* k = key;
  const size_t key_size = prefix.size() + 4;
  if (key_size > sizeof(key)) {
    heap_key.resize(key_size);
    k = heap_key.data();
  }
  std::memcpy(k, prefix.data(), prefix.size());
  const uint32_t index = static_cast<uint32_t>(catalog_index);
  for (int i = 0; i < 4; ++i) {
    k[prefix.size() + i] = static_cast<char>((index >> (24 - 8 * i)) & 0xff);
  }
  rocksdb::Status s =
      Put(factor_write_, items_, rocksdb::Slice(k, key_size),
          rocksdb::Slice(reinterpret_cast<const char*>(values.data()),
                         values.size() * sizeof(float)));
  if (!s.ok()) return StorageError("write item factor", s);
  return absl::OkStatus();
}

absl::Status ModelStore::Impl::PutCustomers(absl::string_view prefix,
                                            absl::Span<const std::string> ids,
                                            absl::Span<const float> values,
                                            int32_t rank) {
  const size_t value_bytes = static_cast<size_t>(rank) * sizeof(float);
  size_t id_bytes = 0;
  for (const std::string& id : ids) id_bytes += id.size();
  // Per row: the value, the key, and WriteBatch's tag, column family id and
  // two varint lengths.
  rocksdb::WriteBatch batch(ids.size() * (value_bytes + prefix.size() + 16) +
                            id_bytes + 64);
  // The memtable is a skip list: inserting in key order lets each insert
  // start from the previous one's position instead of from the top, which is
  // several times faster for a large memtable. Callers usually send sorted
  // ids; otherwise sort the batch (stably, so the last duplicate still wins).
  std::vector<uint32_t> order;
  if (!std::is_sorted(ids.begin(), ids.end())) {
    order.resize(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) order[i] = static_cast<uint32_t>(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return ids[a] < ids[b]; });
  }
  std::string key(prefix);
  const char* data = reinterpret_cast<const char*>(values.data());
  for (size_t n = 0; n < ids.size(); ++n) {
    const size_t i = order.empty() ? n : order[n];
    key.resize(prefix.size());
    key.append(ids[i]);
    rocksdb::Status s = batch.Put(
        customers_, key, rocksdb::Slice(data + i * value_bytes, value_bytes));
    if (!s.ok()) return StorageError("batch customer factors", s);
  }
  rocksdb::Status s = Write(factor_write_, &batch);
  if (!s.ok()) return StorageError("write customer factors", s);
  return absl::OkStatus();
}

absl::Status ModelStore::Impl::Commit(const VersionRecord& record,
                                      absl::string_view prefix) {
  // The factors were written without WAL: make them durable before the record
  // that makes them visible.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  rocksdb::Status s = db_->Flush(flush, {items_, customers_});
  if (!s.ok()) return StorageError("flush version factors", s);

  rocksdb::WriteBatch batch;
  s = batch.Put(meta_, MetaKey(kRecordKind, prefix),
                ToValue(record).SerializeAsString());
  if (s.ok()) s = batch.Delete(meta_, MetaKey(kPendingKind, prefix));
  if (s.ok()) s = Write(sync_write_, &batch);
  if (!s.ok()) return StorageError("commit version", s);

  absl::MutexLock lock(&mu_);
  committed_.emplace(prefix);
  busy_.erase(prefix);
  return absl::OkStatus();
}

absl::Status ModelStore::Impl::Abort(absl::string_view model_name,
                                     int64_t version) {
  const std::string prefix = VersionPrefix(model_name, version);
  absl::Status removed = RemoveVersion(
      model_name, version, MetaKey(kPendingKind, prefix), "abort version");
  // The version number is free again either way: a failed removal is
  // retried by the next Begin() of the version (see unclean_).
  absl::MutexLock lock(&mu_);
  busy_.erase(prefix);
  if (!removed.ok()) unclean_.insert(prefix);
  return removed;
}

void ModelStore::Impl::FailRemovalsForTesting(absl::Status status) {
  absl::MutexLock lock(&mu_);
  removal_fault_ = std::move(status);
}

absl::Status ModelStore::Impl::RemoveVersion(absl::string_view model_name,
                                             int64_t version,
                                             const std::string& meta_key,
                                             absl::string_view operation) {
  {
    absl::MutexLock lock(&mu_);
    if (!removal_fault_.ok()) return removal_fault_;
  }
  const std::string begin = VersionPrefix(model_name, version);
  const std::string end = VersionLimit(model_name, version);
  rocksdb::WriteBatch batch;
  rocksdb::Status s = batch.Delete(meta_, meta_key);
  if (s.ok()) s = batch.DeleteRange(items_, begin, end);
  if (s.ok()) s = batch.DeleteRange(customers_, begin, end);
  if (s.ok()) s = Write(sync_write_, &batch);
  if (!s.ok()) return StorageError(operation, s);
  ReclaimRange(begin, end);
  return absl::OkStatus();
}

void ModelStore::Impl::ReclaimRange(const std::string& begin,
                                    const std::string& end) {
  const rocksdb::Slice b(begin);
  const rocksdb::Slice e(end);
  rocksdb::CompactRangeOptions options;
  // Rewrite bottommost files too: that is where a version's rows usually are,
  // and only a compaction that sees both the rows and the tombstone drops
  // them.
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (rocksdb::ColumnFamilyHandle* cf : {items_, customers_}) {
    rocksdb::Status s = db_->CompactRange(options, cf, &b, &e);
    if (!s.ok()) {
      // Deliberately dropped: see the declaration.
      (void)StorageError("compact deleted version", s);
    }
  }
}

absl::StatusOr<std::vector<VersionRecord>> ModelStore::Impl::ListVersions()
    const {
  const std::string lower(1, kRecordKind);
  const std::string upper(1, kRecordKind + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, meta_));
  std::vector<VersionRecord> records;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    internal::VersionRecordValue value;
    if (!value.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return CorruptRecord("version record", ToStringView(it->key()));
    }
    records.push_back(FromValue(value));
  }
  if (!it->status().ok()) return StorageError("list versions", it->status());
  return records;
}

absl::StatusOr<internal::VersionRecordValue> ModelStore::Impl::ReadRecord(
    absl::string_view model_name, int64_t version) const {
  if (model_name.find('\0') != absl::string_view::npos || version <= 0) {
    return VersionNotFound(model_name, version);
  }
  rocksdb::PinnableSlice bytes;
  rocksdb::Status s = db_->Get(
      point_read_, meta_,
      MetaKey(kRecordKind, VersionPrefix(model_name, version)), &bytes);
  if (s.IsNotFound()) return VersionNotFound(model_name, version);
  if (!s.ok()) return StorageError("read version record", s);
  internal::VersionRecordValue value;
  if (!value.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return CorruptRecord("version record", VersionName(model_name, version));
  }
  if (value.factor_encoding() != internal::FACTOR_ENCODING_FLOAT32_LE) {
    return CorruptRecord("factor encoding", VersionName(model_name, version));
  }
  return value;
}

absl::StatusOr<std::vector<float>> ModelStore::Impl::ReadItemFactors(
    absl::string_view model_name, int64_t version) const {
  NBO_ASSIGN_OR_RETURN(internal::VersionRecordValue record,
                       ReadRecord(model_name, version));
  const size_t rank = static_cast<size_t>(record.rank());
  const size_t products = static_cast<size_t>(record.catalog_size());
  const std::string prefix = VersionPrefix(model_name, version);
  const std::string limit = VersionLimit(model_name, version);
  rocksdb::Slice limit_slice(limit);
  rocksdb::ReadOptions read = scan_read_;
  read.iterate_upper_bound = &limit_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, items_));
  std::vector<float> factors(products * rank);
  size_t rows = 0;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    absl::string_view key = ToStringView(it->key());
    if (key.size() != prefix.size() + 4 ||
        it->value().size() != rank * sizeof(float)) {
      return CorruptRecord("item factor", VersionName(model_name, version));
    }
    uint32_t index = 0;
    for (size_t i = prefix.size(); i < key.size(); ++i) {
      index = (index << 8) | static_cast<unsigned char>(key[i]);
    }
    if (index >= products) {
      return CorruptRecord("item factor index",
                           VersionName(model_name, version));
    }
    std::memcpy(factors.data() + index * rank, it->value().data(),
                rank * sizeof(float));
    ++rows;
  }
  if (!it->status().ok()) {
    return StorageError("read item factors", it->status());
  }
  // Keys are unique, so `rows` distinct indexes below `products` were seen.
  if (rows != products) {
    return CorruptRecord("item factors (missing rows)",
                         VersionName(model_name, version));
  }
  return factors;
}

absl::Status ModelStore::Impl::GetCustomerFactor(absl::string_view model_name,
                                                 int64_t version,
                                                 absl::string_view customer_id,
                                                 absl::Span<float> out) const {
  // The key goes on the stack: this is the request path.
  char stack_key[256];
  std::string heap_key;
  const size_t prefix_size = VersionPrefixSize(model_name);
  const size_t key_size = prefix_size + customer_id.size();
  char* key = stack_key;
  if (key_size > sizeof(stack_key)) {
    heap_key.resize(key_size);
    key = heap_key.data();
  }
  EncodeVersionPrefix(model_name, static_cast<uint64_t>(version), key);
  std::memcpy(key + prefix_size, customer_id.data(), customer_id.size());
  {
    absl::ReaderMutexLock lock(&mu_);
    if (!committed_.contains(absl::string_view(key, prefix_size))) {
      return VersionNotFound(model_name, version);
    }
  }
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      db_->Get(point_read_, customers_, rocksdb::Slice(key, key_size), &value);
  if (s.IsNotFound()) {
    // The id is personal data: it stays out of the status, which callers may
    // log or forward. This is also the cold-start path, so no formatting.
    return absl::NotFoundError("no factors for this customer in the version");
  }
  if (!s.ok()) return StorageError("read customer factor", s);
  if (value.size() != out.size() * sizeof(float)) {
    return absl::InvalidArgumentError(
        absl::StrCat("customer factor has ", value.size() / sizeof(float),
                     " values; output span has ", out.size()));
  }
  std::memcpy(out.data(), value.data(), value.size());
  return absl::OkStatus();
}

absl::Status ModelStore::Impl::ScanCustomerFactors(
    absl::string_view model_name, int64_t version,
    const std::function<absl::Status(absl::string_view,
                                     absl::Span<const float>)>& fn) const {
  NBO_ASSIGN_OR_RETURN(internal::VersionRecordValue record,
                       ReadRecord(model_name, version));
  const size_t rank = static_cast<size_t>(record.rank());
  const std::string prefix = VersionPrefix(model_name, version);
  const std::string limit = VersionLimit(model_name, version);
  rocksdb::Slice limit_slice(limit);
  rocksdb::ReadOptions read = scan_read_;
  read.iterate_upper_bound = &limit_slice;
  // A scan reads the whole version once; keep it out of the block cache so it
  // does not evict the request path's blocks.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, customers_));
  // RocksDB values carry no alignment; floats are copied out.
  std::vector<float> factor(rank);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (it->value().size() != rank * sizeof(float)) {
      return CorruptRecord("customer factor", VersionName(model_name, version));
    }
    std::memcpy(factor.data(), it->value().data(), rank * sizeof(float));
    NBO_RETURN_IF_ERROR(
        fn(ToStringView(it->key()).substr(prefix.size()), factor));
  }
  if (!it->status().ok()) {
    return StorageError("scan customer factors", it->status());
  }
  return absl::OkStatus();
}

absl::Status ModelStore::Impl::DeleteVersion(absl::string_view model_name,
                                             int64_t version) {
  if (model_name.find('\0') != absl::string_view::npos || version <= 0) {
    return VersionNotFound(model_name, version);
  }
  const std::string prefix = VersionPrefix(model_name, version);
  {
    absl::MutexLock lock(&mu_);
    if (!committed_.contains(prefix) || busy_.contains(prefix)) {
      return VersionNotFound(model_name, version);
    }
    busy_.insert(prefix);
  }
  // The record and the rows go in one synced batch: no crash can leave a
  // record without rows, or rows without a record or a marker.
  absl::Status status = RemoveVersion(
      model_name, version, MetaKey(kRecordKind, prefix), "delete version");
  absl::MutexLock lock(&mu_);
  if (status.ok()) committed_.erase(prefix);
  busy_.erase(prefix);
  return status;
}

uint64_t ModelStore::Impl::ApproximateVersionBytes(absl::string_view model_name,
                                                   int64_t version) const {
  if (model_name.find('\0') != absl::string_view::npos || version <= 0) {
    return 0;
  }
  const std::string begin = VersionPrefix(model_name, version);
  const std::string end = VersionLimit(model_name, version);
  const rocksdb::Range range(begin, end);
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  options.include_files = true;
  uint64_t total = 0;
  for (rocksdb::ColumnFamilyHandle* cf : {items_, customers_}) {
    uint64_t size = 0;
    rocksdb::Status s = db_->GetApproximateSizes(options, cf, &range, 1, &size);
    if (!s.ok()) {
      // An estimate for operators and tests; 0 is logged, not fatal.
      (void)StorageError("approximate version size", s);
      continue;
    }
    total += size;
  }
  return total;
}

absl::StatusOr<std::vector<ModelConfig>> ModelStore::Impl::ListModelConfigs()
    const {
  const std::string lower(1, kConfigKind);
  const std::string upper(1, kConfigKind + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, meta_));
  std::vector<ModelConfig> configs;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    internal::ModelConfigValue value;
    if (!value.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return CorruptRecord("model config", ToStringView(it->key()));
    }
    configs.push_back(FromValue(value));
  }
  if (!it->status().ok()) {
    return StorageError("list model configs", it->status());
  }
  return configs;
}

absl::Status ModelStore::Impl::PutModelConfig(const ModelConfig& config) {
  NBO_RETURN_IF_ERROR(ValidateModelName(config.model_name));
  rocksdb::Status s = Put(sync_write_, meta_, ConfigKey(config.model_name),
                          ToValue(config).SerializeAsString());
  if (!s.ok()) return StorageError("write model config", s);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<nbo::v1::GetCatalogResponse>>
ModelStore::Impl::ListCatalogs() const {
  const std::string lower(1, kCatalogKind);
  const std::string upper(1, kCatalogKind + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, meta_));
  std::vector<nbo::v1::GetCatalogResponse> catalogs;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    nbo::v1::GetCatalogResponse value;
    if (!value.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return CorruptRecord("catalog", ToStringView(it->key()));
    }
    catalogs.push_back(std::move(value));
  }
  if (!it->status().ok()) return StorageError("list catalogs", it->status());
  return catalogs;
}

absl::Status ModelStore::Impl::PutCatalog(
    const nbo::v1::GetCatalogResponse& catalog) {
  NBO_RETURN_IF_ERROR(ValidateModelName(catalog.model_name()));
  rocksdb::Status s = Put(
      sync_write_, meta_,
      absl::StrCat(absl::string_view(&kCatalogKind, 1), catalog.model_name()),
      catalog.SerializeAsString());
  if (!s.ok()) return StorageError("write catalog", s);
  return absl::OkStatus();
}

// ModelStore

absl::StatusOr<std::unique_ptr<ModelStore>> ModelStore::Open(
    const Options& options, RecoveryReport* report) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("model store path is empty");
  }
  if (options.write_buffer_bytes == 0) {
    return absl::InvalidArgumentError("model store write_buffer_bytes is 0");
  }

  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options.block_cache_bytes);

  // Only meta writes and deletions use the WAL (factors are flushed before
  // the commit), so the common small WAL bound suits it.
  auto health = std::make_shared<internal::StorageHealth>("model store");
  std::unique_ptr<rocksdb::Env> env;
  rocksdb::DBOptions db_options = internal::CommonDbOptions();
  internal::AddStorageHealth(health, options.faults, &db_options, &env);
  const std::vector<std::string> names = internal::ColumnFamiliesToOpen(
      db_options, options.path,
      {rocksdb::kDefaultColumnFamilyName.c_str(), kMetaColumnFamily,
       kItemsColumnFamily, kCustomersColumnFamily});
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions cf;
    if (name == kCustomersColumnFamily) {
      cf = FactorColumnFamilyOptions(options.write_buffer_bytes, cache);
    } else if (name == kItemsColumnFamily) {
      cf = FactorColumnFamilyOptions(
          std::min<size_t>(options.write_buffer_bytes, 8 << 20), cache);
    } else {
      cf = SmallColumnFamilyOptions(1 << 20, cache);
    }
    descriptors.emplace_back(name, cf);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors,
                                        &handles, &raw_db);
  if (!s.ok()) {
    return StorageError(absl::StrCat("open model store at ", options.path), s);
  }
  std::unique_ptr<rocksdb::DB> db(raw_db);
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* items = nullptr;
  rocksdb::ColumnFamilyHandle* customers = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == kMetaColumnFamily) meta = handles[i];
    if (names[i] == kItemsColumnFamily) items = handles[i];
    if (names[i] == kCustomersColumnFamily) customers = handles[i];
  }
  auto impl = std::make_unique<Impl>(options, std::move(db), std::move(handles),
                                     meta, items, customers, std::move(health),
                                     std::move(env));
  NBO_RETURN_IF_ERROR(impl->LoadAndRecover(report));
  return std::unique_ptr<ModelStore>(new ModelStore(std::move(impl)));
}

ModelStore::ModelStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::Status ModelStore::CheckStorage() { return impl_->CheckStorage(); }

ModelStore::~ModelStore() = default;

absl::StatusOr<std::unique_ptr<VersionWriter>> ModelStore::BeginVersion(
    const std::string& model_name, int64_t version, int32_t rank) {
  NBO_RETURN_IF_ERROR(ValidateModelName(model_name));
  if (version <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("version must be positive, got ", version));
  }
  if (rank <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank must be positive, got ", rank));
  }
  NBO_RETURN_IF_ERROR(impl_->Begin(model_name, version, rank));
  return std::unique_ptr<VersionWriter>(
      new VersionWriter(impl_.get(), model_name, version, rank));
}

absl::StatusOr<std::vector<VersionRecord>> ModelStore::ListVersions() const {
  return impl_->ListVersions();
}

absl::StatusOr<VersionRecord> ModelStore::GetVersion(
    const std::string& model_name, int64_t version) const {
  NBO_ASSIGN_OR_RETURN(internal::VersionRecordValue value,
                       impl_->ReadRecord(model_name, version));
  return FromValue(value);
}

absl::StatusOr<std::vector<float>> ModelStore::ReadItemFactors(
    const std::string& model_name, int64_t version) const {
  return impl_->ReadItemFactors(model_name, version);
}

absl::Status ModelStore::GetCustomerFactor(const std::string& model_name,
                                           int64_t version,
                                           absl::string_view customer_id,
                                           absl::Span<float> out) const {
  return impl_->GetCustomerFactor(model_name, version, customer_id, out);
}

absl::Status ModelStore::ScanCustomerFactors(
    const std::string& model_name, int64_t version,
    const std::function<absl::Status(absl::string_view customer_id,
                                     absl::Span<const float> factor)>& fn)
    const {
  return impl_->ScanCustomerFactors(model_name, version, fn);
}

absl::Status ModelStore::DeleteVersion(const std::string& model_name,
                                       int64_t version) {
  return impl_->DeleteVersion(model_name, version);
}

void ModelStore::FailRemovalsForTesting(absl::Status status) {
  impl_->FailRemovalsForTesting(std::move(status));
}

uint64_t ModelStore::ApproximateVersionBytes(const std::string& model_name,
                                             int64_t version) const {
  return impl_->ApproximateVersionBytes(model_name, version);
}

absl::StatusOr<std::vector<ModelConfig>> ModelStore::ListModelConfigs() const {
  return impl_->ListModelConfigs();
}

absl::Status ModelStore::PutModelConfig(const ModelConfig& config) {
  return impl_->PutModelConfig(config);
}

absl::StatusOr<std::vector<nbo::v1::GetCatalogResponse>>
ModelStore::ListCatalogs() const {
  return impl_->ListCatalogs();
}

absl::Status ModelStore::PutCatalog(
    const nbo::v1::GetCatalogResponse& catalog) {
  return impl_->PutCatalog(catalog);
}

// VersionWriter

VersionWriter::VersionWriter(ModelStore::Impl* store, std::string model_name,
                             int64_t version, int32_t rank)
    : store_(store),
      model_name_(std::move(model_name)),
      version_(version),
      rank_(rank) {}

VersionWriter::~VersionWriter() {
  if (finished_) return;
  absl::Status status = Abort();
  if (!status.ok()) {
    // The store retries the removal when the version is begun again, and the
    // pending marker still on disk makes the next Open() remove the data.
    std::string line = absl::StrCat("nbo store: cleanup of ",
                                    VersionName(model_name_, version_),
                                    " failed: ", status.ToString(), "\n");
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

absl::Status VersionWriter::PutItemFactor(int32_t catalog_index,
                                          absl::Span<const float> values) {
  if (finished_) {
    return absl::FailedPreconditionError(absl::StrCat(
        VersionName(model_name_, version_), " is no longer being written"));
  }
  if (catalog_index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative catalog index ", catalog_index));
  }
  if (values.size() != static_cast<size_t>(rank_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "item factor has ", values.size(), " values; rank is ", rank_));
  }
  NBO_RETURN_IF_ERROR(store_->PutItem(VersionPrefix(model_name_, version_),
                                      catalog_index, values));
  bytes_written_ += values.size() * sizeof(float);
  return absl::OkStatus();
}

absl::Status VersionWriter::PutCustomerFactors(
    absl::Span<const std::string> ids, absl::Span<const float> values) {
  if (finished_) {
    return absl::FailedPreconditionError(absl::StrCat(
        VersionName(model_name_, version_), " is no longer being written"));
  }
  if (values.size() != ids.size() * static_cast<size_t>(rank_)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ids.size(), " customers at rank ", rank_, " need ",
                     ids.size() * static_cast<size_t>(rank_), " values; got ",
                     values.size()));
  }
  if (ids.empty()) return absl::OkStatus();
  NBO_RETURN_IF_ERROR(store_->PutCustomers(VersionPrefix(model_name_, version_),
                                           ids, values, rank_));
  bytes_written_ += values.size() * sizeof(float);
  return absl::OkStatus();
}

absl::Status VersionWriter::Commit(const VersionRecord& record) {
  if (finished_) {
    return absl::FailedPreconditionError(
        absl::StrCat(VersionName(model_name_, version_),
                     committed_ ? " is already committed" : " was aborted"));
  }
  if (record.model_name != model_name_ || record.version != version_ ||
      record.rank != rank_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record names ", VersionName(record.model_name, record.version),
        " at rank ", record.rank, "; the writer has ",
        VersionName(model_name_, version_), " at rank ", rank_));
  }
  NBO_RETURN_IF_ERROR(
      store_->Commit(record, VersionPrefix(model_name_, version_)));
  finished_ = true;
  committed_ = true;
  return absl::OkStatus();
}

absl::Status VersionWriter::Abort() {
  if (committed_) {
    return absl::FailedPreconditionError(
        absl::StrCat(VersionName(model_name_, version_),
                     " is committed; delete it with DeleteVersion"));
  }
  if (finished_) return absl::OkStatus();
  // Even when the removal fails, the store has taken the cleanup over.
  finished_ = true;
  return store_->Abort(model_name_, version_);
}

}  // namespace nbo::store
