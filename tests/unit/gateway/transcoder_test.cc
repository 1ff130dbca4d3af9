// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/transcoder.h"

#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"
#include "tests/unit/gateway/testdata/gateway_test.pb.h"

namespace nbo::gateway {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using test::ThingRequest;
using test::ThingResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

const RouteTable& TestTable() {
  static const RouteTable* const table = [] {
    auto created =
        RouteTable::Create(ThingRequest::descriptor()->file()->pool(),
                           {"nbo.test.GatewayTestService"});
    EXPECT_THAT(created, IsOk());
    return created->release();
  }();
  return *table;
}

const RouteTable& NboTable() {
  static const RouteTable* const table = [] {
    EXPECT_NE(v1::ListModelsRequest::descriptor(), nullptr);
    auto created =
        RouteTable::Create(v1::RecommendRequest::descriptor()->file()->pool(),
                           {"nbo.v1.NBOService", "nbo.v1.ModelService"});
    EXPECT_THAT(created, IsOk());
    return created->release();
  }();
  return *table;
}

// The request for `method` and `target` ("/path?query"), parsed as T.
template <typename T = ThingRequest>
absl::StatusOr<T> Transcode(const RouteTable& table, absl::string_view method,
                            absl::string_view target,
                            absl::string_view body = "", bool strict = true) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(target, absl::MaxSplits('?', 1));
  const RouteMatch match = table.Find(method, parts.first);
  if (match.route == nullptr) return absl::NotFoundError("no route");
  TranscodeOptions options;
  options.strict = strict;
  absl::StatusOr<std::string> bytes =
      BuildRequest(match, parts.second, body, options);
  if (!bytes.ok()) return bytes.status();
  T message;
  if (!message.ParseFromString(*bytes)) return absl::InternalError("parse");
  return message;
}

absl::StatusOr<ThingRequest> Get(absl::string_view target, bool strict = true) {
  return Transcode(TestTable(), "GET", target, "", strict);
}

// --- path bindings ---

TEST(TranscoderTest, BindsPathVariables) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request, Get("/v1/things/T%201"));
  EXPECT_EQ(request.id(), "T 1");
  ASSERT_OK_AND_ASSIGN(request, Get("/v1/projects/p/things/t/inner/n%2Fm"));
  EXPECT_EQ(request.name(), "projects/p/things/t");
  EXPECT_EQ(request.inner().name(), "n/m");
}

TEST(TranscoderTest, ParsesPathVariablesAsTheirFieldType) {
  ASSERT_OK_AND_ASSIGN(v1::DeleteVersionRequest request,
                       Transcode<v1::DeleteVersionRequest>(
                           NboTable(), "DELETE", "/v1/models/m/versions/42"));
  EXPECT_EQ(request.model_name(), "m");
  EXPECT_EQ(request.version(), 42);
  EXPECT_THAT(Transcode<v1::DeleteVersionRequest>(NboTable(), "DELETE",
                                                  "/v1/models/m/versions/4x2"),
              StatusIs(kInvalid,
                       "path variable version is not a valid int64: "
                       "'4x2'"));
}

TEST(TranscoderTest, RejectsInvalidUtf8InThePath) {
  EXPECT_THAT(Get("/v1/things/%FF"),
              StatusIs(kInvalid, HasSubstr("not valid UTF-8")));
}

// --- query parameters ---

TEST(TranscoderTest, BindsScalarQueryParameters) {
  ASSERT_OK_AND_ASSIGN(
      ThingRequest request,
      Get("/v1/things/T1?limit=-5&big=9007199254740993&small=7"
          "&huge=18446744073709551615&flag=true&ratio=0.25&weight=1.5"
          "&blob=aGk_&delta=-3&color=COLOR_RED"));
  EXPECT_EQ(request.limit(), -5);
  EXPECT_EQ(request.big(), 9007199254740993);
  EXPECT_EQ(request.small(), 7u);
  EXPECT_EQ(request.huge(), 18446744073709551615u);
  EXPECT_TRUE(request.flag());
  EXPECT_EQ(request.ratio(), 0.25);
  EXPECT_EQ(request.weight(), 1.5f);
  EXPECT_EQ(request.blob(), "hi?");
  EXPECT_EQ(request.delta(), -3);
  EXPECT_EQ(request.color(), test::COLOR_RED);
}

