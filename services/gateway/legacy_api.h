// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The original demo's REST endpoint, so its old callers and dashboard can
// point at the gateway unchanged:
//
//   GET /api/recommend?user_id=ID   (or ?id=ID)
//   200 {"user_id":"ID","recommended_product":"P","confidence_score":0.83,
//        "timestamp":"2026-12-04T15:00:00Z",
//        "recommendations":[{"product_id","name","category",
//                            "prediction_score"}, ...]}
//
// confidence_score and prediction_score are nbo's propensity (a calibrated
// probability in [0, 1]). Built on Recommend through the same upstream
// path. Errors, each with the gateway's JSON error body: 400 for a missing
// or invalid id, 404 for a customer nbo knows nothing of (Recommend could
// only fall back to popularity: no factors, no transactions), 500 for
// anything else, as the demo did. Stateless functions.

#ifndef NBO_SERVICES_GATEWAY_LEGACY_API_H_
#define NBO_SERVICES_GATEWAY_LEGACY_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nbo::gateway {

inline constexpr char kLegacyRecommendPath[] = "/api/recommend";

// The serialized nbo.v1.RecommendRequest for the query string (after '?').
// INVALID_ARGUMENT if neither user_id nor id is given (or both, differing),
// or the id is not 1..128 bytes of printable ASCII without spaces.
absl::StatusOr<std::string> LegacyRecommendRequest(absl::string_view query);

// The demo's JSON for a serialized nbo.v1.RecommendResponse. NOT_FOUND for
// a customer nbo knows nothing of; INTERNAL if the bytes do not parse.
absl::StatusOr<std::string> LegacyRecommendJson(absl::string_view response);

// The HTTP status the demo used for `code`: 400, 404, or 500; and, as the
// demo had no tokens, 401 and 403 for UNAUTHENTICATED and
// PERMISSION_DENIED, as every other route answers them.
int LegacyHttpStatus(absl::StatusCode code);

}  // namespace nbo::gateway

#endif  // NBO_SERVICES_GATEWAY_LEGACY_API_H_
