// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Layout of the RocksDB database:
//
//   column family "default":
//     'F'                                      -> StoreFormat
//     'H'                                      -> "" (written to prove that
//                                                 writes work again)
//   column family "state":
//     customer_id                              -> CustomerStateValue
//   column family "transactions":
//     customer_id '\0' be64(micros ^ 2^63) be64(seq)   -> nbo.v1.Transaction
//   column family "txn_ids":
//     customer_id '\0' transaction_id          -> its "transactions" key
//   column family "decisions":
//     customer_id '\0' decision_id             -> nbo.v1.DecisionRecord
//   column family "feedback":
//     customer_id '\0' decision_id '\0' product_id '\0' byte(outcome)
//                                              -> FeedbackRecordValue
//   column family "counts" (merge operator adding int64 counters):
//     model_name '\0' experiment_arm           -> 3 x int64 (LE): impressions,
//                                                 accepted, declined
//
// Customer ids never contain '\0' (callers validate them), so a customer's
// records are exactly the keys in [id '\0', id '\1'): "C1" and "C10" never
// mix. Flipping the sign bit of a transaction's time makes negative times
// sort before positive ones; big-endian integers make keys sort like their
// numbers.
//
// Every change to a customer's state is a read-modify-write under the
// customer's lock stripe, written in the same WriteBatch as the records it
// derives from. Experiment counts are merge operands, so feedback about
// different customers never waits on a shared lock.

#include "lib/store/customer_store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/timestamp.pb.h"
#include "lib/common/proto_time.h"
#include "lib/common/stable_hash.h"
#include "lib/common/status_macros.h"
#include "lib/store/rocksdb_open.h"
#include "lib/store/storage_health.h"
#include "lib/store/store_records.pb.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace nbo::store {
namespace {

// How long the decision log's writer lets a batch gather.
constexpr absl::Duration kDecisionLogInterval = absl::Milliseconds(2);
// Pauses between attempts to write a batch of the log that failed: the
// first, and the most (doubling in between).
constexpr absl::Duration kDecisionLogFirstRetry = absl::Milliseconds(100);
constexpr absl::Duration kDecisionLogMaxRetry = absl::Seconds(1);

using ::nbo::v1::CustomerProfile;
using ::nbo::v1::DecisionRecord;
using ::nbo::v1::ExportedFeedback;
using ::nbo::v1::FeedbackEvent;
using ::nbo::v1::FeedbackOutcome;
using ::nbo::v1::Transaction;

constexpr int32_t kFormatVersion = 1;
constexpr char kFormatKey[] = "F";
constexpr char kProbeKey[] = "H";

constexpr char kStateColumnFamily[] = "state";
constexpr char kTransactionsColumnFamily[] = "transactions";
constexpr char kTransactionIdsColumnFamily[] = "txn_ids";
constexpr char kDecisionsColumnFamily[] = "decisions";
constexpr char kFeedbackColumnFamily[] = "feedback";
constexpr char kCountsColumnFamily[] = "counts";

constexpr size_t kLockStripes = 256;
// Deletions per retention batch: bounds the batch's memory and how long the
// stripes it locks are held.
constexpr size_t kRetentionBatchKeys = 1024;
// be64(time) be64(seq) after a transaction key's customer prefix.
constexpr size_t kTransactionSuffixSize = 16;
constexpr size_t kDecisionIdSize = 32;

// Counters of a "counts" value, in order.
enum CounterIndex { kImpressions = 0, kAccepted = 1, kDeclined = 2 };
constexpr size_t kCounterCount = 3;

// Keys.

void AppendBigEndian64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t ReadBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Sign bit flipped: negative times sort before positive ones.
uint64_t OrderedMicros(int64_t micros) {
  return static_cast<uint64_t>(micros) ^ (uint64_t{1} << 63);
}

int64_t MicrosFromOrdered(uint64_t ordered) {
  return static_cast<int64_t>(ordered ^ (uint64_t{1} << 63));
}

// customer_id '\0': the prefix of every record of the customer.
std::string CustomerPrefix(absl::string_view customer_id) {
  std::string key;
  key.reserve(customer_id.size() + 1 + kDecisionIdSize + 1);
  key.append(customer_id.data(), customer_id.size());
  key.push_back('\0');
  return key;
}

// The exclusive end of the keys starting with `prefix`, which ends in '\0'.
std::string PrefixEnd(std::string prefix) {
  prefix.back() = '\1';
  return prefix;
}

// customer_id '\0' part: a key of "txn_ids" or "decisions".
std::string CustomerKey(absl::string_view customer_id, absl::string_view part) {
  std::string key = CustomerPrefix(customer_id);
  key.append(part.data(), part.size());
  return key;
}

// Appends CustomerKey(customer_id, part) to `key`.
void AppendCustomerKey(absl::string_view customer_id, absl::string_view part,
                       std::string* key) {
  key->append(customer_id.data(), customer_id.size());
  key->push_back('\0');
  key->append(part.data(), part.size());
}

std::string TransactionKey(absl::string_view customer_id, int64_t micros,
                           uint64_t seq) {
  std::string key = CustomerPrefix(customer_id);
  AppendBigEndian64(OrderedMicros(micros), &key);
  AppendBigEndian64(seq, &key);
  return key;
}

// customer '\0' decision '\0' product '\0': the feedback keys of one offer.
std::string OfferPrefix(absl::string_view customer_id,
                        absl::string_view decision_id,
                        absl::string_view product_id) {
  std::string key = CustomerKey(customer_id, decision_id);
  key.push_back('\0');
  key.append(product_id.data(), product_id.size());
  key.push_back('\0');
  return key;
}

std::string CountsKey(absl::string_view model_name,
                      absl::string_view experiment_arm) {
  std::string key(model_name);
  key.push_back('\0');
  key.append(experiment_arm.data(), experiment_arm.size());
  return key;
}

// The customer a key of any customer column family belongs to: everything
// before the first '\0' (the whole key in "state").
absl::string_view KeyCustomer(absl::string_view key) {
  return key.substr(0, key.find('\0'));
}

// Counters: fixed-width little-endian int64, whatever the host.

void PutCounter(int64_t v, char* out) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((u >> (8 * i)) & 0xff);
}

int64_t GetCounter(const char* p) {
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(u);
}

std::string EncodeCounters(const std::array<int64_t, kCounterCount>& counters) {
  std::string value(kCounterCount * 8, '\0');
  for (size_t i = 0; i < kCounterCount; ++i) {
    PutCounter(counters[i], value.data() + 8 * i);
  }
  return value;
}

// Adds "counts" values element-wise. A shorter value (written before a
// counter was added) counts as zeros in the missing places.
class CounterAddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/,
             const rocksdb::Slice* existing_value, const rocksdb::Slice& value,
             std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    if (value.size() % 8 != 0) return false;
    if (existing_value == nullptr) {
      new_value->assign(value.data(), value.size());
      return true;
    }
    if (existing_value->size() % 8 != 0) return false;
    const rocksdb::Slice& longer =
        existing_value->size() >= value.size() ? *existing_value : value;
    const rocksdb::Slice& shorter =
        existing_value->size() >= value.size() ? value : *existing_value;
    new_value->assign(longer.data(), longer.size());
    for (size_t at = 0; at < shorter.size(); at += 8) {
      const uint64_t sum =
          static_cast<uint64_t>(GetCounter(new_value->data() + at)) +
          static_cast<uint64_t>(GetCounter(shorter.data() + at));
      PutCounter(static_cast<int64_t>(sum), new_value->data() + at);
    }
    return true;
  }

  // Persisted in the OPTIONS file: never rename.
  const char* Name() const override { return "nbo.CounterAdd"; }
};

// Times.

int64_t MicrosFromProto(const google::protobuf::Timestamp& t) {
  return absl::ToUnixMicros(common::FromProtoTime(t));
}

// Errors.

using internal::ToSlice;
using internal::ToStringView;

// RocksDB's statuses and unparsable records, as every store reports them.
// Neither names a customer.
absl::Status StorageError(absl::string_view operation,
                          const rocksdb::Status& status) {
  return internal::StorageError("nbo customer store", "customer store",
                                operation, status);
}

// `where` is a column family, never a key: keys hold customer ids.
absl::Status CorruptRecord(absl::string_view what, absl::string_view where) {
  return internal::CorruptRecord("nbo customer store", "customer store", what,
                                 absl::StrCat("in column family ", where));
}

