// Copyright (c) 2026 The nbo Authors. MIT License.
//
// HttpGet against the real MetricsHttpServer and against a listener that
// never answers, on loopback ports the kernel picks.

#include "services/common/http_client.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/common/metrics_http_server.h"
#include "services/common/prometheus_text.h"

namespace nbo::services {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Pair;

class HttpGetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = std::make_shared<prometheus::Registry>();
    prometheus::BuildCounter()
        .Name("nbo_test_events_total")
        .Register(*registry)
        .Add({{"kind", "say \"hi\""}})
        .Increment(3);
    MetricsHttpServer::Options options;
    options.address = "127.0.0.1:0";
    options.collectables = {registry};
    ASSERT_OK_AND_ASSIGN(server_, MetricsHttpServer::Create(options));
    address_ = absl::StrCat("127.0.0.1:", server_->port());
  }

  std::unique_ptr<MetricsHttpServer> server_;
  std::string address_;
};

TEST_F(HttpGetTest, ScrapesMetricsThatParse) {
  ASSERT_OK_AND_ASSIGN(std::string body, HttpGet(address_, "/metrics"));
  ASSERT_OK_AND_ASSIGN(std::vector<PrometheusSample> samples,
                       ParsePrometheusText(body));
  ASSERT_OK_AND_ASSIGN(double events,
                       FindPrometheusSample(samples, "nbo_test_events_total",
                                            {{"kind", "say \"hi\""}}));
  EXPECT_EQ(events, 3);
}

TEST_F(HttpGetTest, AnswerOtherThan200IsInternalWithItsStatus) {
  EXPECT_THAT(HttpGet(address_, "/nope"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("404")));
}

TEST_F(HttpGetTest, BodyOverTheCapIsUnavailable) {
  HttpGetOptions options;
  options.max_body_bytes = 16;
  EXPECT_THAT(HttpGet(address_, "/metrics", options),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(HttpGetErrorsTest, RefusedConnectionIsUnavailable) {
  // A port that was just free: bind, note it, close.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const int port = acceptor.local_endpoint().port();
  acceptor.close();
  EXPECT_THAT(HttpGet(absl::StrCat("127.0.0.1:", port), "/metrics"),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(HttpGetErrorsTest, SilentServerIsDeadlineExceeded) {
  // The kernel completes the connection from the backlog; nothing answers.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  HttpGetOptions options;
  options.timeout = absl::Milliseconds(200);
  EXPECT_THAT(
      HttpGet(absl::StrCat("127.0.0.1:", acceptor.local_endpoint().port()),
              "/metrics", options),
      StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(HttpGetErrorsTest, AddressWithoutPortIsInvalidArgument) {
  EXPECT_THAT(HttpGet("localhost", "/metrics"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto host_port, SplitHostPort("[::1]:9464"));
  EXPECT_THAT(host_port, Pair("::1", "9464"));
}

}  // namespace
}  // namespace nbo::services
