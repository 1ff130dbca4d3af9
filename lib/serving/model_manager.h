// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_SERVING_MODEL_MANAGER_H_
#define NBO_LIB_SERVING_MODEL_MANAGER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "lib/model/model_version.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::serving {

// The version a request was routed to, and why.
struct Route {
  // Keeps the version alive for as long as the request uses it, even if it
  // is unloaded meanwhile.
  std::shared_ptr<const model::ModelVersion> version;
  // The traffic-split arm that chose it ("stable", "v3"), or "" when the
  // request was not routed by a split.
  std::string arm;
};

// Owns the versions of every model, after TensorFlow Serving's
// AspiredVersionsManager: versions move START -> LOADING -> AVAILABLE ->
// UNLOADING -> END (or FAILED), loads happen on the caller's admin thread and
// never on the request path, and the policy is availability preserving: a new
// version is AVAILABLE before an old one is unloaded, and an unloaded
// version's data is deleted only after the last request holding it is done.
//
// Requests call Resolve(), which reads an immutable routing snapshot (the
// AVAILABLE versions, labels and traffic split of every model) replaced whole
// on each change; it takes no lock (an atomic shared_ptr load).
//
// Thread-safe. Admin operations (LoadVersion, SetLabel, SetTrafficSplit,
// DeleteVersion) are serialized among themselves.
class ModelManager {
 public:
  struct Options {
    // Where versions and routing config live. Not owned; must outlive the
    // manager. Required.
    store::ModelStore* store = nullptr;
    // The model that requests without a model name are routed to.
    // Default: "nbo".
    std::string default_model = "nbo";
    // AVAILABLE versions kept per model; older ones are unloaded and their
    // data deleted unless a label or the traffic split names them.
    // Default: 3.
    int keep_versions = 3;
    // Customers scored from the store to warm a version up (and check its
    // stored factors) before it becomes AVAILABLE.
    // Default: 8.
    int warmup_customers = 8;
    // How long an unload waits for in-flight requests on the version before
    // its data is deleted anyway.
    // Default: 30 seconds.
    absl::Duration unload_grace = absl::Seconds(30);
    // Called, with no lock held, after every routing change (a version became
    // AVAILABLE or left, a label or split moved). For health and metrics.
    // Default: none.
    std::function<void()> on_change;
  };

  // INVALID_ARGUMENT if options.store is null or keep_versions < 1.
  static absl::StatusOr<std::unique_ptr<ModelManager>> Create(Options options);

  ~ModelManager();
  ModelManager(const ModelManager&) = delete;
  ModelManager& operator=(const ModelManager&) = delete;

  // Loads what the store holds: each model's routing config, then its newest
  // keep_versions versions plus labelled and split ones. Versions beyond
  // retention are deleted. A version that fails to load is FAILED; that is
  // not an error of this call. INTERNAL if the store cannot be read.
  absl::Status LoadFromStore();

  // While retention is held, no version is unloaded for being beyond
  // keep_versions: a replica's bootstrap copies every version a peer's split
  // names before it can set that split, and retention would otherwise
  // unload the first ones as the later arrive. Releasing applies retention
  // to every model. Holds do not nest.
  void HoldRetention();
  void ReleaseRetention();

  // Loads a version that was just committed to the store and applies
  // retention. Returns AVAILABLE; FAILED_PRECONDITION with the reason when the
  // version failed to load (it is then FAILED, its data deleted, and the
  // serving versions untouched). NOT_FOUND if the store has no such version.
  absl::StatusOr<nbo::v1::VersionState> LoadVersion(
      const std::string& model_name, int64_t version);

  // Whether a new publish of (model_name, version) may start: ALREADY_EXISTS
  // when the manager holds that version in any state but END or FAILED.
  absl::Status CheckNewVersion(const std::string& model_name,
                               int64_t version) const;

  // Routes one request: explicit version > label > traffic split > latest
  // AVAILABLE. NOT_FOUND: unknown model, version or label. UNAVAILABLE: the
  // model (or the default model) has no AVAILABLE version yet, or the
  // selected one is not AVAILABLE. INVALID_ARGUMENT: a version <= 0, or a
  // model name or label that could not exist (ValidateModelName,
  // ValidateLabel), whatever its length: the message quotes a short prefix.
  absl::StatusOr<Route> Resolve(const nbo::v1::ModelSelector& selector,
                                absl::string_view customer_id) const;

  // Points `label` at an AVAILABLE version (version 0 removes the label).
  // INVALID_ARGUMENT: malformed model name, label not [a-z0-9_-]{1,32}.
  // NOT_FOUND: unknown model or
  // version, or removing an unset label. FAILED_PRECONDITION: version not
  // AVAILABLE, or removing a label the traffic split uses.
  absl::StatusOr<nbo::v1::ModelStatus> SetLabel(const std::string& model_name,
                                                const std::string& label,
                                                int64_t version);