absl::Status CheckLimit(int limit) {
  if (limit < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must not be negative, got ", limit));
  }
  return absl::OkStatus();
}

template <typename Message>
bool ParseSlice(const rocksdb::Slice& bytes, Message* message) {
  return message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

// Derived state.

bool StartIsNewer(const internal::HoldingValue& h) {
  if (!h.started()) return false;
  if (!h.closed()) return true;
  return std::make_pair(h.start_unix_micros(), h.start_seq()) >
         std::make_pair(h.close_unix_micros(), h.close_seq());
}

template <typename Value>
Value* FindOrAddProduct(google::protobuf::RepeatedPtrField<Value>* values,
                        absl::string_view product_id) {
  for (Value& v : *values) {
    if (v.product_id() == product_id) return &v;
  }
  Value* v = values->Add();
  v->set_product_id(std::string(product_id));
  // Keep the field sorted by product id; lists are a few dozen at most.
  std::sort(values->pointer_begin(), values->pointer_end(),
            [](const Value* a, const Value* b) {
              return a->product_id() < b->product_id();
            });
  return v;
}

// Applies an accepted transaction to the customer's holdings and totals.
void ApplyTransaction(const Transaction& t, int64_t micros, uint64_t seq,
                      internal::CustomerStateValue* state) {
  // The summary is whole only when it has seen the first transaction.
  if (state->transaction_count() == 0) state->set_activity_complete(true);
  state->set_transaction_count(state->transaction_count() + 1);
  if (!state->has_newest_transaction_unix_micros() ||
      micros > state->newest_transaction_unix_micros()) {
    state->set_newest_transaction_unix_micros(micros);
  }
  internal::ProductActivityValue* a =
      FindOrAddProduct(state->mutable_activity(), t.product_id());
  if (micros > a->last_unix_micros() || a->event_mask() == 0) {
    a->set_last_unix_micros(micros);
  }
  if (t.event() >= 0 && t.event() < 32) {
    a->set_event_mask(a->event_mask() | (1u << t.event()));
  }
  const bool start = t.event() == nbo::v1::TRANSACTION_EVENT_OPEN ||
                     t.event() == nbo::v1::TRANSACTION_EVENT_PURCHASE;
  const bool close = t.event() == nbo::v1::TRANSACTION_EVENT_CLOSE;
  if (!start && !close) return;
  internal::HoldingValue* h =
      FindOrAddProduct(state->mutable_holdings(), t.product_id());
  const auto when = std::make_pair(micros, seq);
  if (start) {
    if (!h->started() ||
        when > std::make_pair(h->start_unix_micros(), h->start_seq())) {
      h->set_started(true);
      h->set_start_unix_micros(micros);
      h->set_start_seq(seq);
    }
  } else if (!h->closed() ||
             when > std::make_pair(h->close_unix_micros(), h->close_seq())) {
    h->set_closed(true);
    h->set_close_unix_micros(micros);
    h->set_close_seq(seq);
  }
}

// Inserts `micros` in time order and keeps the newest `max` entries.
void AddContact(int64_t micros, int max,
                google::protobuf::RepeatedField<int64_t>* times) {
  std::vector<int64_t> v(times->begin(), times->end());
  v.insert(std::upper_bound(v.begin(), v.end(), micros), micros);
  if (v.size() > static_cast<size_t>(max)) {
    v.erase(v.begin(), v.end() - max);
  }
  times->Assign(v.begin(), v.end());
}

absl::StatusOr<CustomerState> ToCustomerState(
    const internal::CustomerStateValue& value) {
  CustomerState state;
  if (value.has_profile()) {
    CustomerProfile profile;
    if (!profile.ParseFromString(value.profile())) {
      return CorruptRecord("customer profile", kStateColumnFamily);
    }
    state.profile = std::move(profile);
  }
  for (const internal::HoldingValue& h : value.holdings()) {
    if (!StartIsNewer(h)) continue;
    state.holdings.push_back(
        {h.product_id(), absl::FromUnixMicros(h.start_unix_micros())});
  }
  for (const internal::ContactHistoryValue& c : value.contacts()) {
    ContactHistory& history = state.contacts.emplace_back();
    history.product_id = c.product_id();
    for (int64_t micros : c.impression_unix_micros()) {
      history.impressions.push_back(absl::FromUnixMicros(micros));
    }
    for (int64_t micros : c.decline_unix_micros()) {
      history.declines.push_back(absl::FromUnixMicros(micros));
    }
  }
  for (const internal::ProductActivityValue& a : value.activity()) {
    state.activity.push_back({a.product_id(),
                              absl::FromUnixMicros(a.last_unix_micros()),
                              a.event_mask()});
  }
  state.activity_complete = value.activity_complete();
  state.transaction_count = value.transaction_count();
  if (value.has_newest_transaction_unix_micros()) {
    state.newest_transaction =
        absl::FromUnixMicros(value.newest_transaction_unix_micros());
  }
  return state;
}

// The decoded-state cache: customer id -> shared_ptr<const CustomerState>
// (null: the store has nothing for the customer), in a RocksDB LRU cache
// charged by approximate bytes.
using StatePtr = std::shared_ptr<const CustomerState>;

size_t ApproximateBytes(absl::string_view customer_id,
                        const CustomerState* state) {
  size_t bytes = sizeof(StatePtr) + customer_id.size() + 64;
  if (state == nullptr) return bytes;
  bytes += sizeof(CustomerState);
  if (state->profile.has_value()) bytes += 2 * state->profile->ByteSizeLong();
  for (const HoldingState& h : state->holdings) {
    bytes += sizeof(h) + h.product_id.capacity();
  }
  for (const ContactHistory& c : state->contacts) {
    bytes += sizeof(c) + c.product_id.capacity() +
             sizeof(absl::Time) * (c.impressions.size() + c.declines.size());
  }
  for (const ProductActivity& a : state->activity) {
    bytes += sizeof(a) + a.product_id.capacity();
  }
  return bytes;
}

void DeleteCachedState(const rocksdb::Slice& /*key*/, void* value) {
  delete static_cast<StatePtr*>(value);
}

// Column family options.

rocksdb::ColumnFamilyOptions TableColumnFamilyOptions(
    size_t write_buffer_bytes, bool point_lookups,
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  // Small protobuf values; not worth the CPU on the request path.
  cf.compression = rocksdb::kNoCompression;
  cf.write_buffer_size = write_buffer_bytes;
  cf.max_write_buffer_number = 2;
  cf.level_compaction_dynamic_level_bytes = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.format_version = 5;
  if (point_lookups) {
    // Whole-key reads (a customer's state, a transaction id, the decision
    // feedback names) skip the files a bloom filter rules out.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.whole_key_filtering = true;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

size_t StripeIndex(absl::string_view customer_id) {
  return common::StableHash("", customer_id) % kLockStripes;
}

// The lock stripe of each customer in `customer_ids`, ascending, each once.
std::vector<size_t> StripesOf(
    absl::Span<const absl::string_view> customer_ids) {
  std::vector<size_t> stripes;
  stripes.reserve(customer_ids.size());
  for (absl::string_view id : customer_ids) stripes.push_back(StripeIndex(id));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  return stripes;
}

}  // namespace

// The RocksDB instance and the customer lock stripes. Owns the database and
// its column family handles; CustomerStore owns the Impl. Thread-safe:
// RocksDB is, and every read-modify-write of a customer's state holds the
// customer's stripe.
class CustomerStore::Impl {
 public:
  Impl(const Options& options, std::unique_ptr<rocksdb::DB> db,
       std::vector<rocksdb::ColumnFamilyHandle*> handles,
       const std::vector<std::string>& names,
       std::shared_ptr<internal::StorageHealth> health,
       std::unique_ptr<rocksdb::Env> env)
      : env_(std::move(env)),
        options_(options),
        health_(std::move(health)),
        state_cache_(options.state_cache_bytes > 0
                         ? rocksdb::NewLRUCache(options.state_cache_bytes)
                         : nullptr),
        db_(std::move(db)),
        handles_(std::move(handles)) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == rocksdb::kDefaultColumnFamilyName) default_ = handles_[i];
      if (names[i] == kStateColumnFamily) state_ = handles_[i];
      if (names[i] == kTransactionsColumnFamily) transactions_ = handles_[i];
      if (names[i] == kTransactionIdsColumnFamily) txn_ids_ = handles_[i];
      if (names[i] == kDecisionsColumnFamily) decisions_ = handles_[i];
      if (names[i] == kFeedbackColumnFamily) feedback_ = handles_[i];
      if (names[i] == kCountsColumnFamily) counts_ = handles_[i];
    }
    ack_write_.sync = options.sync;
    log_write_.sync = false;
    scan_read_.fill_cache = false;
    next_seq_.store(static_cast<uint64_t>(absl::ToUnixMicros(absl::Now())));
    log_writer_ = std::thread([this] { WriteDecisionLog(); });
  }

  ~Impl() {
    {
      absl::MutexLock lock(&log_mu_);
      log_stop_ = true;
    }
    log_wake_.Signal();
    log_writer_.join();
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      rocksdb::Status s = db_->DestroyColumnFamilyHandle(handle);
      if (!s.ok()) {
        // Nothing to return to; the database is closing anyway.
        (void)StorageError("close column family", s);
      }
    }
    rocksdb::Status s = db_->Close();
    if (!s.ok()) {
      // Acknowledged writes are in the WAL already.
      (void)StorageError(absl::StrCat("close ", options_.path), s);
    }
  }

  absl::Status CheckFormat();
  absl::Status CheckStorage();

  absl::Status UpsertProfiles(absl::Span<const CustomerProfile> profiles);
  absl::StatusOr<AppendResult> AppendTransactions(
      absl::Span<const Transaction> transactions);
  absl::StatusOr<StatePtr> State(absl::string_view customer_id) const;
  absl::StatusOr<std::vector<Transaction>> RecentTransactions(
      absl::string_view customer_id, int limit) const;
  absl::StatusOr<CustomerPage> ListCustomers(const CustomerQuery& query) const;
  absl::Status LogDecision(absl::string_view customer_id,
                           const DecisionRecord& record);
  absl::StatusOr<std::vector<DecisionRecord>> RecentDecisions(
      absl::string_view customer_id, int limit) const;
  absl::StatusOr<FeedbackResult> RecordFeedback(absl::string_view customer_id,
                                                absl::string_view decision_id,
                                                const FeedbackEvent& event);
  absl::StatusOr<std::vector<ArmCounts>> ExperimentCounts(
      absl::string_view model_name) const;
  absl::Status ScanFeedback(
      absl::Time since,
      const std::function<absl::Status(const ExportedFeedback&)>& fn) const;
  absl::StatusOr<RetentionReport> DeleteExpired(absl::Time decisions_before,
                                                absl::Time transactions_before);

 private:
  // Drops the per-product activity summary of `customer_ids` (whose
  // transactions retention just deleted) and marks it incomplete: it would
  // otherwise keep what the deleted transactions said. Their readers then
  // read the transactions that remain.
  absl::Status ForgetActivity(const std::vector<std::string>& customer_ids);

  // One lock stripe, on its own cache line.
  struct alignas(64) Stripe {
    absl::Mutex mu;
  };

  // Holds the stripes of a set of customers, locked in ascending order so
  // that two batches sharing stripes never deadlock. The set is only known
  // at run time, which the thread-safety analysis cannot follow.
  class StripeLock {
   public:
    StripeLock(const Impl* impl,
               std::vector<size_t> stripes) ABSL_NO_THREAD_SAFETY_ANALYSIS
        : impl_(impl),
          stripes_(std::move(stripes)) {
      for (size_t s : stripes_) impl_->stripes_[s].mu.Lock();
    }
    ~StripeLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
        impl_->stripes_[*it].mu.Unlock();
      }
    }
    StripeLock(const StripeLock&) = delete;
    StripeLock& operator=(const StripeLock&) = delete;

   private:
    const Impl* impl_;
    const std::vector<size_t> stripes_;
  };

  // Reads the customer's state into `state` (cleared first); sets `*found`
  // to whether there was one. The caller holds the customer's stripe when
  // it is going to write the state back.
  absl::Status ReadState(absl::string_view customer_id,
                         internal::CustomerStateValue* state,
                         bool* found) const;

  // The state cache's side of a write: write-through. A writer of customer
  // states creates one right after taking the customers' stripes, naming
  // every customer whose state it may change, Set()s each state it puts in
  // its batch and Commit()s once the batch is written: those states are
  // then cached (the customers a bank just wrote are the likeliest to be
  // asked about next). Every other named customer's entry is dropped, and
  // so are all of them when the write failed. Either way this happens
  // before the stripes are released, and a reader that missed fills the
  // cache only under the stripe, so the cache never holds a state older
  // than the store's.
  class CacheWrite {
   public:
    // `ids`: every customer whose state the write may change.
    CacheWrite(const Impl* impl, std::vector<absl::string_view> ids)
        : impl_(impl), ids_(std::move(ids)) {}
    ~CacheWrite() {
      if (impl_->state_cache_ == nullptr) return;
      for (absl::string_view id : ids_) {
        // Erase first: an Insert that does not fit (every other entry in
        // use by readers) is dropped, and must not leave the old state
        // behind.
        impl_->state_cache_->Erase(ToSlice(id));
        auto it = states_.find(id);
        if (committed_ && it != states_.end() && it->second != nullptr) {
          impl_->CacheState(id, it->second);
        }
      }
    }
    CacheWrite(const CacheWrite&) = delete;
    CacheWrite& operator=(const CacheWrite&) = delete;

    // `value` is what the batch puts as the state of `customer_id`, one of
    // the ids.
    void Set(absl::string_view customer_id,
             const internal::CustomerStateValue& value) {
      if (impl_->state_cache_ == nullptr) return;
      absl::StatusOr<CustomerState> decoded = ToCustomerState(value);
      // Undecodable: the entry is dropped; a read reports the corruption.
      states_[customer_id] =
          decoded.ok()
              ? std::make_shared<const CustomerState>(*std::move(decoded))
              : nullptr;
    }
    void Commit() { committed_ = true; }

   private:
    const Impl* impl_;
    const std::vector<absl::string_view> ids_;
    absl::flat_hash_map<absl::string_view, StatePtr> states_;
    bool committed_ = false;
  };
  void CacheState(absl::string_view customer_id, StatePtr state) const;

  // Deletes `keys` (pairs of column family and key) in one batch, holding
  // the stripes of the customers they belong to.
  absl::Status DeleteKeys(
      const std::vector<std::pair<rocksdb::ColumnFamilyHandle*, std::string>>&
          keys,
      absl::string_view operation);

  // Every write goes through here, so that StorageHealth sees how it went.
  rocksdb::Status Write(const rocksdb::WriteOptions& options,
                        rocksdb::WriteBatch* batch) const {
    rocksdb::Status s = db_->Write(options, batch);
    health_->RecordWrite(s);
    return s;
  }

  // The decision log's writer thread: writes what LogDecision queued, in
  // one batch per wake-up, until the destructor stops it (after writing
  // everything queued). A batch that fails to write is kept and written
  // again after a pause (doubling up to kDecisionLogMaxRetry) until it
  // succeeds; meanwhile LogDecision refuses new decisions with the error.
  void WriteDecisionLog();
  // Waits for the writer to take what LogDecision queued (or the destructor
  // to stop it); returns with log_mu_ held and the batch taken in `batch`,
  // and sets `*through` to how many decisions the batch ends with.
  // False when the destructor stopped the writer and nothing is queued.
  bool TakeDecisionBatch(rocksdb::WriteBatch* batch, uint64_t* through)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(log_mu_);
  // Waits until every decision logged before the call is in RocksDB. The
  // log's error (RESOURCE_EXHAUSTED when the disk is full) while it cannot
  // be written.
  absl::Status FlushDecisionLog() const;

  // The Env of Options::faults (tests); null otherwise. First, so that it
  // outlives the database.
  const std::unique_ptr<rocksdb::Env> env_;
  const Options options_;
  // Whether writes work, as RocksDB and the writes themselves report it.
  const std::shared_ptr<internal::StorageHealth> health_;
  // Null when Options::state_cache_bytes is 0.
  const std::shared_ptr<rocksdb::Cache> state_cache_;
  mutable absl::Mutex log_mu_;
  // Decisions queued for the writer thread.
  rocksdb::WriteBatch log_pending_ ABSL_GUARDED_BY(log_mu_);
  uint64_t log_enqueued_ ABSL_GUARDED_BY(log_mu_) = 0;
  uint64_t log_written_ ABSL_GUARDED_BY(log_mu_) = 0;
  bool log_stop_ ABSL_GUARDED_BY(log_mu_) = false;
  // A reader waits for the queue: write it now.
  mutable bool log_flush_requested_ ABSL_GUARDED_BY(log_mu_) = false;
  // The writer waits for a first decision (not for the interval): the next
  // LogDecision signals log_wake_.
  bool log_writer_idle_ ABSL_GUARDED_BY(log_mu_) = false;
  // Wakes the writer: a decision after a quiet spell, a flush, the stop.
  mutable absl::CondVar log_wake_;
  // Signalled after every write of the log.
  mutable absl::CondVar log_written_cv_;
  // CheckStorage found RocksDB writable while the log was failing: retry
  // now.
  bool log_retry_now_ ABSL_GUARDED_BY(log_mu_) = false;
  // Why the last write of the log failed; OK once a write succeeds.
  // LogDecision fails with it meanwhile.
  absl::Status log_error_ ABSL_GUARDED_BY(log_mu_);
  std::thread log_writer_;
  const std::unique_ptr<rocksdb::DB> db_;
  // Every open column family handle (including "default"), owned.
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  rocksdb::ColumnFamilyHandle* state_ = nullptr;
  rocksdb::ColumnFamilyHandle* transactions_ = nullptr;
  rocksdb::ColumnFamilyHandle* txn_ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* decisions_ = nullptr;
  rocksdb::ColumnFamilyHandle* feedback_ = nullptr;
  rocksdb::ColumnFamilyHandle* counts_ = nullptr;

  // Acknowledged writes: synced unless Options::sync is off.
  rocksdb::WriteOptions ack_write_;
  // Decision log and retention: WAL, not synced.
  rocksdb::WriteOptions log_write_;
  rocksdb::ReadOptions point_read_;
  rocksdb::ReadOptions scan_read_;

  // Arrival order of transactions; see the header's "Time order". Taken
  // while holding the stripes of the customers it numbers, so that one
  // customer's numbers follow the order its batches are written in.
  std::atomic<uint64_t> next_seq_{0};

  mutable std::array<Stripe, kLockStripes> stripes_;
};

