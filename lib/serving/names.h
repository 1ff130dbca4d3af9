// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Validation of the names and ids clients send (models, labels, customer and
// product ids, channels, free text), in one place so every RPC says the same
// thing about the same mistake. The bounds are lib/common/api_limits.h's.
// Messages quote at most a short escaped prefix of the value
// (common::QuoteForError) and never a customer id.

#ifndef NBO_LIB_SERVING_NAMES_H_
#define NBO_LIB_SERVING_NAMES_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/common/api_limits.h"
#include "nbo/v1/common.pb.h"

namespace nbo::serving {

using ::nbo::common::kMaxCustomerIdBytes;
using ::nbo::common::kMaxProductIdBytes;

// OK for [A-Za-z0-9._-]{1,64}; INVALID_ARGUMENT naming the problem otherwise.
absl::Status ValidateModelName(absl::string_view name);

// OK for [a-z0-9_-]{1,32}; INVALID_ARGUMENT otherwise.
absl::Status ValidateLabel(absl::string_view label);

// OK for 1..kMaxCustomerIdBytes bytes without control characters;
// INVALID_ARGUMENT otherwise. The message never echoes the id: customer ids
// are personal data and errors end up in logs.
absl::Status ValidateCustomerId(absl::string_view customer_id);

// OK for 1..kMaxProductIdBytes bytes without control characters;
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateProductId(absl::string_view product_id,
                               absl::string_view field);

// OK for [a-z0-9_-]{0,32} (empty is no channel); INVALID_ARGUMENT otherwise.
absl::Status ValidateChannel(absl::string_view channel);

// OK for [A-Za-z0-9_-]{1,32} (a customer segment such as "mass");
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateSegment(absl::string_view field,
                             absl::string_view segment);

// OK when `value` (free text: a product name, a description) is at most
// `max_bytes` long; INVALID_ARGUMENT naming `field`, its length and the
// bound otherwise.
absl::Status ValidateLength(absl::string_view field, absl::string_view value,
                            size_t max_bytes);

// "AVAILABLE", "LOADING", ...
std::string VersionStateName(nbo::v1::VersionState state);

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_NAMES_H_
