// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_NBO_SERVER_CONCURRENCY_LIMIT_H_
#define NBO_SERVICES_NBO_SERVER_CONCURRENCY_LIMIT_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace nbo::server {

// At most `limit` holders of a permit at a time; one more is refused at once
// rather than queued (a caller told to retry is better than a stream that
// holds memory and disk while it waits).
//
// Thread-safe. Permits must not outlive the limit.
class ConcurrencyLimit {
 public:
  // Held while the guarded work runs; releases its place when destroyed.
  class Permit {
   public:
    ~Permit();
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;

   private:
    friend class ConcurrencyLimit;
    explicit Permit(ConcurrencyLimit* limit) : limit_(limit) {}
    ConcurrencyLimit* const limit_;
  };

  // REQUIRES: limit > 0.
  explicit ConcurrencyLimit(int limit) : limit_(limit) {}

  // A permit, or nullptr when `limit` permits are held.
  std::unique_ptr<Permit> TryAcquire() ABSL_LOCKS_EXCLUDED(mu_);

  int limit() const { return limit_; }
  int in_use() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const int limit_;
  mutable absl::Mutex mu_;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_CONCURRENCY_LIMIT_H_