TEST(TranscoderTest, DecodesQueryKeysAndValues) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Get("/v1/things/T1?display%5Fname=a+b%20c%26d&&"));
  EXPECT_EQ(request.display_name(), "a b c&d");
  EXPECT_THAT(Get("/v1/things/T1?display_name=%zz"),
              StatusIs(kInvalid, HasSubstr("not valid percent-encoding")));
  ASSERT_OK_AND_ASSIGN(request, Get("/v1/things/T1?display_name"));
  EXPECT_EQ(request.display_name(), "");
}

TEST(TranscoderTest, AcceptsProtoAndJsonNames) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Get("/v1/things/T1?displayName=x"));
  EXPECT_EQ(request.display_name(), "x");
  ASSERT_OK_AND_ASSIGN(v1::RecommendRequest recommend,
                       Transcode<v1::RecommendRequest>(
                           NboTable(), "GET",
                           "/v1/customers/C1/offers?numOffers=5&explain=true"));
  EXPECT_EQ(recommend.customer_id(), "C1");
  EXPECT_TRUE(recommend.has_num_offers());
  EXPECT_EQ(recommend.num_offers(), 5);
  EXPECT_TRUE(recommend.explain());
}

TEST(TranscoderTest, BindsNestedQueryParameters) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Get("/v1/things/T1?inner.name=n&inner.count=3"
                           "&inner.color=2&inner.tags=a&inner.tags=b"));
  EXPECT_EQ(request.inner().name(), "n");
  EXPECT_EQ(request.inner().count(), 3);
  EXPECT_EQ(request.inner().color(), test::COLOR_GREEN);
  EXPECT_THAT(request.inner().tags(), ElementsAre("a", "b"));
}

TEST(TranscoderTest, BindsRepeatedQueryParameters) {
  ASSERT_OK_AND_ASSIGN(
      ThingRequest request,
      Get("/v1/things/T1?tags=a&tags=b&numbers=1&numbers=-2"
          "&colors=COLOR_RED&colors=2"
          "&times=2026-01-31T12:00:00Z&times=1970-01-01T00:00:01Z"));
  EXPECT_THAT(request.tags(), ElementsAre("a", "b"));
  EXPECT_THAT(request.numbers(), ElementsAre(1, -2));
  EXPECT_THAT(request.colors(),
              ElementsAre(test::COLOR_RED, test::COLOR_GREEN));
  ASSERT_EQ(request.times_size(), 2);
  EXPECT_EQ(request.times(1).seconds(), 1);
}

TEST(TranscoderTest, ReadsEnumsByNameOrNumber) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request, Get("/v1/things/T1?color=2"));
  EXPECT_EQ(request.color(), test::COLOR_GREEN);
  EXPECT_THAT(Get("/v1/things/T1?color=COLOR_PURPLE"),
              StatusIs(kInvalid,
                       "query parameter 'color' is not a valid "
                       "nbo.test.Color: 'COLOR_PURPLE'"));
  EXPECT_THAT(Get("/v1/things/T1?color=9"), StatusIs(kInvalid));
  EXPECT_THAT(Get("/v1/things/T1?color=color_red"), StatusIs(kInvalid));
}

TEST(TranscoderTest, ReadsBoolsAsTrueOrFalse) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request, Get("/v1/things/T1?flag=false"));
  EXPECT_FALSE(request.flag());
  for (const char* bad : {"yes", "1", "TRUE", ""}) {
    EXPECT_THAT(Get(std::string("/v1/things/T1?flag=") + bad),
                StatusIs(kInvalid, HasSubstr("not a valid bool")))
        << bad;
  }
}

