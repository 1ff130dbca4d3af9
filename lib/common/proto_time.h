// Copyright (c) 2026 The nbo Authors. MIT License.
//
// absl::Time <-> google.protobuf.Timestamp, in one place.

#ifndef NBO_LIB_COMMON_PROTO_TIME_H_
#define NBO_LIB_COMMON_PROTO_TIME_H_

#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace nbo::common {

// `t` truncated to microseconds; times before 1970 get a negative seconds
// field and nanos in [0, 1e9), as Timestamp requires.
inline void ToProtoTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_PROTO_TIME_H_
