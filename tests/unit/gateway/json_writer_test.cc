// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/json_writer.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"
#include "nbo/v1/trainer_service.pb.h"
#include "tests/unit/gateway/json_oracle.h"
#include "tests/unit/gateway/testdata/gateway_test.pb.h"

namespace nbo::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::nbo::testing::IsOk;
using ::nbo::testing::ProtobufJson;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<std::string> Write(const Message& message,
                                  bool proto_names = false) {
  std::string json;
  absl::Status status =
      AppendMessageJson(message, {.proto_names = proto_names}, &json);
  if (!status.ok()) return status;
  return json;
}

// Byte for byte what protobuf's printer prints, in both naming modes.
void ExpectSameAsProtobuf(const Message& message) {
  for (bool proto_names : {false, true}) {
    absl::StatusOr<std::string> expected = ProtobufJson(message, proto_names);
    ASSERT_THAT(expected, IsOk()) << message.DebugString();
    absl::StatusOr<std::string> written = Write(message, proto_names);
    ASSERT_THAT(written, IsOk()) << message.DebugString();
    EXPECT_EQ(*written, *expected) << message.DebugString();
  }
}

// Fills messages with values chosen to reach every formatting rule:
// integer extremes, floating point edges, escapes, format characters,
// unknown enum values, Timestamps and Durations at every precision.
class MessageFiller {
 public:
  explicit MessageFiller(uint32_t seed) : random_(seed) {}

  void Fill(Message* message, int depth) {
    const Descriptor* d = message->GetDescriptor();
    const Reflection* r = message->GetReflection();
    if (d->full_name() == "google.protobuf.Timestamp") {
      return FillSecondsAndNanos(
          message,
          Pick<int64_t>({-62135596800, -1, 0, 1733300000, 253402300799}),
          /*duration=*/false);
    }
    if (d->full_name() == "google.protobuf.Duration") {
      const int64_t seconds =
          Pick<int64_t>({-315576000000, -5, 0, 3, 315576000000});
      return FillSecondsAndNanos(message, seconds, /*duration=*/true);
    }
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth >= 3) {
        continue;
      }
      if (Chance(3)) continue;  // left unset
      if (f->is_repeated()) {
        const int n = static_cast<int>(random_() % 4);
        for (int j = 0; j < n; ++j) Add(message, f, depth);
      } else if (f->containing_oneof() == nullptr ||
                 !r->HasOneof(*message, f->containing_oneof())) {
        Set(message, f, depth);
      }
    }
  }

 private:
  template <typename T>
  T Pick(std::initializer_list<T> values) {
    return values.begin()[random_() % values.size()];
  }
  bool Chance(int one_in) { return random_() % one_in == 0; }

  // A Duration's nanos take the sign of its seconds (either when 0).
  void FillSecondsAndNanos(Message* message, int64_t seconds, bool duration) {
    const Descriptor* d = message->GetDescriptor();
    const Reflection* r = message->GetReflection();
    int32_t nanos = Pick<int32_t>({0, 21000000, 5000, 1, 999999999});
    if (duration && (seconds < 0 || (seconds == 0 && Chance(2)))) {
      nanos = -nanos;
    }
    r->SetInt64(message, d->FindFieldByNumber(1), seconds);
    r->SetInt32(message, d->FindFieldByNumber(2), nanos);
  }

  std::string Text() {
    static const char* const kPieces[] = {
        "a",      "Zz9",    " ",          "\"",         "\\",         "\n",
        "\t",     "\x01",   "\x1f",       "\x7f",       "<",          ">",
        "&",      "/",      "é",          "日本",       "😀",          "\u00ad",
        "\u2028", "\u200b", "\ufeff",     "\u0600",     "\U000E0041", "\u0085",
        "\u009f", "\u00a0", "\U000110BD", "\U0001D173", "\U0001D17B"};
    std::string text;
    const int n = static_cast<int>(random_() % 5);
    for (int i = 0; i < n; ++i) text += kPieces[random_() % std::size(kPieces)];
    return text;
  }

  double Double() {
    return Pick<double>({0.0, -0.0, 0.1, 1.0 / 3, 1e21, 1e-7, 5e-324,
                         1.7976931348623157e308, 123456789012345678.0, 100,
                         0.57483863830566406, -2.5});
  }

  float Float() {
    return Pick<float>(
        {0.0f, 0.1f, 1.0f / 3, 16777216.0f, 3.4e38f, 1e-45f, -7.25f, 1e-7f});
  }

  template <typename T>
  T Integer() {
    using Limits = std::numeric_limits<T>;
    return Pick<T>({T{0}, T{1}, static_cast<T>(-1), Limits::min(),
                    Limits::max(), static_cast<T>(random_())});
  }

  int Enum(const FieldDescriptor* f) {
    if (Chance(5)) return 7;  // a value the enum does not name
    return f->enum_type()
        ->value(random_() % f->enum_type()->value_count())
        ->number();
  }

  void Set(Message* m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->SetInt32(m, f, Integer<int32_t>());
      case FieldDescriptor::CPPTYPE_INT64:
        return r->SetInt64(m, f, Integer<int64_t>());
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->SetUInt32(m, f, Integer<uint32_t>());
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->SetUInt64(m, f, Integer<uint64_t>());
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->SetDouble(m, f, Double());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r->SetFloat(m, f, Float());
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->SetBool(m, f, Chance(2));
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->SetEnumValue(m, f, Enum(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->SetString(m, f, Text());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Fill(r->MutableMessage(m, f), depth + 1);
    }
  }

  void Add(Message* m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->AddInt32(m, f, Integer<int32_t>());
      case FieldDescriptor::CPPTYPE_INT64:
        return r->AddInt64(m, f, Integer<int64_t>());
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->AddUInt32(m, f, Integer<uint32_t>());
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->AddUInt64(m, f, Integer<uint64_t>());
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->AddDouble(m, f, Double());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r->AddFloat(m, f, Float());
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->AddBool(m, f, Chance(2));
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->AddEnumValue(m, f, Enum(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->AddString(m, f, Text());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Fill(r->AddMessage(m, f), depth + 1);
    }
  }

  std::mt19937 random_;
};

TEST(JsonWriterTest, PrintsZeroValuesAndLeavesOutUnsetPresence) {
  nbo::test::Printable empty;
  EXPECT_THAT(Write(empty), IsOk());
  ExpectSameAsProtobuf(empty);
  const std::string json = *Write(empty);
  EXPECT_THAT(json, HasSubstr("\"f32\":0"));
  EXPECT_THAT(json, HasSubstr("\"ratios\":[]"));
  EXPECT_THAT(json, HasSubstr("\"byNumber\":{}"));
  EXPECT_THAT(json, HasSubstr("\"customJsonName\":0"));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("maybeText")));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("thing")));
}