TEST(TranscoderTest, RejectsNumbersThatDoNotParseOrFit) {
  EXPECT_THAT(Get("/v1/things/T1?limit=abc"),
              StatusIs(kInvalid,
                       "query parameter 'limit' is not a valid int32: 'abc'"));
  EXPECT_THAT(Get("/v1/things/T1?limit=2147483648"),
              StatusIs(kInvalid, HasSubstr("not a valid int32")));
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Get("/v1/things/T1?limit=-2147483648"));
  EXPECT_EQ(request.limit(), -2147483648);
  for (const char* bad :
       {"small=-1", "small=4294967296", "big=1.5", "big=9223372036854775808",
        "limit=+1", "limit=%201", "limit=1e3", "huge=-0", "ratio=inf",
        "ratio=0x1p3", "ratio=1e400", "weight=1e39", "limit=", "blob=%25"}) {
    EXPECT_THAT(Get(std::string("/v1/things/T1?") + bad), StatusIs(kInvalid))
        << bad;
  }
  ASSERT_OK_AND_ASSIGN(request,
                       Get("/v1/things/T1?ratio=NaN&weight=-Infinity"));
  EXPECT_TRUE(std::isnan(request.ratio()));
  EXPECT_TRUE(std::isinf(request.weight()));
}

TEST(TranscoderTest, ReadsWellKnownTypesInTheirJsonForm) {
  ASSERT_OK_AND_ASSIGN(
      ThingRequest request,
      Get("/v1/things/T1?at=2026-01-31T12:00:00.5Z&timeout=1.5s&maybe=0"));
  EXPECT_EQ(request.at(), TimeUtil::SecondsToTimestamp(1769860800) +
                              TimeUtil::MillisecondsToDuration(500));
  EXPECT_EQ(request.timeout(), TimeUtil::MillisecondsToDuration(1500));
  EXPECT_TRUE(request.has_maybe());
  EXPECT_EQ(request.maybe().value(), 0);
  EXPECT_THAT(Get("/v1/things/T1?at=yesterday"),
              StatusIs(kInvalid,
                       "query parameter 'at' is not a valid "
                       "google.protobuf.Timestamp: 'yesterday'"));
  EXPECT_THAT(Get("/v1/things/T1?timeout=5"), StatusIs(kInvalid));
  EXPECT_THAT(Get("/v1/things/T1?maybe=x"), StatusIs(kInvalid));
}

TEST(TranscoderTest, KeepsPresenceOfOptionalFields) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request, Get("/v1/things/T1?opt=0"));
  EXPECT_TRUE(request.has_opt());
  ASSERT_OK_AND_ASSIGN(request, Get("/v1/things/T1"));
  EXPECT_FALSE(request.has_opt());
}

TEST(TranscoderTest, UnknownQueryParametersFailWhenStrict) {
  EXPECT_THAT(Get("/v1/things/T1?foo=1"),
              StatusIs(kInvalid, "unknown query parameter 'foo'"));
  EXPECT_THAT(Get("/v1/things/T1?inner.foo=1"), StatusIs(kInvalid));
  EXPECT_THAT(Get("/v1/things/T1?limit.x=1"), StatusIs(kInvalid));
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Get("/v1/things/T1?foo=1&limit=2", /*strict=*/false));
  EXPECT_EQ(request.limit(), 2);
}

TEST(TranscoderTest, RejectsARepeatedSingularParameter) {
  EXPECT_THAT(Get("/v1/things/T1?limit=1&limit=2"),
              StatusIs(kInvalid, HasSubstr("limit is singular")));
  EXPECT_THAT(Get("/v1/things/T1?display_name=a&displayName=b"),
              StatusIs(kInvalid));
  EXPECT_THAT(Get("/v1/things/T1?limit=1&limit=2", /*strict=*/false),
              StatusIs(kInvalid));
}

TEST(TranscoderTest, RejectsMessageMapAndRepeatedMessageParameters) {
  EXPECT_THAT(Get("/v1/things/T1?inner=x"),
              StatusIs(kInvalid, HasSubstr("names a message field")));
  EXPECT_THAT(Get("/v1/things/T1?labels=x"),
              StatusIs(kInvalid, HasSubstr("map")));
  EXPECT_THAT(Get("/v1/things/T1?items.name=x"),
              StatusIs(kInvalid, HasSubstr("repeated field items")));
}

