// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/legacy_api.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "lib/common/quote.h"
#include "lib/gateway/query_string.h"
#include "nbo/v1/nbo_service.pb.h"

namespace nbo::gateway {
namespace {

using ::nbo::common::QuoteForError;

bool IsValidId(absl::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(),
                     [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

absl::StatusOr<std::string> LegacyRecommendRequest(absl::string_view query) {
  absl::StatusOr<std::vector<QueryParameter>> params = ParseQueryString(query);
  if (!params.ok()) return params.status();
  std::string id;
  for (const QueryParameter& p : *params) {
    if (p.name != "user_id" && p.name != "id") continue;
    if (!id.empty() && id != p.value) {
      return absl::InvalidArgumentError(
          "user_id and id name different customers");
    }
    id = p.value;
  }
  if (id.empty()) {
    return absl::InvalidArgumentError(
        "missing customer id: use /api/recommend?user_id=ID");
  }
  if (!IsValidId(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid customer id ", QuoteForError(id),
                     ": 1 to 128 printable characters, no spaces"));
  }
  nbo::v1::RecommendRequest request;
  request.set_customer_id(id);
  return request.SerializeAsString();
}

absl::StatusOr<std::string> LegacyRecommendJson(absl::string_view response) {
  nbo::v1::RecommendResponse recommended;
  if (!recommended.ParseFromArray(response.data(),
                                  static_cast<int>(response.size()))) {
    return absl::InternalError("Recommend's answer does not parse");
  }
  if (recommended.strategy() == nbo::v1::STRATEGY_POPULARITY) {
    return absl::NotFoundError(
        absl::StrCat("customer ", QuoteForError(recommended.customer_id()),
                     " is not known to nbo"));
  }
  google::protobuf::Struct out;
  auto& fields = *out.mutable_fields();
  fields["user_id"].set_string_value(recommended.customer_id());
  const bool any = recommended.offers_size() > 0;
  if (any) {
    fields["recommended_product"].set_string_value(
        recommended.offers(0).product_id());
    fields["confidence_score"].set_number_value(
        recommended.offers(0).propensity());
  } else {
    fields["recommended_product"].set_null_value({});
    fields["confidence_score"].set_null_value({});
  }
  fields["timestamp"].set_string_value(
      recommended.has_timestamp()
          ? google::protobuf::util::TimeUtil::ToString(recommended.timestamp())
          : absl::FormatTime(absl::RFC3339_sec, absl::Now(),
                             absl::UTCTimeZone()));
  google::protobuf::ListValue* list =
      fields["recommendations"].mutable_list_value();
  for (const nbo::v1::Offer& offer : recommended.offers()) {
    auto& o = *list->add_values()->mutable_struct_value()->mutable_fields();
    o["product_id"].set_string_value(offer.product_id());
    o["name"].set_string_value(offer.name());
    o["category"].set_string_value(offer.category());
    o["prediction_score"].set_number_value(offer.propensity());
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(out, &json, options).ok()) {
    return absl::InternalError("cannot print the answer as JSON");
  }
  return json;
}

int LegacyHttpStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    default:
      return 500;
  }
}

}  // namespace nbo::gateway
