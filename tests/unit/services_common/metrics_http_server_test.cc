// Copyright (c) 2026 The nbo Authors. MIT License.
//
// MetricsHttpServer over real sockets on 127.0.0.1: what it answers, and
// that idle, slow and oversized clients can neither block a scrape nor hold
// a connection past its deadline.

#include "services/common/metrics_http_server.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/slow_clients.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/tcp_client.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace nbo::services {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::SlowClients;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TcpClient;
using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Generous bound for things that should take milliseconds, so a loaded
// machine does not make a test flaky; the bound for a scrape under
// attack is 1 s.
constexpr absl::Duration kPatience = absl::Seconds(10);

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  MetricsHttpServerTest()
      : registry_(std::make_shared<prometheus::Registry>()) {
    prometheus::BuildCounter()
        .Name("nbo_test_events_total")
        .Help("Events seen by the test.")
        .Register(*registry_)
        .Add({})
        .Increment(3);
  }

  // Options serving registry_ on a free loopback port.
  MetricsHttpServer::Options TestOptions() const {
    MetricsHttpServer::Options options;
    options.address = "127.0.0.1:0";
    options.collectables = {registry_};
    return options;
  }

  void StartServer(MetricsHttpServer::Options options) {
    ASSERT_OK_AND_ASSIGN(server_,
                         MetricsHttpServer::Create(std::move(options)));
    ASSERT_GT(server_->port(), 0);
  }

  // The whole answer to `request` on a fresh connection that the server
  // closes after answering.
  absl::StatusOr<std::string> Exchange(const std::string& request) {
    absl::StatusOr<std::unique_ptr<TcpClient>> client =
        TcpClient::Connect(server_->port());
    if (!client.ok()) return client.status();
    absl::Status sent = (*client)->Send(request);
    if (!sent.ok()) return sent;
    return (*client)->ReadUntilClosed(kPatience);
  }

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<MetricsHttpServer> server_;
};

TEST_F(MetricsHttpServerTest, ServesRegisteredCounterAsPrometheusText) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  ASSERT_OK_AND_ASSIGN(const std::string answer,
                       Exchange("GET /metrics HTTP/1.0\r\n\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.0 200 OK\r\n"));
  EXPECT_THAT(answer, HasSubstr("Content-Type: text/plain; version=0.0.4; "
                                "charset=utf-8\r\n"));
  EXPECT_THAT(answer, HasSubstr("\r\n\r\n# HELP nbo_test_events_total"));
  EXPECT_THAT(answer, EndsWith("\nnbo_test_events_total 3\n"));
}

TEST_F(MetricsHttpServerTest, HeadAnswersTheHeaderWithoutTheBody) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  ASSERT_OK_AND_ASSIGN(const std::string answer,
                       Exchange("HEAD /metrics HTTP/1.0\r\n\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.0 200 OK\r\n"));
  EXPECT_THAT(answer, HasSubstr("Content-Length: "));
  EXPECT_THAT(answer, EndsWith("\r\n\r\n"));
}

TEST_F(MetricsHttpServerTest, IgnoresTheQueryString) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  ASSERT_OK_AND_ASSIGN(const std::string answer,
                       Exchange("GET /metrics?x=1 HTTP/1.0\r\n\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.0 200 OK\r\n"));
}

TEST_F(MetricsHttpServerTest, OtherPathsAreNotFound) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  for (const char* path : {"/", "/metrics/", "/metricsx", "/healthz"}) {
    ASSERT_OK_AND_ASSIGN(
        const std::string answer,
        Exchange(absl::StrCat("GET ", path, " HTTP/1.0\r\n\r\n")));
    EXPECT_THAT(answer, StartsWith("HTTP/1.0 404 Not Found\r\n")) << path;
    EXPECT_THAT(answer, Not(HasSubstr("nbo_test_events_total"))) << path;
  }
}

TEST_F(MetricsHttpServerTest, OtherMethodsAreNotAllowedAndSayWhichAre) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    ASSERT_OK_AND_ASSIGN(
        const std::string answer,
        Exchange(absl::StrCat(
            method, " /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n")));
    EXPECT_THAT(answer, AllOf(StartsWith("HTTP/1.0 405 Method Not Allowed\r\n"),
                              HasSubstr("\r\nAllow: GET, HEAD\r\n")))
        << method;
  }
}

