// Copyright (c) 2026 The nbo Authors. MIT License.
//
// ParsePrometheusText on text shaped like prometheus-cpp's output (HELP and
// TYPE comments, labels with escapes, histograms up to +Inf, timestamps),
// and FindPrometheusSample's matching rules.

#include "services/common/prometheus_text.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::services {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kExposition[] =
    R"text(# HELP nbo_grpc_requests_total RPCs answered, by method and code.
# TYPE nbo_grpc_requests_total counter
nbo_grpc_requests_total{method="Recommend",code="OK"} 1027
nbo_grpc_requests_total{method="Recommend",code="NOT_FOUND"} 3
nbo_grpc_requests_total{method="PublishModel",code="OK"} 2 1712345678000

# HELP nbo_test_reason A label with a quote, a backslash, a newline and a brace.
# TYPE nbo_test_reason gauge
nbo_test_reason{reason="said \"no\" \\ twice\nthen }left"} 1
# TYPE nbo_grpc_latency_seconds histogram
nbo_grpc_latency_seconds_bucket{method="Recommend",le="0.001"} 900
nbo_grpc_latency_seconds_bucket{method="Recommend",le="+Inf"} 1030
nbo_grpc_latency_seconds_sum{method="Recommend"} 0.4815
nbo_grpc_latency_seconds_count{method="Recommend"} 1030
process_resident_memory_bytes 1.2345e+08
nbo_test_nan NaN
nbo_test_low -Inf
)text";

TEST(PrometheusTextTest, ParsesEverySampleAndSkipsComments) {
  ASSERT_OK_AND_ASSIGN(std::vector<PrometheusSample> samples,
                       ParsePrometheusText(kExposition));
  ASSERT_EQ(samples.size(), 11u);
  EXPECT_EQ(samples[0].name, "nbo_grpc_requests_total");
  EXPECT_THAT(samples[0].labels,
              ElementsAre(Pair("method", "Recommend"), Pair("code", "OK")));
  EXPECT_EQ(samples[0].value, 1027);
  // The timestamp is not the value.
  EXPECT_EQ(samples[2].value, 2);
  EXPECT_EQ(samples[8].name, "process_resident_memory_bytes");
  EXPECT_EQ(samples[8].value, 1.2345e+08);
  EXPECT_TRUE(samples[8].labels.empty());
}

TEST(PrometheusTextTest, UnescapesLabelValues) {
  ASSERT_OK_AND_ASSIGN(std::vector<PrometheusSample> samples,
                       ParsePrometheusText(kExposition));
  EXPECT_THAT(samples[3].labels,
              ElementsAre(Pair("reason", "said \"no\" \\ twice\nthen }left")));
  EXPECT_EQ(samples[3].value, 1);
}

TEST(PrometheusTextTest, ReadsInfinitiesAndNaN) {
  ASSERT_OK_AND_ASSIGN(std::vector<PrometheusSample> samples,
                       ParsePrometheusText(kExposition));
  ASSERT_OK_AND_ASSIGN(
      double all,
      FindPrometheusSample(samples, "nbo_grpc_latency_seconds_bucket",
                           {{"method", "Recommend"}, {"le", "+Inf"}}));
  EXPECT_EQ(all, 1030);
  EXPECT_EQ(samples[5].labels.back().second, "+Inf");
  EXPECT_TRUE(std::isnan(samples[9].value));
  EXPECT_EQ(samples[10].value, -std::numeric_limits<double>::infinity());
}

TEST(PrometheusTextTest, FindsTheOneSampleWithTheGivenLabels) {
  ASSERT_OK_AND_ASSIGN(std::vector<PrometheusSample> samples,
                       ParsePrometheusText(kExposition));
  ASSERT_OK_AND_ASSIGN(double not_found,
                       FindPrometheusSample(samples, "nbo_grpc_requests_total",
                                            {{"code", "NOT_FOUND"}}));
  EXPECT_EQ(not_found, 3);
  ASSERT_OK_AND_ASSIGN(
      double rss,
      FindPrometheusSample(samples, "process_resident_memory_bytes"));
  EXPECT_EQ(rss, 1.2345e+08);
}

TEST(PrometheusTextTest, AmbiguousMatchIsFailedPrecondition) {
  ASSERT_OK_AND_ASSIGN(std::vector<PrometheusSample> samples,
                       ParsePrometheusText(kExposition));
  EXPECT_THAT(FindPrometheusSample(samples, "nbo_grpc_requests_total",
                                   {{"code", "OK"}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(PrometheusTextTest, NoMatchIsNotFound) {
  ASSERT_OK_AND_ASSIGN(std::vector<PrometheusSample> samples,
                       ParsePrometheusText(kExposition));
  // A name that is a prefix of others' matches nothing.
  EXPECT_THAT(FindPrometheusSample(samples, "nbo_grpc_requests"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(FindPrometheusSample(samples, "nbo_grpc_requests_total",
                                   {{"code", "INTERNAL"}}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("INTERNAL")));
}

TEST(PrometheusTextTest, MalformedLineIsInvalidArgumentNamingIt) {
  EXPECT_THAT(
      ParsePrometheusText("# ok\nnbo_a 1\nnbo_b{x=\"1\" 2\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 3")));
  EXPECT_THAT(
      ParsePrometheusText("nbo_a one\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1")));
  EXPECT_THAT(ParsePrometheusText("nbo_a{x=unquoted} 1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePrometheusText("{x=\"1\"} 1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nbo::services
