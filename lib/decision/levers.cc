// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/decision/levers.h"

#include <cassert>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nbo::decision {

absl::StatusOr<std::shared_ptr<const Levers>> Levers::Create(
    absl::flat_hash_map<std::string, double> levers) {
  for (const auto& [product_id, lever] : levers) {
    if (product_id.empty()) {
      return absl::InvalidArgumentError("lever with an empty product id");
    }
    if (!std::isfinite(lever) || lever < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("lever of product '", product_id, "' is ", lever,
                       "; levers must be finite and >= 0"));
    }
  }
  return std::shared_ptr<const Levers>(new Levers(std::move(levers)));
}

std::shared_ptr<const Levers> Levers::Neutral() {
  static const auto* const kNeutral = new std::shared_ptr<const Levers>(
      new Levers(absl::flat_hash_map<std::string, double>()));
  return *kNeutral;
}

double Levers::Get(absl::string_view product_id) const {
  // Most products have no lever: skip hashing when none do.
  if (levers_.empty()) return 1.0;
  auto it = levers_.find(product_id);
  return it == levers_.end() ? 1.0 : it->second;
}

LeversHolder::LeversHolder() : current_(Levers::Neutral()) {}

std::shared_ptr<const Levers> LeversHolder::Get() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void LeversHolder::Set(std::shared_ptr<const Levers> levers) {
  assert(levers != nullptr);
  absl::MutexLock lock(&mu_);
  current_ = std::move(levers);
}

}  // namespace nbo::decision
