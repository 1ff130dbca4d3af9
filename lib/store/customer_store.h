// Copyright (c) 2026 The nbo Authors. MIT License.
//
// CustomerStore keeps what nbo learns about customers at run time, in its own
// RocksDB database (next to the ModelStore's, under the server's data
// directory): profiles and holdings (for eligibility and owned-product
// exclusion), transactions (for real-time fold-in and the compliance view),
// the decision log, and feedback (for contact fatigue, experiment statistics
// and the next training run).
//
// Durability: UpsertProfiles, AppendTransactions and RecordFeedback return
// only after one synced WriteBatch (fsync of the WAL) holds every change they
// made, so what they acknowledge survives kill -9 and power loss. LogDecision
// queues the decision for a writer thread that writes everything queued in
// one WAL'd, unsynced batch per wake-up (typically within a millisecond):
// the request path neither waits for an fsync nor contends for RocksDB's
// write path. Decisions still queued when the process is killed are lost
// (the destructor writes them on a clean shutdown); once written, the OS has
// them and a process crash does not lose them. Reads that need a decision
// (RecordFeedback, RecentDecisions, DeleteExpired) wait for the queue first.
//
// Consistency: each customer's derived state (holdings, contact history,
// newest transaction time) is read-modify-written under a lock striped by
// customer id, and written in the same batch as the records it derives from.
//
// Values are the public nbo.v1 messages (fields are only ever added to them,
// so they are a stable storage format) or lib/store's internal ones.
//
// Time order: the store orders transactions and contacts by their time to
// the microsecond; ties are broken by arrival order, a sequence number the
// store takes from a counter started at Open() from the wall clock in
// microseconds. Arrival order is therefore kept across restarts unless the
// clock goes back (or the previous run took more than one number per
// microsecond it ran).

#ifndef NBO_LIB_STORE_CUSTOMER_STORE_H_
#define NBO_LIB_STORE_CUSTOMER_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/store/storage_faults.h"
#include "nbo/v1/customer.pb.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"