absl::Status CustomerStore::Impl::CheckFormat() {
  rocksdb::PinnableSlice bytes;
  rocksdb::Status s = db_->Get(point_read_, default_, kFormatKey, &bytes);
  if (s.IsNotFound()) {
    internal::StoreFormat format;
    format.set_format_version(kFormatVersion);
    rocksdb::WriteBatch batch;
    s = batch.Put(default_, kFormatKey, format.SerializeAsString());
    if (s.ok()) s = Write(ack_write_, &batch);
    if (!s.ok()) return StorageError("write store format", s);
    return absl::OkStatus();
  }
  if (!s.ok()) return StorageError("read store format", s);
  internal::StoreFormat format;
  if (!ParseSlice(bytes, &format)) {
    return CorruptRecord("store format", rocksdb::kDefaultColumnFamilyName);
  }
  if (format.format_version() > kFormatVersion) {
    return absl::InternalError(
        absl::StrCat("customer store at ", options_.path, " has format ",
                     format.format_version(), "; this binary reads format ",
                     kFormatVersion, " at most"));
  }
  return absl::OkStatus();
}

absl::Status CustomerStore::Impl::CheckStorage() {
  NBO_RETURN_IF_ERROR(internal::RecoverWrites(db_.get(), health_.get(), [this] {
    rocksdb::WriteBatch batch;
    rocksdb::Status s = batch.Put(default_, kProbeKey, "");
    return s.ok() ? db_->Write(log_write_, &batch) : s;
  }));
  // RocksDB takes writes; the decision log too once its writer has written
  // what it holds: have it try now rather than after its pause.
  absl::MutexLock lock(&log_mu_);
  if (log_error_.ok()) return absl::OkStatus();
  log_retry_now_ = true;
  log_wake_.Signal();
  return log_error_;
}