TEST(JsonWriterTest, NamesFieldsByProtoNameWhenAsked) {
  nbo::test::Printable message;
  message.set_maybe_text("x");
  EXPECT_THAT(*Write(message, true), HasSubstr("\"maybe_text\":\"x\""));
  EXPECT_THAT(*Write(message, false), HasSubstr("\"maybeText\":\"x\""));
}

TEST(JsonWriterTest, PrintsNumbersAsProtobufDoes) {
  nbo::test::Printable message;
  message.set_sf64(-9007199254740993);
  for (double d : {0.1, 1.0 / 3, 1e21, 5e-324, -0.0}) message.add_ratios(d);
  message.add_ratios(std::nan(""));
  message.add_ratios(-std::numeric_limits<double>::infinity());
  for (float f : {0.1f, 1.0f / 3, 1e-45f}) message.add_weights(f);
  ExpectSameAsProtobuf(message);
  EXPECT_THAT(*Write(message),
              HasSubstr("\"ratios\":[0.1,0.33333333333333331,1e+21,"
                        "4.94065645841247e-324,-0,\"NaN\",\"-Infinity\"]"));
  EXPECT_THAT(*Write(message), HasSubstr("\"sf64\":\"-9007199254740993\""));
}

TEST(JsonWriterTest, EscapesAsProtobufDoes) {
  nbo::test::Printable message;
  message.mutable_text()->set_value("<a href=\"x\">\\\n\x01\x7f\u2028é😀");
  ExpectSameAsProtobuf(message);
  EXPECT_THAT(*Write(message),
              HasSubstr("\"text\":\"\\u003ca href=\\\"x\\\"\\u003e\\\\\\n"
                        "\\u0001\\u007f\\u2028é😀\""));
}