namespace nbo::store {

// A new decision id for a decision made at `now`: 32 lowercase hex
// characters, the first 16 the big-endian microseconds since the epoch and
// the last 16 random. Ids of one customer therefore sort by time (for times
// after the epoch), which is how the log lists a customer's decisions newest
// first and how retention finds expired ones. Thread-safe.
std::string MakeDecisionId(absl::Time now);

// The time MakeDecisionId encoded into `decision_id`. INVALID_ARGUMENT when
// it is not 32 lowercase hex characters.
absl::StatusOr<absl::Time> DecisionIdTime(absl::string_view decision_id);

// A product the customer holds now.
struct HoldingState {
  std::string product_id;
  // Time of the open or purchase that started it.
  absl::Time since = absl::InfinitePast();
};

// The customer's contacts about one product, from feedback. Oldest first;
// only the newest Options::max_contacts_per_product of each kind are kept.
struct ContactHistory {
  std::string product_id;
  std::vector<absl::Time> impressions;
  std::vector<absl::Time> declines;
};

// What the customer did with one product, summarized from every
// transaction recorded (retention does not remove it).
struct ProductActivity {
  std::string product_id;
  // The newest transaction's time.
  absl::Time last = absl::InfinitePast();
  // Bit (1 << e) is set when a transaction with nbo::v1::TransactionEvent e
  // was recorded.
  uint32_t event_mask = 0;
};

// Everything the request path needs about a customer, from one point read.
struct CustomerState {
  // Unset when the bank never upserted a profile.
  std::optional<nbo::v1::CustomerProfile> profile;
  // Sorted by product id.
  std::vector<HoldingState> holdings;
  // Sorted by product id.
  std::vector<ContactHistory> contacts;
  // Number of transactions recorded (retention does not lower it), and the
  // newest transaction's time (InfinitePast when none).
  int64_t transaction_count = 0;
  absl::Time newest_transaction = absl::InfinitePast();
  // Sorted by product id. Empty for customers whose transactions were all
  // recorded before the store kept it (then only the transactions tell).
  std::vector<ProductActivity> activity;
  // Whether `activity` covers every transaction of the customer (it began
  // with their first one). False for a customer with transactions from
  // before the summary existed, even once new ones add to it: readers then
  // read the transactions.
  bool activity_complete = false;
};

// What AppendTransactions did with a batch.
struct AppendResult {
  // Written now.
  int32_t accepted = 0;
  // Recognised by (customer_id, transaction_id) as already recorded, in this
  // batch or before; not written again.
  int32_t duplicates = 0;
};

// What RecordFeedback did.
struct FeedbackResult {
  // The same (decision, product, outcome) was recorded before; nothing was
  // written.
  bool duplicate = false;
  // This is the first feedback of any outcome for (decision, product): the
  // offer counts as shown once in experiment statistics.
  bool first_for_offer = false;
  // From the logged decision.
  std::string model_name;
  int64_t model_version = 0;
  std::string experiment_arm;
};

// Feedback counts of one experiment arm, kept by the store in the same
// batches as the feedback itself.
struct ArmCounts {
  std::string model_name;
  std::string arm;
  // Distinct (decision, product) pairs with any feedback.
  int64_t impressions = 0;
  int64_t accepted = 0;
  int64_t declined = 0;
};

// Which customers ListCustomers returns.
struct CustomerQuery {
  // Only ids starting with these bytes; empty means any.
  std::string id_prefix;
  // Only customers whose profile has this segment; unset means any,
  // including customers without a profile.
  std::optional<std::string> segment;
  // Only ids greater than this (a previous page's resume_after); empty
  // starts at the first.
  std::string after;
  // Most ids to return; > 0.
  int page_size = 50;
  // Most customers to examine, so that a selective segment filter cannot
  // turn one call into a scan of every customer; >= page_size.
  int scan_limit = 10000;
};

// A page of ListCustomers.
struct CustomerPage {
  // Ascending.
  std::vector<std::string> customer_ids;
  // The last id examined when the page stopped before the end (page full or
  // scan_limit reached): pass it as CustomerQuery::after. Unset at the end.
  std::optional<std::string> resume_after;
};

// What DeleteExpired removed.
struct RetentionReport {
  int64_t decisions = 0;
  int64_t feedback = 0;
  int64_t transactions = 0;
};

// Thread-safe: every method may be called concurrently.
class CustomerStore {
 public:
  struct Options {
    // Directory of the RocksDB database; created if missing. Required.
    std::string path;
    // Shared LRU block cache.
    // Default: 32 MiB.
    size_t block_cache_bytes = 32 << 20;
    // Decoded customer states kept in memory (an LRU over customers), so
    // that a Recommend for a customer read recently neither reads RocksDB
    // nor decodes; 0 turns the cache off. Every write of a customer's state
    // drops the customer's entry under the customer's lock.
    // Default: 128 MiB.
    size_t state_cache_bytes = 128 << 20;
    // Sync acknowledged writes. Only tests and benchmarks that measure
    // something else turn this off.
    // Default: true.
    bool sync = true;
    // Impressions and declines kept per customer and product (the newest).
    // Must exceed every contact policy's counts.
    // Default: 64.
    int max_contacts_per_product = 64;
    // Tests only: makes the store's disk behave as full while set (see
    // storage_faults.h). Not owned.
    // Default: null.
    StorageFaults* faults = nullptr;
  };

  // INVALID_ARGUMENT for an empty path or max_contacts_per_product < 1;
  // INTERNAL if RocksDB cannot open it (the message names the path only).
  static absl::StatusOr<std::unique_ptr<CustomerStore>> Open(
      const Options& options);

  ~CustomerStore();
  CustomerStore(const CustomerStore&) = delete;
  CustomerStore& operator=(const CustomerStore&) = delete;

  // Whether the store can take writes, after trying to make it writable
  // again if it could not: OK; RESOURCE_EXHAUSTED ("storage full") while
  // the disk is full; INTERNAL while writes fail for another reason. Reads
  // work either way, and every write fails with the same code meanwhile.
  // Writes resume by themselves once the cause is gone (RocksDB retries a
  // full disk every few seconds); calling this every second or so makes it
  // prompt for every kind of failure. Cheap when writes work.
  absl::Status CheckStorage();

  // Replaces the profiles (whole, per customer) in one synced batch. The
  // caller has validated them; a customer listed twice keeps the last.
  absl::Status UpsertProfiles(
      absl::Span<const nbo::v1::CustomerProfile> profiles);

  // Records transactions in one synced batch and updates each customer's
  // holdings: a product is held when its newest open or purchase is later
  // than its newest close (by timestamp; equal timestamps by arrival
  // order), whatever order the transactions arrive in. The caller has
  // validated them (timestamp set, event known).
  absl::StatusOr<AppendResult> AppendTransactions(
      absl::Span<const nbo::v1::Transaction> transactions);