absl::Status CustomerStore::Impl::ReadState(absl::string_view customer_id,
                                            internal::CustomerStateValue* state,
                                            bool* found) const {
  state->Clear();
  *found = false;
  rocksdb::PinnableSlice bytes;
  rocksdb::Status s =
      db_->Get(point_read_, state_, ToSlice(customer_id), &bytes);
  if (s.IsNotFound()) return absl::OkStatus();
  if (!s.ok()) return StorageError("read customer state", s);
  if (!ParseSlice(bytes, state)) {
    return CorruptRecord("customer state", kStateColumnFamily);
  }
  *found = true;
  return absl::OkStatus();
}

absl::Status CustomerStore::Impl::UpsertProfiles(
    absl::Span<const CustomerProfile> profiles) {
  if (profiles.empty()) return absl::OkStatus();
  // The last profile of each customer wins.
  std::map<absl::string_view, const CustomerProfile*> last;
  for (const CustomerProfile& p : profiles) last[p.customer_id()] = &p;
  std::vector<absl::string_view> ids;
  ids.reserve(last.size());
  for (const auto& [id, profile] : last) ids.push_back(id);

  StripeLock lock(this, StripesOf(ids));
  CacheWrite cache(this, ids);
  rocksdb::WriteBatch batch;
  internal::CustomerStateValue state;
  for (const auto& [id, profile] : last) {
    bool found = false;
    NBO_RETURN_IF_ERROR(ReadState(id, &state, &found));
    state.set_profile(profile->SerializeAsString());
    rocksdb::Status s =
        batch.Put(state_, ToSlice(id), state.SerializeAsString());
    if (!s.ok()) return StorageError("batch customer profiles", s);
    cache.Set(id, state);
  }
  rocksdb::Status s = Write(ack_write_, &batch);
  if (!s.ok()) return StorageError("write customer profiles", s);
  cache.Commit();
  return absl::OkStatus();
}

absl::StatusOr<AppendResult> CustomerStore::Impl::AppendTransactions(
    absl::Span<const Transaction> transactions) {
  AppendResult result;
  if (transactions.empty()) return result;
  // Each customer's transactions, in arrival order.
  std::map<absl::string_view, std::vector<size_t>> by_customer;
  for (size_t i = 0; i < transactions.size(); ++i) {
    by_customer[transactions[i].customer_id()].push_back(i);
  }
  std::vector<absl::string_view> ids;
  ids.reserve(by_customer.size());
  for (const auto& [id, indexes] : by_customer) ids.push_back(id);

  StripeLock lock(this, StripesOf(ids));
  CacheWrite cache(this, ids);
  // Transaction i of the batch arrives as first_seq + i.
  const uint64_t first_seq = next_seq_.fetch_add(transactions.size());
  rocksdb::WriteBatch batch;
  internal::CustomerStateValue state;
  for (const auto& [customer_id, indexes] : by_customer) {
    bool found = false;
    NBO_RETURN_IF_ERROR(ReadState(customer_id, &state, &found));
    absl::flat_hash_set<absl::string_view> batch_ids;
    bool changed = false;
    for (size_t i : indexes) {
      const Transaction& t = transactions[i];
      const uint64_t seq = first_seq + i;
      std::string id_key;
      if (!t.transaction_id().empty()) {
        if (!batch_ids.insert(t.transaction_id()).second) {
          ++result.duplicates;
          continue;
        }
        id_key = CustomerKey(customer_id, t.transaction_id());
        rocksdb::PinnableSlice ignored;
        rocksdb::Status s = db_->Get(point_read_, txn_ids_, id_key, &ignored);
        if (s.ok()) {
          ++result.duplicates;
          continue;
        }
        if (!s.IsNotFound()) return StorageError("read transaction id", s);
      }
      const int64_t micros = MicrosFromProto(t.timestamp());
      const std::string key = TransactionKey(customer_id, micros, seq);
      rocksdb::Status s = batch.Put(transactions_, key, t.SerializeAsString());
      if (s.ok() && !id_key.empty()) s = batch.Put(txn_ids_, id_key, key);
      if (!s.ok()) return StorageError("batch transactions", s);
      ApplyTransaction(t, micros, seq, &state);
      ++result.accepted;
      changed = true;
    }
    if (changed) {
      rocksdb::Status s =
          batch.Put(state_, ToSlice(customer_id), state.SerializeAsString());
      if (!s.ok()) return StorageError("batch customer state", s);
      cache.Set(customer_id, state);
    }
  }
  if (result.accepted == 0) return result;
  rocksdb::Status s = Write(ack_write_, &batch);
  if (!s.ok()) return StorageError("write transactions", s);
  cache.Commit();
  return result;
}

