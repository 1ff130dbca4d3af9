// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fuzzes the gateway's JSON printer against protobuf's. The input is the
// binary form of a nbo.test.Printable (every field kind: scalars at their
// extremes, strings, bytes, enums with unknown values, maps of every key
// type, Timestamps, Durations, wrappers, oneofs, proto3 optional, nesting).
// Properties, besides no crash, leak or undefined behaviour:
//   - when protobuf prints the message, json_writer prints the same bytes,
//     in both naming modes;
//   - when protobuf refuses (a Timestamp or Duration out of range),
//     json_writer refuses with INVALID_ARGUMENT.
// Messages nested deeper than protobuf's printer allows (64) are skipped.
// A Duration with positive seconds and negative nanos is made consistent
// first: protobuf 3.21 prints garbage for it (nanos read as unsigned, e.g.
// "5.294967295s" for 5 s - 1 ns), where json_writer refuses it
// (JsonWriterTest.RefusesTimesWithoutAJsonForm).

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "lib/gateway/json_writer.h"
#include "tests/fuzz/fuzz_scratch.h"
#include "tests/unit/gateway/json_oracle.h"
#include "tests/unit/gateway/testdata/gateway_test.pb.h"

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void MakeDurationsConsistent(Message* message) {
  const google::protobuf::Descriptor* d = message->GetDescriptor();
  const google::protobuf::Reflection* r = message->GetReflection();
  if (d->full_name() == "google.protobuf.Duration") {
    const FieldDescriptor* seconds = d->FindFieldByNumber(1);
    const FieldDescriptor* nanos = d->FindFieldByNumber(2);
    const int32_t n = r->GetInt32(*message, nanos);
    if (r->GetInt64(*message, seconds) > 0 && n < 0 && n != INT32_MIN) {
      r->SetInt32(message, nanos, -n);
    }
    return;
  }
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*message, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!f->is_repeated()) {
      MakeDurationsConsistent(r->MutableMessage(message, f));
      continue;
    }
    for (int i = 0; i < r->FieldSize(*message, f); ++i) {
      MakeDurationsConsistent(r->MutableRepeatedMessage(message, f, i));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nbo::test::Printable message;
  if (!message.ParsePartialFromArray(data, static_cast<int>(size))) return 0;
  message.DiscardUnknownFields();
  MakeDurationsConsistent(&message);
  for (bool proto_names : {false, true}) {
    const absl::StatusOr<std::string> expected =
        nbo::testing::ProtobufJson(message, proto_names);
    std::string written;
    const absl::Status status = nbo::gateway::AppendMessageJson(
        message, {.proto_names = proto_names}, &written);
    if (!expected.ok() &&
        absl::StrContains(expected.status().message(), "too deep")) {
      continue;  // protobuf's nesting limit (64), which json_writer lacks
    }
    if (!expected.ok()) {
      nbo::fuzz::Check(absl::IsInvalidArgument(status),
                       "what protobuf cannot print is INVALID_ARGUMENT");
      continue;
    }
    nbo::fuzz::Check(status.ok(), "what protobuf prints prints");
    nbo::fuzz::Check(written == *expected, "the same bytes as protobuf");
  }
  return 0;
}