TEST_F(MetricsHttpServerTest, MalformedRequestIsBadRequestAndClosed) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  ASSERT_OK_AND_ASSIGN(const std::string answer,
                       Exchange("NOT HTTP AT ALL\r\n\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 400 Bad Request\r\n"));
}

TEST_F(MetricsHttpServerTest, OversizedHeaderIsRejectedAndClosed) {
  MetricsHttpServer::Options options = TestOptions();
  options.max_header_bytes = 1024;
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TcpClient> client,
                       TcpClient::Connect(server_->port()));
  ASSERT_THAT(client->Send(absl::StrCat("GET /metrics HTTP/1.1\r\nX-Big: ",
                                        std::string(4096, 'a'), "\r\n\r\n")),
              IsOk());
  absl::StatusOr<std::string> answer = client->ReadUntilClosed(kPatience);
  // 431 then a close; a reset instead of the close is allowed too.
  if (answer.ok()) {
    EXPECT_THAT(*answer,
                StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  } else {
    EXPECT_THAT(answer, StatusIs(absl::StatusCode::kUnavailable));
  }
}

TEST_F(MetricsHttpServerTest, KeepAliveConnectionServesOneScrapeAfterAnother) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TcpClient> client,
                       TcpClient::Connect(server_->port()));
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(client->Send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"),
                IsOk());
    ASSERT_OK_AND_ASSIGN(const std::string answer,
                         client->ReadResponse(kPatience));
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
    EXPECT_THAT(answer, EndsWith("nbo_test_events_total 3\n"));
  }
}

TEST_F(MetricsHttpServerTest, KeepAliveConnectionIsClosedAfterIdleTimeout) {
  MetricsHttpServer::Options options = TestOptions();
  options.idle_timeout = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TcpClient> client,
                       TcpClient::Connect(server_->port()));
  ASSERT_THAT(client->Send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"), IsOk());
  ASSERT_THAT(client->ReadResponse(kPatience), IsOk());
  EXPECT_TRUE(client->WaitForClose(kPatience));
}

TEST_F(MetricsHttpServerTest, IdleConnectionIsClosedAtTheRequestDeadline) {
  MetricsHttpServer::Options options = TestOptions();
  options.request_timeout = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  const absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TcpClient> client,
                       TcpClient::Connect(server_->port()));
  EXPECT_TRUE(client->WaitForClose(kPatience));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
}

// The deadline covers the whole header: bytes trickling in do not extend it.
TEST_F(MetricsHttpServerTest, SlowlorisIsClosedAtTheRequestDeadline) {
  MetricsHttpServer::Options options = TestOptions();
  options.request_timeout = absl::Milliseconds(500);
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  const absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TcpClient> client,
                       TcpClient::Connect(server_->port()));
  const std::string header = "GET /metrics HTTP/1.1\r\nX-Slow: ";
  bool closed = false;
  for (size_t at = 0; !closed && absl::Now() - start < kPatience; ++at) {
    const std::string byte = at < header.size() ? header.substr(at, 1) : "a";
    closed = !client->Send(byte).ok() ||
             client->WaitForClose(absl::Milliseconds(50));
  }
  EXPECT_TRUE(closed) << "still open after " << kPatience << " of trickling";
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(500));
}

TEST_F(MetricsHttpServerTest, ScrapeAnswersWithinASecondDuringAnAttack) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  // The defaults: 50 idle connections, 50 sending a byte every 200 ms.
  SlowClients::Options attack_options;
  attack_options.port = server_->port();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SlowClients> attack,
                       SlowClients::Start(attack_options));
  for (int round = 1; round <= 3; ++round) {
    ASSERT_TRUE(attack->WaitForRounds(round, kPatience));
    const absl::Time start = absl::Now();
    ASSERT_OK_AND_ASSIGN(const std::string answer,
                         Exchange("GET /metrics HTTP/1.0\r\n\r\n"));
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << "round " << round;
    EXPECT_THAT(answer, StartsWith("HTTP/1.0 200 OK\r\n"));
    EXPECT_THAT(answer, EndsWith("nbo_test_events_total 3\n"));
  }
}