absl::StatusOr<StatePtr> CustomerStore::Impl::State(
    absl::string_view customer_id) const {
  if (state_cache_ != nullptr) {
    if (rocksdb::Cache::Handle* handle =
            state_cache_->Lookup(ToSlice(customer_id));
        handle != nullptr) {
      StatePtr state = *static_cast<StatePtr*>(state_cache_->Value(handle));
      state_cache_->Release(handle);
      return state;
    }
  }
  // A miss reads under the customer's stripe (shared with other readers):
  // no writer is between its write and its CacheWrite, so what is cached
  // is what the store holds.
  absl::ReaderMutexLock lock(&stripes_[StripeIndex(customer_id)].mu);
  internal::CustomerStateValue value;
  bool found = false;
  NBO_RETURN_IF_ERROR(ReadState(customer_id, &value, &found));
  StatePtr state;
  if (found) {
    NBO_ASSIGN_OR_RETURN(CustomerState decoded, ToCustomerState(value));
    state = std::make_shared<const CustomerState>(std::move(decoded));
  }
  if (state_cache_ != nullptr) CacheState(customer_id, state);
  return state;
}

void CustomerStore::Impl::CacheState(absl::string_view customer_id,
                                     StatePtr state) const {
  const size_t charge = ApproximateBytes(customer_id, state.get());
  rocksdb::Status s =
      state_cache_->Insert(ToSlice(customer_id), new StatePtr(std::move(state)),
                           charge, &DeleteCachedState);
  // Insert deletes the value itself when it fails (only with a strict
  // capacity limit, which this cache does not set). An insert that does not
  // fit is dropped silently, leaving any older entry for the key: writers
  // erase theirs first (CacheWrite).
  (void)s;
}

absl::StatusOr<std::vector<Transaction>>
CustomerStore::Impl::RecentTransactions(absl::string_view customer_id,
                                        int limit) const {
  NBO_RETURN_IF_ERROR(CheckLimit(limit));
  std::vector<Transaction> transactions;
  if (limit == 0) return transactions;
  const std::string lower = CustomerPrefix(customer_id);
  const std::string upper = PrefixEnd(lower);
  rocksdb::Slice lower_slice(lower);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_lower_bound = &lower_slice;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, transactions_));
  for (it->SeekToLast();
       it->Valid() && transactions.size() < static_cast<size_t>(limit);
       it->Prev()) {
    if (!ParseSlice(it->value(), &transactions.emplace_back())) {
      return CorruptRecord("transaction", kTransactionsColumnFamily);
    }
  }
  if (!it->status().ok()) {
    return StorageError("read transactions", it->status());
  }
  return transactions;
}

absl::StatusOr<CustomerPage> CustomerStore::Impl::ListCustomers(
    const CustomerQuery& query) const {
  if (query.page_size <= 0 || query.scan_limit < query.page_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must be in [1, scan_limit], got ",
                     query.page_size, " with scan_limit ", query.scan_limit));
  }
  CustomerPage page;
  // Profiles are only parsed when a segment is asked for; the iterator does
  // not fill the block cache, so browsing does not evict the request path's
  // blocks.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan_read_, state_));
  if (query.after.empty() || query.after < query.id_prefix) {
    it->Seek(ToSlice(query.id_prefix));
  } else {
    it->Seek(ToSlice(query.after));
    if (it->Valid() && ToStringView(it->key()) == query.after) it->Next();
  }
  int examined = 0;
  std::string last_examined;
  internal::CustomerStateValue state;
  CustomerProfile profile;
  for (; it->Valid(); it->Next()) {
    const absl::string_view id = ToStringView(it->key());
    if (!absl::StartsWith(id, query.id_prefix)) break;
    if (examined == query.scan_limit ||
        page.customer_ids.size() == static_cast<size_t>(query.page_size)) {
      page.resume_after = std::move(last_examined);
      break;
    }
    ++examined;
    last_examined.assign(id.data(), id.size());
    if (query.segment.has_value()) {
      if (!ParseSlice(it->value(), &state)) {
        return CorruptRecord("customer state", kStateColumnFamily);
      }
      if (!state.has_profile()) continue;
      if (!profile.ParseFromString(state.profile())) {
        return CorruptRecord("customer profile", kStateColumnFamily);
      }
      if (profile.segment() != *query.segment) continue;
    }
    page.customer_ids.emplace_back(id);
  }
  if (!it->status().ok()) return StorageError("list customers", it->status());
  return page;
}

absl::Status CustomerStore::Impl::LogDecision(absl::string_view customer_id,
                                              const DecisionRecord& record) {
  NBO_RETURN_IF_ERROR(DecisionIdTime(record.decision_id()).status());
  // Per-thread buffers: logging a decision allocates nothing once they have
  // grown to the size of a record.
  thread_local std::string key;
  thread_local std::string value;
  key.clear();
  AppendCustomerKey(customer_id, record.decision_id(), &key);
  value.clear();
  if (record.feedback_size() == 0) {
    record.AppendToString(&value);
  } else {
    DecisionRecord copy = record;
    copy.clear_feedback();
    copy.AppendToString(&value);
  }
  bool wake = false;
  {
    absl::MutexLock lock(&log_mu_);
    if (!log_error_.ok()) return log_error_;
    rocksdb::Status s = log_pending_.Put(decisions_, key, value);
    if (!s.ok()) return StorageError("queue decision", s);
    ++log_enqueued_;
    wake = log_writer_idle_;
    log_writer_idle_ = false;
  }
  // Only the first decision after a quiet spell wakes the writer; under
  // load it wakes on its own every interval, and request threads neither
  // signal nor make the unlock evaluate a condition.
  if (wake) log_wake_.Signal();
  return absl::OkStatus();
}

bool CustomerStore::Impl::TakeDecisionBatch(rocksdb::WriteBatch* batch,
                                            uint64_t* through) {
  while (log_pending_.Count() == 0 && !log_stop_ && !log_flush_requested_) {
    log_writer_idle_ = true;
    log_wake_.Wait(&log_mu_);
  }
  log_writer_idle_ = false;
  if (log_pending_.Count() == 0 && log_stop_) return false;  // All written.
  if (!log_stop_ && !log_flush_requested_) {
    // Let a batch gather: under load, one write per interval instead of one
    // wake-up (and context switch) per decision. A flush or the destructor
    // cuts it short.
    const absl::Time deadline = absl::Now() + kDecisionLogInterval;
    while (!log_stop_ && !log_flush_requested_ &&
           !log_wake_.WaitWithDeadline(&log_mu_, deadline)) {
    }
  }
  log_flush_requested_ = false;
  // Swapped: the two batches keep their capacity, so the queue stops
  // allocating once it has grown to a busy interval's size.
  std::swap(*batch, log_pending_);
  *through = log_enqueued_;
  return true;
}

void CustomerStore::Impl::WriteDecisionLog() {
  // What the writer writes next: a batch taken from the queue, or one whose
  // write failed, kept until a write of it succeeds (its decisions were
  // answered with their ids: feedback must find them).
  rocksdb::WriteBatch batch;
  uint64_t through = 0;
  absl::Duration retry = kDecisionLogFirstRetry;
  while (true) {
    {
      absl::MutexLock lock(&log_mu_);
      if (batch.Count() == 0) {
        if (!TakeDecisionBatch(&batch, &through)) return;
      } else if (!log_stop_) {
        // Only the destructor and CheckStorage cut the pause short.
        const absl::Time deadline = absl::Now() + retry;
        while (!log_stop_ && !log_retry_now_ &&
               !log_wake_.WaitWithDeadline(&log_mu_, deadline)) {
        }
        log_retry_now_ = false;
      }
    }
    // One WriteBatch for everything that queued while the last was written:
    // request threads never contend for RocksDB's write path.
    rocksdb::Status s =
        batch.Count() > 0 ? Write(log_write_, &batch) : rocksdb::Status();
    {
      absl::MutexLock lock(&log_mu_);
      if (s.ok()) {
        log_error_ = absl::OkStatus();
        log_written_ = through;
        retry = kDecisionLogFirstRetry;
        batch.Clear();
      } else {
        log_error_ = StorageError("log decisions", s);
        retry = std::min(2 * retry, kDecisionLogMaxRetry);
        if (log_stop_) {
          // Nothing will write it; said once, without ids.
          std::fprintf(stderr,
                       "nbo customer store: %u decisions could not be logged "
                       "before shutdown\n",
                       batch.Count());
          log_written_ = through;
          batch.Clear();
        }
      }
    }
    log_written_cv_.SignalAll();
  }
}