TEST(TranscoderTest, RejectsTwoMembersOfOneOneof) {
  EXPECT_THAT(Get("/v1/things/T1?text=a&number=1"),
              StatusIs(kInvalid, HasSubstr("same oneof")));
  ASSERT_OK_AND_ASSIGN(ThingRequest request, Get("/v1/things/T1?number=7"));
  EXPECT_EQ(request.number(), 7);
}

TEST(TranscoderTest, QueryCannotSetWhatThePathOrBodyBinds) {
  EXPECT_THAT(Get("/v1/things/T1?id=T2"),
              StatusIs(kInvalid, HasSubstr("which the path binds")));
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Get("/v1/things/T1?id=T2", /*strict=*/false));
  EXPECT_EQ(request.id(), "T1");
  EXPECT_THAT(Transcode(TestTable(), "POST", "/v1/things?limit=1", "{}"),
              StatusIs(kInvalid, HasSubstr("which the body binds")));
  EXPECT_THAT(
      Transcode(TestTable(), "PATCH", "/v1/things/T1?inner.name=x", "{}"),
      StatusIs(kInvalid, HasSubstr("which the body binds")));
  ASSERT_OK_AND_ASSIGN(
      request, Transcode(TestTable(), "PATCH", "/v1/things/T1?limit=3", "{}"));
  EXPECT_EQ(request.limit(), 3);
}

TEST(TranscoderTest, RejectsInvalidUtf8InQueryValues) {
  EXPECT_THAT(Get("/v1/things/T1?tags=%FF"),
              StatusIs(kInvalid, "query parameter 'tags' is not valid UTF-8"));
  EXPECT_THAT(Get("/v1/things/T1?tags=%ED%A0%80"), StatusIs(kInvalid));
}

// --- bodies ---

TEST(TranscoderTest, ParsesTheWholeRequestFromTheBody) {
  ASSERT_OK_AND_ASSIGN(
      ThingRequest request,
      Transcode(TestTable(), "POST", "/v1/things",
                R"({"id":"T1","limit":3,"big":"12","displayName":"d",
                    "inner":{"name":"n"},"tags":["a"],"color":"COLOR_RED",
                    "at":"2026-01-31T12:00:00Z"})"));
  EXPECT_EQ(request.id(), "T1");
  EXPECT_EQ(request.limit(), 3);
  EXPECT_EQ(request.big(), 12);
  EXPECT_EQ(request.display_name(), "d");
  EXPECT_EQ(request.inner().name(), "n");
  EXPECT_THAT(request.tags(), ElementsAre("a"));
  EXPECT_EQ(request.color(), test::COLOR_RED);
  EXPECT_EQ(request.at().seconds(), 1769860800);
}

TEST(TranscoderTest, AnEmptyBodyIsTheEmptyObject) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Transcode(TestTable(), "POST", "/v1/things", ""));
  EXPECT_EQ(request.ByteSizeLong(), 0u);
  EXPECT_THAT(Transcode(TestTable(), "POST", "/v1/things", " \r\n\t"), IsOk());
}

TEST(TranscoderTest, RejectsBodiesThatAreNotJson) {
  for (const char* bad : {"{", "{\"id\":", "[1,", "nul", "{\"id\":\"a\"} x"}) {
    EXPECT_THAT(Transcode(TestTable(), "POST", "/v1/things", bad),
                StatusIs(kInvalid, HasSubstr("body is not valid JSON: ")))
        << bad;
  }
}

TEST(TranscoderTest, RejectsBodiesThatDoNotFitTheRequest) {
  for (const char* bad :
       {R"({"limit":"x"})", R"({"limit":2147483648})", R"({"color":"NOPE"})",
        R"({"tags":{}})", R"({"inner":3})", R"([])", R"("x")",
        R"({"at":"yesterday"})"}) {
    EXPECT_THAT(Transcode(TestTable(), "POST", "/v1/things", bad),
                StatusIs(kInvalid, HasSubstr("invalid body: ")))
        << bad;
  }
}