TEST(JsonWriterTest, SortsMapEntriesByKey) {
  nbo::test::Printable message;
  (*message.mutable_by_number())[10].set_name("ten");
  (*message.mutable_by_number())[-2].set_name("minus two");
  (*message.mutable_by_number())[3];
  (*message.mutable_by_flag())[true] = 1;
  (*message.mutable_by_flag())[false] = 2;
  ExpectSameAsProtobuf(message);
  const std::string json = *Write(message);
  EXPECT_LT(json.find("\"-2\""), json.find("\"3\""));
  EXPECT_LT(json.find("\"3\""), json.find("\"10\""));
  EXPECT_THAT(json, HasSubstr("\"byFlag\":{\"false\":\"2\",\"true\":\"1\"}"));
}

TEST(JsonWriterTest, PrintsTimestampsAndDurationsAtTheirPrecision) {
  nbo::test::Printable message;
  google::protobuf::Timestamp& t = (*message.mutable_times())["a"];
  t.set_seconds(951782400);  // 2000-02-29
  t.set_nanos(21000000);
  google::protobuf::Duration* d = message.add_durations();
  d->set_seconds(0);
  d->set_nanos(-5000);
  ExpectSameAsProtobuf(message);
  EXPECT_THAT(*Write(message), HasSubstr("\"2000-02-29T00:00:00.021Z\""));
  EXPECT_THAT(*Write(message), HasSubstr("\"-0.000005s\""));
}

TEST(JsonWriterTest, RefusesTimesWithoutAJsonForm) {
  nbo::test::Printable message;
  (*message.mutable_times())["a"].set_seconds(253402300800);  // year 10000
  EXPECT_THAT(Write(message), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("Timestamp")));
  nbo::test::Printable mixed;
  google::protobuf::Duration* d = mixed.add_durations();
  d->set_seconds(1);
  d->set_nanos(-1);
  EXPECT_THAT(Write(mixed), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("Duration")));
}

TEST(JsonWriterTest, LeavesStructToProtobuf) {
  nbo::test::Loose loose;
  (*loose.mutable_details()->mutable_fields())["k"].set_number_value(1);
  EXPECT_THAT(Write(loose), StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(JsonWriterTest, PrintsOneFieldAlone) {
  nbo::test::Printable message;
  message.add_bigs(5);
  message.add_bigs(-6);
  std::string json;
  ASSERT_THAT(
      AppendFieldJson(message, message.GetDescriptor()->FindFieldByName("bigs"),
                      {}, &json),
      IsOk());
  EXPECT_EQ(json, "[\"5\",\"-6\"]");
}

TEST(JsonWriterTest, RandomMessagesPrintAsProtobufPrintsThem) {
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    MessageFiller filler(seed);
    nbo::test::Printable message;
    filler.Fill(&message, 0);
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsProtobuf(message)) << "seed " << seed;
  }
}

TEST(JsonWriterTest, EveryApiResponsePrintsAsProtobufPrintsIt) {
  const std::vector<const Descriptor*> types = {
      nbo::v1::RecommendResponse::descriptor(),
      nbo::v1::GetCustomerResponse::descriptor(),
      nbo::v1::ListCustomersResponse::descriptor(),
      nbo::v1::BatchRecommendResponse::descriptor(),
      nbo::v1::ListModelsResponse::descriptor(),
      nbo::v1::GetModelStatusResponse::descriptor(),
      nbo::v1::GetExperimentStatsResponse::descriptor(),
      nbo::v1::GetCatalogResponse::descriptor(),
      nbo::v1::GetJobResponse::descriptor(),
      nbo::v1::WatchJobResponse::descriptor(),
  };
  for (const Descriptor* type : types) {
    for (uint32_t seed = 1; seed <= 30; ++seed) {
      std::unique_ptr<Message> message(
          google::protobuf::MessageFactory::generated_factory()
              ->GetPrototype(type)
              ->New());
      MessageFiller(seed).Fill(message.get(), 0);
      ASSERT_NO_FATAL_FAILURE(ExpectSameAsProtobuf(*message))
          << type->full_name() << " seed " << seed;
    }
  }
}

}  // namespace
}  // namespace nbo::gateway