absl::Status CustomerStore::Impl::FlushDecisionLog() const {
  absl::MutexLock lock(&log_mu_);
  const uint64_t target = log_enqueued_;
  if (log_written_ >= target) return absl::OkStatus();
  if (!log_error_.ok()) return log_error_;
  log_flush_requested_ = true;
  log_wake_.Signal();
  while (log_written_ < target && log_error_.ok()) {
    log_written_cv_.Wait(&log_mu_);
  }
  return log_written_ >= target ? absl::OkStatus() : log_error_;
}

absl::StatusOr<std::vector<DecisionRecord>>
CustomerStore::Impl::RecentDecisions(absl::string_view customer_id,
                                     int limit) const {
  // While the log cannot be written the compliance view shows what is
  // stored: reads keep working when writes do not.
  (void)FlushDecisionLog();
  NBO_RETURN_IF_ERROR(CheckLimit(limit));
  std::vector<DecisionRecord> decisions;
  if (limit == 0) return decisions;
  // Decisions and feedback from the same point in time.
  rocksdb::ManagedSnapshot snapshot(db_.get());
  const std::string lower = CustomerPrefix(customer_id);
  const std::string upper = PrefixEnd(lower);
  rocksdb::Slice lower_slice(lower);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();
  read.iterate_lower_bound = &lower_slice;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, decisions_));
  std::unique_ptr<rocksdb::Iterator> feedback(
      db_->NewIterator(read, feedback_));
  for (it->SeekToLast();
       it->Valid() && decisions.size() < static_cast<size_t>(limit);
       it->Prev()) {
    DecisionRecord& record = decisions.emplace_back();
    if (!ParseSlice(it->value(), &record)) {
      return CorruptRecord("decision", kDecisionsColumnFamily);
    }
    // customer '\0' decision_id '\0': this decision's feedback.
    std::string prefix(ToStringView(it->key()));
    prefix.push_back('\0');
    for (feedback->Seek(prefix);
         feedback->Valid() && feedback->key().starts_with(prefix);
         feedback->Next()) {
      internal::FeedbackRecordValue value;
      if (!ParseSlice(feedback->value(), &value) ||
          !record.add_feedback()->ParseFromString(value.event())) {
        return CorruptRecord("feedback", kFeedbackColumnFamily);
      }
    }
    if (!feedback->status().ok()) {
      return StorageError("read feedback", feedback->status());
    }
    std::stable_sort(record.mutable_feedback()->pointer_begin(),
                     record.mutable_feedback()->pointer_end(),
                     [](const FeedbackEvent* a, const FeedbackEvent* b) {
                       return common::FromProtoTime(a->timestamp()) <
                              common::FromProtoTime(b->timestamp());
                     });
  }
  if (!it->status().ok()) return StorageError("read decisions", it->status());
  return decisions;
}

absl::StatusOr<FeedbackResult> CustomerStore::Impl::RecordFeedback(
    absl::string_view customer_id, absl::string_view decision_id,
    const FeedbackEvent& event) {
  NBO_RETURN_IF_ERROR(DecisionIdTime(decision_id).status());
  // The decision may still be queued for the log; while the log cannot be
  // written, neither can feedback.
  NBO_RETURN_IF_ERROR(FlushDecisionLog());
  const FeedbackOutcome outcome = event.outcome();
  if (outcome != nbo::v1::FEEDBACK_OUTCOME_IMPRESSION &&
      outcome != nbo::v1::FEEDBACK_OUTCOME_ACCEPTED &&
      outcome != nbo::v1::FEEDBACK_OUTCOME_DECLINED) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown feedback outcome ", static_cast<int>(outcome)));
  }
  if (!event.has_timestamp()) {
    return absl::InvalidArgumentError("feedback has no timestamp");
  }

  absl::MutexLock lock(&stripes_[StripeIndex(customer_id)].mu);
  CacheWrite cache(this, {customer_id});
  rocksdb::PinnableSlice decision_bytes;
  rocksdb::Status s =
      db_->Get(point_read_, decisions_, CustomerKey(customer_id, decision_id),
               &decision_bytes);
  if (s.IsNotFound()) {
    // Neither the customer id nor the decision id (which only that customer
    // should know) goes into the status.
    return absl::NotFoundError("no such decision for this customer");
  }
  if (!s.ok()) return StorageError("read decision", s);
  DecisionRecord decision;
  if (!ParseSlice(decision_bytes, &decision)) {
    return CorruptRecord("decision", kDecisionsColumnFamily);
  }
  // A product id with a NUL byte would make its keys ambiguous; no catalog
  // has one, so no decision offers one.
  const bool offered =
      event.product_id().find('\0') == std::string::npos &&
      std::any_of(decision.offers().begin(), decision.offers().end(),
                  [&](const nbo::v1::Offer& o) {
                    return o.product_id() == event.product_id();
                  });
  if (!offered) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the decision did not offer product \"", event.product_id(), "\""));
  }

  FeedbackResult result;
  result.model_name = decision.model_name();
  result.model_version = decision.model_version();
  result.experiment_arm = decision.experiment_arm();

  const std::string offer_prefix =
      OfferPrefix(customer_id, decision_id, event.product_id());
  const std::string key =
      absl::StrCat(offer_prefix, std::string(1, static_cast<char>(outcome)));
  {
    // One seek answers both questions: is this outcome recorded, and is any?
    const std::string upper = PrefixEnd(offer_prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read = point_read_;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, feedback_));
    it->Seek(offer_prefix);
    result.first_for_offer = !it->Valid();
    for (; it->Valid(); it->Next()) {
      if (ToStringView(it->key()) == key) {
        result.duplicate = true;
        break;
      }
    }
    if (!it->status().ok()) return StorageError("read feedback", it->status());
  }
  if (result.duplicate) return result;

  internal::FeedbackRecordValue value;
  value.set_event(event.SerializeAsString());
  value.set_model_name(decision.model_name());
  value.set_model_version(decision.model_version());
  value.set_experiment_arm(decision.experiment_arm());

  std::array<int64_t, kCounterCount> delta{};
  delta[kImpressions] = result.first_for_offer ? 1 : 0;
  delta[kAccepted] = outcome == nbo::v1::FEEDBACK_OUTCOME_ACCEPTED ? 1 : 0;
  delta[kDeclined] = outcome == nbo::v1::FEEDBACK_OUTCOME_DECLINED ? 1 : 0;

  internal::CustomerStateValue state;
  bool found = false;
  NBO_RETURN_IF_ERROR(ReadState(customer_id, &state, &found));
  const bool contact = outcome != nbo::v1::FEEDBACK_OUTCOME_ACCEPTED;
  if (contact) {
    internal::ContactHistoryValue* history =
        FindOrAddProduct(state.mutable_contacts(), event.product_id());
    AddContact(MicrosFromProto(event.timestamp()),
               options_.max_contacts_per_product,
               outcome == nbo::v1::FEEDBACK_OUTCOME_IMPRESSION
                   ? history->mutable_impression_unix_micros()
                   : history->mutable_decline_unix_micros());
  }

  rocksdb::WriteBatch batch;
  s = batch.Put(feedback_, key, value.SerializeAsString());
  if (s.ok() && (contact || !found)) {
    s = batch.Put(state_, ToSlice(customer_id), state.SerializeAsString());
    cache.Set(customer_id, state);
  }
  if (s.ok()) {
    s = batch.Merge(counts_,
                    CountsKey(decision.model_name(), decision.experiment_arm()),
                    EncodeCounters(delta));
  }
  if (!s.ok()) return StorageError("batch feedback", s);
  s = Write(ack_write_, &batch);
  if (!s.ok()) return StorageError("write feedback", s);
  cache.Commit();
  return result;
}

