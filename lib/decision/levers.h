// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Levers: per-product multipliers the business sets at run time to push or
// hold back products without touching the model or the catalog
// (arbitration priority = propensity x business value x lever).
//
// A Levers object is an immutable snapshot. To change a lever, build a new
// snapshot and replace the old one whole (LeversHolder::Set); requests that
// already hold the old snapshot finish with it, so a request never sees a
// half-applied change and the request path takes no lock across work.

#ifndef NBO_LIB_DECISION_LEVERS_H_
#define NBO_LIB_DECISION_LEVERS_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace nbo::decision {

// An immutable set of per-product lever values. Products without a lever
// have the neutral lever 1.
//
// Thread-safe: immutable after Create, so any number of threads may read it.
class Levers {
 public:
  // A snapshot with the given levers. INVALID_ARGUMENT for an empty product
  // id or a lever that is negative, NaN or infinite. A lever of 0 is allowed
  // and switches a product's priority off (it can still rank last).
  static absl::StatusOr<std::shared_ptr<const Levers>> Create(
      absl::flat_hash_map<std::string, double> levers);

  // A snapshot with no levers: every product has lever 1.
  static std::shared_ptr<const Levers> Neutral();

  Levers(const Levers&) = delete;
  Levers& operator=(const Levers&) = delete;

  // The lever of `product_id`; 1 when none is set.
  double Get(absl::string_view product_id) const;

  const absl::flat_hash_map<std::string, double>& values() const {
    return levers_;
  }

 private:
  explicit Levers(absl::flat_hash_map<std::string, double> levers)
      : levers_(std::move(levers)) {}

  const absl::flat_hash_map<std::string, double> levers_;
};

// Holds the current Levers snapshot and replaces it whole.
//
// Thread-safe: Get and Set may be called concurrently; the lock is held only
// to copy or swap the pointer, never across a decision.
class LeversHolder {
 public:
  // Starts with Levers::Neutral().
  LeversHolder();

  LeversHolder(const LeversHolder&) = delete;
  LeversHolder& operator=(const LeversHolder&) = delete;

  // The current snapshot; never null. The caller keeps it alive for as long
  // as it needs it, even after a Set.
  std::shared_ptr<const Levers> Get() const ABSL_LOCKS_EXCLUDED(mu_);

  // Makes `levers` the current snapshot.
  // REQUIRES: levers != nullptr.
  void Set(std::shared_ptr<const Levers> levers) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Levers> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nbo::decision

#endif  // NBO_LIB_DECISION_LEVERS_H_