  // The customer's state; NOT_FOUND when the store has nothing for them
  // (no profile, transaction or feedback).
  absl::StatusOr<CustomerState> GetState(absl::string_view customer_id) const;

  // The same without a copy, for the request path: the state as decoded
  // once and kept in the state cache (Options::state_cache_bytes), or null
  // when the store has nothing for the customer. Immutable; a later write
  // replaces the cached state rather than changing this one.
  absl::StatusOr<std::shared_ptr<const CustomerState>> GetSharedState(
      absl::string_view customer_id) const;

  // The ids of customers with state (a profile, transactions or feedback)
  // that match `query`, ascending. INVALID_ARGUMENT if page_size <= 0 or
  // scan_limit < page_size.
  absl::StatusOr<CustomerPage> ListCustomers(const CustomerQuery& query) const;

  // Up to `limit` of the customer's transactions, newest first (empty when
  // none). INVALID_ARGUMENT if limit < 0.
  absl::StatusOr<std::vector<nbo::v1::Transaction>> RecentTransactions(
      absl::string_view customer_id, int limit) const;

  // The customer's newest `limit` transactions, oldest first: the input of
  // fold-in. INVALID_ARGUMENT if limit < 0.
  absl::StatusOr<std::vector<nbo::v1::Transaction>> TransactionsForFoldIn(
      absl::string_view customer_id, int limit) const;

  // Queues a decision (record.decision_id from MakeDecisionId) for the log
  // under `customer_id` (see the file comment). While the log cannot be
  // written (the last write of it failed and the retry has not succeeded
  // yet), fails with that write's status (RESOURCE_EXHAUSTED when the disk
  // is full) and queues nothing: an id it accepted is never lost by a write
  // error (decisions already queued are written once writes work again).
  // record.feedback is ignored. INVALID_ARGUMENT if record.decision_id is
  // not one MakeDecisionId could have made.
  absl::Status LogDecision(absl::string_view customer_id,
                           const nbo::v1::DecisionRecord& record);

  // Up to `limit` of the customer's logged decisions, newest first, each
  // with its feedback (oldest first) in record.feedback. INVALID_ARGUMENT if
  // limit < 0.
  absl::StatusOr<std::vector<nbo::v1::DecisionRecord>> RecentDecisions(
      absl::string_view customer_id, int limit) const;

  // Records feedback about product `event.product_id` of decision
  // `decision_id` in one synced batch, with the contact history it adds
  // (IMPRESSION: an impression; DECLINED: a decline; ACCEPTED: neither) and
  // the arm's counts. Idempotent: the same (decision, product, outcome)
  // again returns duplicate = true and writes nothing.
  // NOT_FOUND: no such decision for this customer (unknown, or removed by
  // retention). RESOURCE_EXHAUSTED while the disk is full. INVALID_ARGUMENT:
  // the decision did not offer the product, or decision_id is not one
  // MakeDecisionId could have made, or the event has no timestamp or no outcome
  // (the server fills the timestamp in).
  absl::StatusOr<FeedbackResult> RecordFeedback(
      absl::string_view customer_id, absl::string_view decision_id,
      const nbo::v1::FeedbackEvent& event);

  // Counts of every arm of `model_name` (every model when empty), ordered
  // by (model, arm).
  absl::StatusOr<std::vector<ArmCounts>> ExperimentCounts(
      absl::string_view model_name) const;

  // Calls `fn` for every retained feedback record at or after `since`,
  // ordered by customer, decision, product; stops early and returns fn's
  // status if fn fails.
  absl::Status ScanFeedback(
      absl::Time since,
      const std::function<absl::Status(const nbo::v1::ExportedFeedback&)>& fn)
      const;

  // Deletes decisions (and their feedback) made before `decisions_before`
  // (by the time in their id) and transactions that happened before
  // `transactions_before`. Holdings, contact histories, transaction counts
  // and experiment counts are kept. A deleted transaction's id is forgotten
  // too: the same transaction sent again is recorded again. The activity
  // summary of a customer who lost a transaction is dropped and marked
  // incomplete (it would remember what the deleted ones said); readers then
  // use the transactions that remain.
  absl::StatusOr<RetentionReport> DeleteExpired(absl::Time decisions_before,
                                                absl::Time transactions_before);

 private:
  class Impl;
  explicit CustomerStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nbo::store

#endif  // NBO_LIB_STORE_CUSTOMER_STORE_H_