absl::StatusOr<std::vector<ArmCounts>> CustomerStore::Impl::ExperimentCounts(
    absl::string_view model_name) const {
  std::vector<ArmCounts> counts;
  // No model is named with a NUL byte; such a name would match another's.
  if (model_name.find('\0') != absl::string_view::npos) return counts;
  std::string lower;
  std::string upper;
  rocksdb::Slice upper_slice;
  rocksdb::ReadOptions read;
  if (!model_name.empty()) {
    lower = CountsKey(model_name, "");
    upper = PrefixEnd(lower);
    upper_slice = rocksdb::Slice(upper);
    read.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, counts_));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    const absl::string_view key = ToStringView(it->key());
    const size_t nul = key.find('\0');
    const rocksdb::Slice value = it->value();
    if (nul == absl::string_view::npos || value.size() % 8 != 0) {
      return CorruptRecord("experiment counts", kCountsColumnFamily);
    }
    std::array<int64_t, kCounterCount> c{};
    for (size_t i = 0; i < kCounterCount && 8 * i < value.size(); ++i) {
      c[i] = GetCounter(value.data() + 8 * i);
    }
    counts.push_back({std::string(key.substr(0, nul)),
                      std::string(key.substr(nul + 1)), c[kImpressions],
                      c[kAccepted], c[kDeclined]});
  }
  if (!it->status().ok()) {
    return StorageError("read experiment counts", it->status());
  }
  return counts;
}

absl::Status CustomerStore::Impl::ScanFeedback(
    absl::Time since,
    const std::function<absl::Status(const ExportedFeedback&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(scan_read_, feedback_));
  ExportedFeedback exported;
  internal::FeedbackRecordValue value;
  FeedbackEvent event;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    // customer '\0' decision '\0' product '\0' outcome
    const absl::string_view key = ToStringView(it->key());
    const size_t first = key.find('\0');
    const size_t second = first == absl::string_view::npos
                              ? absl::string_view::npos
                              : key.find('\0', first + 1);
    if (second == absl::string_view::npos || !ParseSlice(it->value(), &value) ||
        !event.ParseFromString(value.event())) {
      return CorruptRecord("feedback", kFeedbackColumnFamily);
    }
    if (common::FromProtoTime(event.timestamp()) < since) continue;
    exported.Clear();
    exported.set_customer_id(std::string(key.substr(0, first)));
    exported.set_decision_id(
        std::string(key.substr(first + 1, second - first - 1)));
    exported.set_product_id(event.product_id());
    exported.set_outcome(event.outcome());
    *exported.mutable_timestamp() = event.timestamp();
    exported.set_model_name(value.model_name());
    exported.set_model_version(value.model_version());
    exported.set_experiment_arm(value.experiment_arm());
    exported.set_channel(event.channel());
    NBO_RETURN_IF_ERROR(fn(exported));
  }
  if (!it->status().ok()) return StorageError("scan feedback", it->status());
  return absl::OkStatus();
}

absl::Status CustomerStore::Impl::DeleteKeys(
    const std::vector<std::pair<rocksdb::ColumnFamilyHandle*, std::string>>&
        keys,
    absl::string_view operation) {
  if (keys.empty()) return absl::OkStatus();
  std::vector<absl::string_view> customers;
  customers.reserve(keys.size());
  for (const auto& [cf, key] : keys) customers.push_back(KeyCustomer(key));
  // Under the stripes, so that no read-modify-write (feedback checking its
  // decision, a transaction checking its id) interleaves with the deletion.
  StripeLock lock(this, StripesOf(customers));
  rocksdb::WriteBatch batch;
  for (const auto& [cf, key] : keys) {
    rocksdb::Status s = batch.Delete(cf, key);
    if (!s.ok()) return StorageError(operation, s);
  }
  // Not synced: a deletion lost in a crash is simply repeated next time.
  rocksdb::Status s = Write(log_write_, &batch);
  if (!s.ok()) return StorageError(operation, s);
  return absl::OkStatus();
}

absl::StatusOr<RetentionReport> CustomerStore::Impl::DeleteExpired(
    absl::Time decisions_before, absl::Time transactions_before) {
  // Retention deletes; with the log failing, so would the deletes.
  NBO_RETURN_IF_ERROR(FlushDecisionLog());
  RetentionReport report;
  std::vector<std::pair<rocksdb::ColumnFamilyHandle*, std::string>> doomed;

  // Decisions first, then feedback: feedback is found by its decision's
  // time (in its key), so a crash in between, or feedback recorded while
  // its decision was being deleted, leaves nothing the next run misses.
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(scan_read_, decisions_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const absl::string_view key = ToStringView(it->key());
      const size_t nul = key.find('\0');
      if (nul == absl::string_view::npos) {
        return CorruptRecord("decision key", kDecisionsColumnFamily);
      }
      absl::StatusOr<absl::Time> made = DecisionIdTime(key.substr(nul + 1));
      if (!made.ok()) {
        // LogDecision checks ids; an older or foreign record falls back to
        // the time it carries.
        DecisionRecord record;
        if (!ParseSlice(it->value(), &record)) {
          return CorruptRecord("decision", kDecisionsColumnFamily);
        }
        made = common::FromProtoTime(record.timestamp());
      }
      if (*made >= decisions_before) continue;
      doomed.emplace_back(decisions_, std::string(key));
      if (doomed.size() >= kRetentionBatchKeys) {
        NBO_RETURN_IF_ERROR(DeleteKeys(doomed, "delete expired decisions"));
        report.decisions += static_cast<int64_t>(doomed.size());
        doomed.clear();
      }
    }
    if (!it->status().ok()) {
      return StorageError("scan decisions", it->status());
    }
    NBO_RETURN_IF_ERROR(DeleteKeys(doomed, "delete expired decisions"));
    report.decisions += static_cast<int64_t>(doomed.size());
    doomed.clear();
  }

  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(scan_read_, feedback_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const absl::string_view key = ToStringView(it->key());
      const size_t first = key.find('\0');
      const size_t second = first == absl::string_view::npos
                                ? absl::string_view::npos
                                : key.find('\0', first + 1);
      if (second == absl::string_view::npos) {
        return CorruptRecord("feedback key", kFeedbackColumnFamily);
      }
      absl::StatusOr<absl::Time> made =
          DecisionIdTime(key.substr(first + 1, second - first - 1));
      if (!made.ok()) {
        return CorruptRecord("feedback key", kFeedbackColumnFamily);
      }
      if (*made >= decisions_before) continue;
      doomed.emplace_back(feedback_, std::string(key));
      if (doomed.size() >= kRetentionBatchKeys) {
        NBO_RETURN_IF_ERROR(DeleteKeys(doomed, "delete expired feedback"));
        report.feedback += static_cast<int64_t>(doomed.size());
        doomed.clear();
      }
    }
    if (!it->status().ok()) return StorageError("scan feedback", it->status());
    NBO_RETURN_IF_ERROR(DeleteKeys(doomed, "delete expired feedback"));
    report.feedback += static_cast<int64_t>(doomed.size());
    doomed.clear();
  }

  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(scan_read_, transactions_));
    int64_t pending = 0;
    // Customers with a deleted transaction, once each (keys are ordered by
    // customer).
    std::vector<std::string> touched;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const absl::string_view key = ToStringView(it->key());
      const size_t nul = key.find('\0');
      if (nul == absl::string_view::npos ||
          key.size() != nul + 1 + kTransactionSuffixSize) {
        return CorruptRecord("transaction key", kTransactionsColumnFamily);
      }
      const int64_t micros =
          MicrosFromOrdered(ReadBigEndian64(key.data() + nul + 1));
      if (absl::FromUnixMicros(micros) >= transactions_before) continue;
      Transaction t;
      if (!ParseSlice(it->value(), &t)) {
        return CorruptRecord("transaction", kTransactionsColumnFamily);
      }
      doomed.emplace_back(transactions_, std::string(key));
      if (touched.empty() || touched.back() != key.substr(0, nul)) {
        touched.emplace_back(key.substr(0, nul));
      }
      if (!t.transaction_id().empty()) {
        doomed.emplace_back(
            txn_ids_, CustomerKey(key.substr(0, nul), t.transaction_id()));
      }
      ++pending;
      if (doomed.size() >= kRetentionBatchKeys) {
        NBO_RETURN_IF_ERROR(DeleteKeys(doomed, "delete expired transactions"));
        report.transactions += pending;
        pending = 0;
        doomed.clear();
      }
    }
    if (!it->status().ok()) {
      return StorageError("scan transactions", it->status());
    }
    NBO_RETURN_IF_ERROR(DeleteKeys(doomed, "delete expired transactions"));
    report.transactions += pending;
    NBO_RETURN_IF_ERROR(ForgetActivity(touched));
  }
  return report;
}

