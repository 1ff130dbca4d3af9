// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_SERVING_PUBLISH_SESSION_H_
#define NBO_LIB_SERVING_PUBLISH_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/serving/model_manager.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::serving {

struct PublishLimits {
  // Largest serialized FactorChunk message accepted.
  // Default: 4 MiB.
  size_t max_chunk_bytes = 4 << 20;
  // Largest factor length of an implicit-ALS version. An EASE version's
  // rank is its catalog size, at most model::kMaxEaseRank (CheckRank in
  // model_kind.h).
  // Default: 1024.
  int32_t max_rank = 1024;
  // Largest catalog.
  // Default: 10000.
  int32_t max_products = 10000;
  // Free bytes of the data dir's filesystem, asked once per publish, after
  // the header and before anything is written. Empty skips the check.
  // Default: empty.
  std::function<absl::StatusOr<uint64_t>()> free_bytes;
  // Free space a publish must leave on top of twice its estimated size, for
  // the customer store, RocksDB's logs and manifests.
  // Default: 64 MiB.
  uint64_t free_space_reserve_bytes = uint64_t{64} << 20;
};

// One PublishModel stream, validated message by message and written to the
// store as it arrives. The stream must be: one header, item factor chunks,
// customer factor chunks, one commit, end of stream. Nothing is visible until
// Finish() commits; any error (or destroying the session before Finish)
// deletes what was written.
//
// Not thread-safe: the stream that owns it drives it.
class PublishSession {
 public:
  // `manager` and `store` are not owned and must outlive the session.
  PublishSession(ModelManager* manager, store::ModelStore* store,
                 PublishLimits limits,
                 std::function<absl::Time()> now = absl::Now);
  ~PublishSession();
  PublishSession(const PublishSession&) = delete;
  PublishSession& operator=(const PublishSession&) = delete;

  // Takes the next message of the stream. After an error the session is
  // finished and its partial data deleted. Codes:
  //   INVALID_ARGUMENT    bad header field (a rank outside the kind's
  //                       bounds, see CheckRank; a version outside
  //                       [1, common::kMaxVersion], a catalog, popularity
  //                       or metadata outside lib/common/api_limits.h's
  //                       bounds), factor of the wrong length, NaN/Inf or
  //                       over kMaxFactorMagnitude, unknown or duplicate
  //                       product, bad or repeated customer id, chunk over
  //                       max_chunk_bytes, empty message
  //   ALREADY_EXISTS      the version exists
  //   RESOURCE_EXHAUSTED  (header) the version, as the header sizes it, does
  //                       not fit in limits.free_bytes
  //   FAILED_PRECONDITION a message out of order (no header first, items
  //                       after customers, anything after the commit); a
  //                       header.model_kind this server does not know
  //                       (the message names its number)
  absl::Status Add(const nbo::v1::PublishModelRequest& message);

  // The client closed the stream: commits (if a commit message arrived),
  // loads the version and reports its state. FAILED_PRECONDITION when the
  // stream ended without a commit, a catalog product has no item factor, or
  // the counts differ from the commit's expectations.
  absl::StatusOr<nbo::v1::PublishModelResponse> Finish();

  // Serialized bytes received so far.
  uint64_t bytes_received() const { return bytes_received_; }
  // Model name and version from the header ("" and 0 before it).
  const std::string& model_name() const { return model_name_; }
  int64_t version() const { return version_; }

 private:
  enum class Phase { kHeader, kItems, kCustomers, kCommitReceived, kDone };

  absl::Status AddHeader(const nbo::v1::PublishHeader& header);
  // RESOURCE_EXHAUSTED unless limits_.free_bytes covers twice the version's
  // estimated size plus the reserve; the status of free_bytes if it fails.
  absl::Status CheckFreeSpace(int64_t products) const;
  absl::Status AddItems(const nbo::v1::FactorChunk& chunk);
  absl::Status AddCustomers(const nbo::v1::FactorChunk& chunk);
  absl::Status CheckItemsComplete() const;
  // A keyed 64-bit hash of a customer id, for finding repeated rows.
  uint64_t CustomerFingerprint(absl::string_view id) const;
  // Ends the session with `status`, deleting partial data.
  absl::Status Fail(absl::Status status);

  ModelManager* const manager_;
  store::ModelStore* const store_;
  const PublishLimits limits_;
  const std::function<absl::Time()> now_;

  Phase phase_ = Phase::kHeader;
  std::unique_ptr<store::VersionWriter> writer_;
  std::string model_name_;
  int64_t version_ = 0;
  int32_t rank_ = 0;
  store::VersionRecord record_;
  bool explicit_popularity_ = false;
  absl::flat_hash_map<std::string, int32_t> product_index_;
  std::vector<bool> has_item_;
  std::vector<float> item_factors_;
  std::vector<double> customer_sum_;
  int64_t items_received_ = 0;
  int64_t customers_received_ = 0;
  // header.customer_count; 0 when the header did not declare it.
  int64_t customers_declared_ = 0;
  nbo::v1::PublishCommit commit_;
  uint64_t bytes_received_ = 0;
  // Repeated customer rows are found by fingerprint rather than by id: 8-16
  // bytes per customer instead of the id's copy. The key is drawn per
  // session, so the rare false alarm (about n^2 / 2^65: 3e-6 for 10 million
  // customers) does not repeat when the publish is retried.
  const uint64_t fingerprint_key_;
  absl::flat_hash_set<uint64_t> customer_fingerprints_;
  std::vector<std::string> id_buffer_;
  std::vector<float> value_buffer_;
};

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_PUBLISH_SESSION_H_