TEST(TranscoderTest, UnknownBodyFieldsFailWhenStrict) {
  EXPECT_THAT(Transcode(TestTable(), "POST", "/v1/things", R"({"foo":1})"),
              StatusIs(kInvalid, HasSubstr("foo")));
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Transcode(TestTable(), "POST", "/v1/things",
                                 R"({"foo":1,"id":"T1"})", false));
  EXPECT_EQ(request.id(), "T1");
}

TEST(TranscoderTest, RejectsInvalidUtf8InTheBody) {
  EXPECT_THAT(Transcode(TestTable(), "POST", "/v1/things", "{\"id\":\"\xff\"}"),
              StatusIs(kInvalid, "body is not valid UTF-8"));
  // An escaped lone surrogate decodes to invalid UTF-8.
  EXPECT_THAT(
      Transcode(TestTable(), "POST", "/v1/things", R"({"id":"\udc00"})"),
      StatusIs(kInvalid));
}

TEST(TranscoderTest, ARouteWithoutABodyRejectsOne) {
  EXPECT_THAT(Transcode(TestTable(), "GET", "/v1/things/T1", "{}"),
              StatusIs(kInvalid, HasSubstr("takes no request body")));
  EXPECT_THAT(Transcode(TestTable(), "GET", "/v1/things/T1", "\n"), IsOk());
}

TEST(TranscoderTest, PutsTheBodyInTheNamedField) {
  ASSERT_OK_AND_ASSIGN(ThingRequest request,
                       Transcode(TestTable(), "PATCH", "/v1/things/T1",
                                 R"({"name":"n","count":2})"));
  EXPECT_EQ(request.id(), "T1");
  EXPECT_EQ(request.inner().name(), "n");
  EXPECT_EQ(request.inner().count(), 2);
  EXPECT_THAT(Transcode(TestTable(), "PATCH", "/v1/things/T1", R"({"id":"x"})"),
              StatusIs(kInvalid));

  ASSERT_OK_AND_ASSIGN(
      request,
      Transcode(TestTable(), "PUT", "/v1/things/T1/tags", R"(["a","b"])"));
  EXPECT_THAT(request.tags(), ElementsAre("a", "b"));
  EXPECT_EQ(request.id(), "T1");
  EXPECT_THAT(Transcode(TestTable(), "PUT", "/v1/things/T1/tags", R"({"a":1})"),
              StatusIs(kInvalid, HasSubstr("invalid body")));
  // The body is one value: it cannot reach other fields.
  EXPECT_THAT(Transcode(TestTable(), "PUT", "/v1/things/T1/tags",
                        R"(["a"], "id": "evil")"),
              StatusIs(kInvalid, HasSubstr("body is not valid JSON")));
}

TEST(TranscoderTest, APathFieldInTheBodyMustAgree) {
  ASSERT_OK_AND_ASSIGN(v1::SetVersionLabelRequest request,
                       Transcode<v1::SetVersionLabelRequest>(
                           NboTable(), "POST", "/v1/models/m1/labels/stable",
                           R"({"model_name":"m1","version":"3"})"));
  EXPECT_EQ(request.model_name(), "m1");
  EXPECT_EQ(request.label(), "stable");
  EXPECT_EQ(request.version(), 3);
  EXPECT_THAT(
      Transcode<v1::SetVersionLabelRequest>(NboTable(), "POST",
                                            "/v1/models/m1/labels/stable",
                                            R"({"modelName":"m2"})"),
      StatusIs(kInvalid, "model_name in the body differs from the path"));
}

