// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/concurrency_limit.h"

namespace nbo::server {

ConcurrencyLimit::Permit::~Permit() {
  absl::MutexLock lock(&limit_->mu_);
  --limit_->in_use_;
}

std::unique_ptr<ConcurrencyLimit::Permit> ConcurrencyLimit::TryAcquire() {
  absl::MutexLock lock(&mu_);
  if (in_use_ >= limit_) return nullptr;
  ++in_use_;
  return std::unique_ptr<Permit>(new Permit(this));
}

int ConcurrencyLimit::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

}  // namespace nbo::server
