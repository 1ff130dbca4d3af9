// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/http_status.h"

#include "absl/strings/str_cat.h"
#include "lib/gateway/json_text.h"

namespace nbo::gateway {

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS, and codes gRPC does not define
      return 500;
  }
}

std::string ErrorJson(absl::StatusCode code, absl::string_view message) {
  return absl::StrCat("{\"code\":", static_cast<int>(code),
                      ",\"message\":", JsonQuote(message), ",\"details\":[]}");
}

std::string StreamErrorJson(absl::StatusCode code, absl::string_view message) {
  return absl::StrCat("{\"error\":", ErrorJson(code, message), "}");
}

std::string StreamResultJson(absl::string_view message_json) {
  return absl::StrCat("{\"result\":", message_json, "}");
}

}  // namespace nbo::gateway