TEST_F(MetricsHttpServerTest, ScrapeGetsThroughWhenSlowClientsFillTheCap) {
  MetricsHttpServer::Options options = TestOptions();
  options.max_connections = 8;
  options.request_timeout = absl::Minutes(10);  // Only eviction closes them.
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  SlowClients::Options attack_options;
  attack_options.port = server_->port();
  attack_options.idle = 0;
  attack_options.slow = 8;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SlowClients> attack,
                       SlowClients::Start(attack_options));
  ASSERT_TRUE(attack->WaitForRounds(2, kPatience));
  for (int i = 0; i < 3; ++i) {
    const absl::Time start = absl::Now();
    ASSERT_OK_AND_ASSIGN(const std::string answer,
                         Exchange("GET /metrics HTTP/1.0\r\n\r\n"));
    EXPECT_THAT(answer, StartsWith("HTTP/1.0 200 OK\r\n"));
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << "scrape " << i;
  }
}

TEST_F(MetricsHttpServerTest, AtTheCapTheOldestWaitingConnectionMakesRoom) {
  MetricsHttpServer::Options options = TestOptions();
  options.max_connections = 2;
  options.request_timeout = absl::Minutes(10);
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TcpClient> oldest,
                       TcpClient::Connect(server_->port()));
  // The accept queue is first in, first out: `oldest` is admitted first.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TcpClient> newer,
                       TcpClient::Connect(server_->port()));
  ASSERT_OK_AND_ASSIGN(const std::string answer,
                       Exchange("GET /metrics HTTP/1.0\r\n\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.0 200 OK\r\n"));
  EXPECT_TRUE(oldest->WaitForClose(kPatience));
}

TEST_F(MetricsHttpServerTest, DestructionClosesOpenConnectionsPromptly) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TcpClient> client,
                       TcpClient::Connect(server_->port()));
  ASSERT_THAT(client->Send("GET /met"), IsOk());
  const absl::Time start = absl::Now();
  server_.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(client->WaitForClose(kPatience));
}

TEST_F(MetricsHttpServerTest, BusyPortIsUnavailableAndNamesTheAddress) {
  ASSERT_NO_FATAL_FAILURE(StartServer(TestOptions()));
  MetricsHttpServer::Options options = TestOptions();
  options.address = absl::StrCat("127.0.0.1:", server_->port());
  EXPECT_THAT(
      MetricsHttpServer::Create(options),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr(options.address)));
}

TEST_F(MetricsHttpServerTest, MalformedAddressesAreInvalidArgument) {
  for (const char* address :
       {"", "9464", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:65536",
        "no.such.host:0", "[::1:0", "::1:0"}) {
    MetricsHttpServer::Options options = TestOptions();
    options.address = address;
    EXPECT_THAT(MetricsHttpServer::Create(options),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << address;
  }
}

TEST_F(MetricsHttpServerTest, NonPositiveLimitsAreInvalidArgument) {
  MetricsHttpServer::Options zero_timeout = TestOptions();
  zero_timeout.request_timeout = absl::ZeroDuration();
  EXPECT_THAT(MetricsHttpServer::Create(zero_timeout),
              StatusIs(absl::StatusCode::kInvalidArgument));
  MetricsHttpServer::Options zero_cap = TestOptions();
  zero_cap.max_connections = 0;
  EXPECT_THAT(MetricsHttpServer::Create(zero_cap),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MetricsHttpServerTest, ListensOnLocalhost) {
  MetricsHttpServer::Options options = TestOptions();
  options.address = "localhost:0";
  ASSERT_NO_FATAL_FAILURE(StartServer(options));
  ASSERT_OK_AND_ASSIGN(const std::string answer,
                       Exchange("GET /metrics HTTP/1.0\r\n\r\n"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.0 200 OK\r\n"));
}

}  // namespace
}  // namespace nbo::services