  // Replaces the model's traffic split; no arms clears it. INVALID_ARGUMENT:
  // a malformed model name or label, an arm without target or with a weight
  // outside [1, common::kMaxSplitWeight], more than common::kMaxSplitArms
  // arms, a salt over common::kMaxSplitSaltBytes. NOT_FOUND:
  // unknown model, version or label. FAILED_PRECONDITION: a version arm that
  // is not AVAILABLE.
  absl::StatusOr<nbo::v1::ModelStatus> SetTrafficSplit(
      const std::string& model_name, const std::vector<store::SplitArm>& arms,
      const std::string& salt);

  // Unloads a version (waiting for its in-flight requests) and deletes its
  // data. INVALID_ARGUMENT: malformed model name. NOT_FOUND: unknown.
  // FAILED_PRECONDITION: it carries a label, the
  // split names it, or it is the model's only AVAILABLE version.
  absl::Status DeleteVersion(const std::string& model_name, int64_t version);

  // Every model's status. Metadata labels naming local paths
  // (IsLocalPathLabel) are left out, here and in GetModelStatus.
  std::vector<nbo::v1::ModelStatus> ListModels() const;
  // INVALID_ARGUMENT for a malformed name; NOT_FOUND if the model is unknown.
  absl::StatusOr<nbo::v1::ModelStatus> GetModelStatus(
      const std::string& model_name) const;

  // `name`, or the default model's name when empty.
  std::string ResolveName(absl::string_view name) const;
  // True when any model has an AVAILABLE version.
  bool AnyAvailable() const;
  // Versions per state, over all models (for metrics).
  std::map<nbo::v1::VersionState, int> CountByState() const;
  // Versions that became AVAILABLE since start (for metrics).
  int64_t swaps() const;

 private:
  struct VersionEntry {
    nbo::v1::VersionState state = nbo::v1::VERSION_STATE_START;
    std::string error;
    store::VersionRecord record;
    // Set while AVAILABLE. Its deleter notifies `released`.
    std::shared_ptr<const model::ModelVersion> servable;
    std::shared_ptr<absl::Notification> released;
  };
  struct ModelEntry {
    std::map<int64_t, VersionEntry> versions;
    store::ModelConfig config;
  };
  // What requests route on; rebuilt whole after every change.
  struct Snapshot {
    struct Model {
      std::map<int64_t, std::shared_ptr<const model::ModelVersion>> available;
      std::map<int64_t, nbo::v1::VersionState> known;
      std::map<std::string, int64_t> labels;
      std::vector<store::SplitArm> split;
      uint64_t split_total_weight = 0;
      std::string split_salt;
    };
    absl::flat_hash_map<std::string, Model> models;
  };

  explicit ModelManager(Options options);

  // Reads the version from the store, builds and warms it up.
  absl::StatusOr<std::shared_ptr<const model::ModelVersion>> BuildServable(
      const store::VersionRecord& record) const;
  // The loading half of LoadVersion, without retention: OK when the version
  // is AVAILABLE, else why it is FAILED.
  absl::Status LoadLocked(const store::VersionRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(admin_mu_);
  // Unloads AVAILABLE versions beyond the policy.
  void ApplyRetentionLocked(const std::string& model_name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(admin_mu_);
  // AVAILABLE -> UNLOADING -> END, then deletes the data.
  void UnloadLocked(const std::string& model_name, int64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(admin_mu_);
  // Rebuilds the routing snapshot from models_ and publishes it. Admin
  // operations are serialized, so snapshots are published in order.
  void PublishSnapshot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(admin_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);
  std::shared_ptr<const Snapshot> snapshot() const;
  // NOT_FOUND naming the model when it is unknown.
  absl::StatusOr<const ModelEntry*> FindModelLocked(
      const std::string& model_name) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The version's state; NOT_FOUND when unknown or END.
  absl::StatusOr<nbo::v1::VersionState> FindVersionLocked(
      const ModelEntry& model, const std::string& model_name,
      int64_t version) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // NOT_FOUND as FindVersionLocked; FAILED_PRECONDITION ("...; <why>") when
  // the version is not AVAILABLE.
  absl::Status RequireAvailableLocked(const ModelEntry& model,
                                      const std::string& model_name,
                                      int64_t version,
                                      absl::string_view why) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Persists `config` as the model's routing config, applies retention,
  // republishes the snapshot and returns the model's status.
  absl::StatusOr<nbo::v1::ModelStatus> CommitConfigLocked(
      const std::string& model_name, store::ModelConfig config)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(admin_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  nbo::v1::ModelStatus StatusOf(const std::string& name,
                                const ModelEntry& entry) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void NotifyChange() const;

  const Options options_;

  // Serializes admin operations; held across slow work (loading, waiting for
  // in-flight requests, deleting). Never taken on the request path.
  absl::Mutex admin_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  bool retention_held_ ABSL_GUARDED_BY(admin_mu_) = false;
  // Guards the lifecycle bookkeeping; held only briefly.
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, ModelEntry> models_ ABSL_GUARDED_BY(mu_);
  int64_t swaps_ ABSL_GUARDED_BY(mu_) = 0;

  // Read by every request without a lock; replaced whole by PublishSnapshot.
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
};

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_MODEL_MANAGER_H_