TEST(TranscoderTest, RecommendsFromABodyOrFromAPath) {
  ASSERT_OK_AND_ASSIGN(
      v1::RecommendRequest request,
      Transcode<v1::RecommendRequest>(
          NboTable(), "POST", "/v1/recommend",
          R"({"customerId":"C1","numOffers":3,"excludeProducts":["P1"]})"));
  EXPECT_EQ(request.customer_id(), "C1");
  EXPECT_EQ(request.num_offers(), 3);
  EXPECT_THAT(request.exclude_products(), ElementsAre("P1"));
  ASSERT_OK_AND_ASSIGN(request,
                       Transcode<v1::RecommendRequest>(
                           NboTable(), "GET",
                           "/v1/customers/C1/offers?exclude_products=P1"
                           "&exclude_products=P2&channel=mobile"));
  EXPECT_THAT(request.exclude_products(), ElementsAre("P1", "P2"));
  EXPECT_EQ(request.channel(), "mobile");
}

// --- responses ---

std::string ThingResponseBytes() {
  ThingResponse response;
  response.set_total(5);
  response.set_color(test::COLOR_RED);
  response.add_values("a");
  response.add_values("b");
  response.mutable_request()->set_id("T1");
  response.mutable_request()->set_display_name("d");
  return response.SerializeAsString();
}

absl::StatusOr<std::string> ResponseFor(absl::string_view method,
                                        absl::string_view path,
                                        absl::string_view bytes,
                                        bool proto_names = false,
                                        bool protobuf_printer = false) {
  const RouteMatch match = TestTable().Find(method, path);
  if (match.route == nullptr) return absl::NotFoundError("no route");
  TranscodeOptions options;
  options.proto_names = proto_names;
  options.protobuf_printer = protobuf_printer;
  return ResponseToJson(*match.route, bytes, options);
}

TEST(TranscoderTest, PrintsResponsesWithZeroValuesAndEnumNames) {
  ASSERT_OK_AND_ASSIGN(std::string json, ResponseFor("GET", "/v1/things/T1",
                                                     ThingResponseBytes()));
  EXPECT_THAT(json, HasSubstr(R"("total":"5")"));
  EXPECT_THAT(json, HasSubstr(R"("color":"COLOR_RED")"));
  EXPECT_THAT(json, HasSubstr(R"("note":"")"));
  EXPECT_THAT(json, HasSubstr(R"("displayName":"d")"));
  EXPECT_THAT(json, HasSubstr(R"("limit":0)"));
  ASSERT_OK_AND_ASSIGN(
      json, ResponseFor("GET", "/v1/things/T1", ThingResponseBytes(), true));
  EXPECT_THAT(json, HasSubstr(R"("display_name":"d")"));
  ASSERT_OK_AND_ASSIGN(json, ResponseFor("GET", "/v1/things/T1", ""));
  EXPECT_THAT(json, HasSubstr(R"("color":"COLOR_UNSPECIFIED")"));
}

TEST(TranscoderTest, PrintsOnlyTheResponseBodyField) {
  ASSERT_OK_AND_ASSIGN(
      std::string json,
      ResponseFor("GET", "/v1/things/T1/values", ThingResponseBytes()));
  EXPECT_EQ(json, R"(["a","b"])");
  ASSERT_OK_AND_ASSIGN(json, ResponseFor("GET", "/v1/things/T1/values", ""));
  EXPECT_EQ(json, "[]");
  ASSERT_OK_AND_ASSIGN(json,
                       ResponseFor("GET", "/v1/echo/T1", ThingResponseBytes()));
  EXPECT_THAT(json, ::testing::StartsWith(R"({"id":"T1")"));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("total")));
}

TEST(TranscoderTest, BothPrintersPrintTheSameResponses) {
  for (const char* path :
       {"/v1/things/T1", "/v1/things/T1/values", "/v1/echo/T1"}) {
    for (bool proto_names : {false, true}) {
      ASSERT_OK_AND_ASSIGN(
          std::string ours,
          ResponseFor("GET", path, ThingResponseBytes(), proto_names));
      ASSERT_OK_AND_ASSIGN(
          std::string theirs,
          ResponseFor("GET", path, ThingResponseBytes(), proto_names, true));
      EXPECT_EQ(ours, theirs) << path;
    }
  }
}

TEST(TranscoderTest, ResponseBytesThatDoNotParseAreInternal) {
  EXPECT_THAT(ResponseFor("GET", "/v1/things/T1", "\xff\xff\xff"),
              StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace nbo::gateway