absl::Status CustomerStore::Impl::ForgetActivity(
    const std::vector<std::string>& customer_ids) {
  constexpr size_t kChunk = 1024;
  for (size_t begin = 0; begin < customer_ids.size(); begin += kChunk) {
    std::vector<absl::string_view> ids(
        customer_ids.begin() + begin,
        customer_ids.begin() + std::min(customer_ids.size(), begin + kChunk));
    StripeLock lock(this, StripesOf(ids));
    CacheWrite cache(this, ids);
    rocksdb::WriteBatch batch;
    internal::CustomerStateValue state;
    for (absl::string_view id : ids) {
      bool found = false;
      NBO_RETURN_IF_ERROR(ReadState(id, &state, &found));
      if (!found ||
          (state.activity_size() == 0 && !state.activity_complete())) {
        continue;
      }
      state.clear_activity();
      state.set_activity_complete(false);
      rocksdb::Status s =
          batch.Put(state_, ToSlice(id), state.SerializeAsString());
      if (!s.ok()) return StorageError("batch customer state", s);
      cache.Set(id, state);
    }
    if (batch.Count() == 0) continue;
    rocksdb::Status s = Write(ack_write_, &batch);
    if (!s.ok()) return StorageError("forget expired activity", s);
    cache.Commit();
  }
  return absl::OkStatus();
}

// Decision ids.

std::string MakeDecisionId(absl::Time now) {
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local absl::BitGen gen;
  const uint64_t parts[2] = {static_cast<uint64_t>(absl::ToUnixMicros(now)),
                             absl::Uniform<uint64_t>(gen)};
  std::string id(kDecisionIdSize, '0');
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 16; ++i) {
      id[16 * p + i] = kHex[(parts[p] >> (60 - 4 * i)) & 0xf];
    }
  }
  return id;
}

absl::StatusOr<absl::Time> DecisionIdTime(absl::string_view decision_id) {
  if (decision_id.size() != kDecisionIdSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "decision id must be ", kDecisionIdSize,
        " lowercase hex characters; got ", decision_id.size(), " characters"));
  }
  uint64_t micros = 0;
  for (size_t i = 0; i < decision_id.size(); ++i) {
    const char c = decision_id[i];
    uint64_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else {
      return absl::InvalidArgumentError(
          "decision id must be lowercase hex characters");
    }
    if (i < 16) micros = (micros << 4) | digit;
  }
  return absl::FromUnixMicros(static_cast<int64_t>(micros));
}

// CustomerStore

absl::StatusOr<std::unique_ptr<CustomerStore>> CustomerStore::Open(
    const Options& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("customer store path is empty");
  }
  if (options.max_contacts_per_product < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_contacts_per_product must be at least 1, got ",
                     options.max_contacts_per_product));
  }

  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options.block_cache_bytes);

  auto health = std::make_shared<internal::StorageHealth>("customer store");
  std::unique_ptr<rocksdb::Env> env;
  rocksdb::DBOptions db_options = internal::CommonDbOptions();
  internal::AddStorageHealth(health, options.faults, &db_options, &env);
  const std::vector<std::string> names = internal::ColumnFamiliesToOpen(
      db_options, options.path,
      {rocksdb::kDefaultColumnFamilyName.c_str(), kStateColumnFamily,
       kTransactionsColumnFamily, kTransactionIdsColumnFamily,
       kDecisionsColumnFamily, kFeedbackColumnFamily, kCountsColumnFamily});
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions cf;
    if (name == kStateColumnFamily) {
      cf = TableColumnFamilyOptions(8 << 20, /*point_lookups=*/true, cache);
    } else if (name == kTransactionsColumnFamily) {
      cf = TableColumnFamilyOptions(8 << 20, /*point_lookups=*/false, cache);
    } else if (name == kDecisionsColumnFamily) {
      cf = TableColumnFamilyOptions(8 << 20, /*point_lookups=*/true, cache);
    } else if (name == kTransactionIdsColumnFamily) {
      cf = TableColumnFamilyOptions(4 << 20, /*point_lookups=*/true, cache);
    } else if (name == kFeedbackColumnFamily) {
      // Read by prefix only (an offer's, a decision's): no whole-key filter.
      cf = TableColumnFamilyOptions(4 << 20, /*point_lookups=*/false, cache);
    } else if (name == kCountsColumnFamily) {
      cf = TableColumnFamilyOptions(1 << 20, /*point_lookups=*/false, cache);
      cf.merge_operator = std::make_shared<CounterAddOperator>();
    } else {
      cf = TableColumnFamilyOptions(1 << 20, /*point_lookups=*/false, cache);
    }
    descriptors.emplace_back(name, cf);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors,
                                        &handles, &raw_db);
  if (!s.ok()) {
    return StorageError(absl::StrCat("open customer store at ", options.path),
                        s);
  }
  auto impl = std::make_unique<Impl>(
      options, std::unique_ptr<rocksdb::DB>(raw_db), std::move(handles), names,
      std::move(health), std::move(env));
  NBO_RETURN_IF_ERROR(impl->CheckFormat());
  return std::unique_ptr<CustomerStore>(new CustomerStore(std::move(impl)));
}

CustomerStore::CustomerStore(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

CustomerStore::~CustomerStore() = default;

absl::Status CustomerStore::UpsertProfiles(
    absl::Span<const CustomerProfile> profiles) {
  return impl_->UpsertProfiles(profiles);
}

absl::Status CustomerStore::CheckStorage() { return impl_->CheckStorage(); }

absl::StatusOr<AppendResult> CustomerStore::AppendTransactions(
    absl::Span<const Transaction> transactions) {
  return impl_->AppendTransactions(transactions);
}

absl::StatusOr<CustomerState> CustomerStore::GetState(
    absl::string_view customer_id) const {
  NBO_ASSIGN_OR_RETURN(StatePtr state, impl_->State(customer_id));
  if (state == nullptr) {
    // The id is personal data: it stays out of the status.
    return absl::NotFoundError("no state for this customer");
  }
  return *state;
}

absl::StatusOr<std::shared_ptr<const CustomerState>>
CustomerStore::GetSharedState(absl::string_view customer_id) const {
  return impl_->State(customer_id);
}

absl::StatusOr<CustomerPage> CustomerStore::ListCustomers(
    const CustomerQuery& query) const {
  return impl_->ListCustomers(query);
}

absl::StatusOr<std::vector<Transaction>> CustomerStore::RecentTransactions(
    absl::string_view customer_id, int limit) const {
  return impl_->RecentTransactions(customer_id, limit);
}

absl::StatusOr<std::vector<Transaction>> CustomerStore::TransactionsForFoldIn(
    absl::string_view customer_id, int limit) const {
  NBO_ASSIGN_OR_RETURN(std::vector<Transaction> transactions,
                       impl_->RecentTransactions(customer_id, limit));
  std::reverse(transactions.begin(), transactions.end());
  return transactions;
}

absl::Status CustomerStore::LogDecision(absl::string_view customer_id,
                                        const DecisionRecord& record) {
  return impl_->LogDecision(customer_id, record);
}

absl::StatusOr<std::vector<DecisionRecord>> CustomerStore::RecentDecisions(
    absl::string_view customer_id, int limit) const {
  return impl_->RecentDecisions(customer_id, limit);
}

absl::StatusOr<FeedbackResult> CustomerStore::RecordFeedback(
    absl::string_view customer_id, absl::string_view decision_id,
    const FeedbackEvent& event) {
  return impl_->RecordFeedback(customer_id, decision_id, event);
}

absl::StatusOr<std::vector<ArmCounts>> CustomerStore::ExperimentCounts(
    absl::string_view model_name) const {
  return impl_->ExperimentCounts(model_name);
}

absl::Status CustomerStore::ScanFeedback(
    absl::Time since,
    const std::function<absl::Status(const ExportedFeedback&)>& fn) const {
  return impl_->ScanFeedback(since, fn);
}

absl::StatusOr<RetentionReport> CustomerStore::DeleteExpired(
    absl::Time decisions_before, absl::Time transactions_before) {
  return impl_->DeleteExpired(decisions_before, transactions_before);
}

}  // namespace nbo::store
