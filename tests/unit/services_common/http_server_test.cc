// Copyright (c) 2026 The nbo Authors. MIT License.
//
// HttpServer over real loopback sockets: what the gateway relies on beyond
// what metrics_http_server_test covers (bodies and their bound, long
// targets, 100-continue, answers from another thread, chunked streams, a
// client hang-up cancelling the exchange, several loops, shutdown).

#include "services/common/http_server.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/tcp_client.h"
#include "services/common/http_client.h"

namespace nbo::services {
namespace {

using ::nbo::testing::TcpClient;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using ::nbo::services::HttpAnswer;
using ::nbo::services::HttpCallOptions;

// One HTTP request to 127.0.0.1:port.
absl::StatusOr<HttpAnswer> CallPort(int port, const std::string& method,
                                    const std::string& target,
                                    const HttpCallOptions& options = {}) {
  HttpCallOptions with_timeout = options;
  with_timeout.timeout = absl::Seconds(30);
  return ::nbo::services::HttpCall(absl::StrCat("127.0.0.1:", port), method,
                                   target, with_timeout);
}

// Echoes method, path, query and body; "/stream" answers three chunks from
// another thread; "/hang" never answers until cancelled.
class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServer::Options options = {}) {
    options.address = "127.0.0.1:0";
    options.threads = 2;
    options.handler = [this](std::shared_ptr<HttpExchange> exchange) {
      Handle(std::move(exchange));
    };
    ASSERT_OK_AND_ASSIGN(server_, HttpServer::Create(std::move(options)));
  }

  void Handle(std::shared_ptr<HttpExchange> exchange) {
    const HttpRequest& r = exchange->request();
    if (r.Path() == "/stream") {
      std::thread([exchange] {
        exchange->StartStream(200, {{"Content-Type", "application/x-ndjson"}});
        for (int i = 0; i < 3; ++i) {
          absl::Notification written;
          exchange->WriteChunk(absl::StrCat("line ", i, "\n"),
                               [&written](bool) { written.Notify(); });
          written.WaitForNotification();
        }
        exchange->FinishStream();
      }).detach();
      return;
    }
    if (r.Path() == "/hang") {
      exchange->OnCancel([this, exchange] { cancelled_.Notify(); });
      hanging_ = exchange;
      return;
    }
    HttpResponse response;
    response.body =
        absl::StrCat(r.method, " ", r.Path(), " ", r.Query(), " ", r.body);
    std::thread([exchange, response] { exchange->Respond(response); }).detach();
  }

  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<HttpExchange> hanging_;
  absl::Notification cancelled_;
};

TEST_F(HttpServerTest, AnswersFromAnotherThreadWithTheBody) {
  ASSERT_NO_FATAL_FAILURE(Start());
  HttpCallOptions options;
  options.body = "{\"a\":1}";
  ASSERT_OK_AND_ASSIGN(HttpAnswer r,
                       CallPort(server_->port(), "POST", "/x?q=1", options));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /x q=1 {\"a\":1}");
}

TEST_F(HttpServerTest, BodyAtTheBoundPassesAndOnePastIs413) {
  HttpServer::Options options;
  options.max_body_bytes = 100;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  HttpCallOptions call;
  call.body = std::string(100, 'b');
  ASSERT_OK_AND_ASSIGN(HttpAnswer at,
                       CallPort(server_->port(), "POST", "/", call));
  EXPECT_EQ(at.status, 200) << at.body;
  call.body = std::string(101, 'b');
  ASSERT_OK_AND_ASSIGN(HttpAnswer past,
                       CallPort(server_->port(), "POST", "/", call));
  EXPECT_EQ(past.status, 413);
}

TEST_F(HttpServerTest, TargetAtTheBoundPassesAndOnePastIs414) {
  HttpServer::Options options;
  options.max_target_bytes = 64;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_OK_AND_ASSIGN(HttpAnswer at, CallPort(server_->port(), "GET",
                                               "/" + std::string(63, 't')));
  EXPECT_EQ(at.status, 200) << at.body;
  ASSERT_OK_AND_ASSIGN(HttpAnswer past, CallPort(server_->port(), "GET",
                                                 "/" + std::string(64, 't')));
  EXPECT_EQ(past.status, 414);
}

TEST_F(HttpServerTest, ExpectContinueGetsA100ThenTheAnswer) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(auto client, TcpClient::Connect(server_->port()));
  ASSERT_THAT(client->Send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2"
                           "\r\nExpect: 100-continue\r\nConnection: close"
                           "\r\n\r\n"),
              ::nbo::testing::IsOk());
  // The body follows only after the interim answer, as curl does.
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_THAT(client->Send("hi"), ::nbo::testing::IsOk());
  ASSERT_OK_AND_ASSIGN(std::string answer,
                       client->ReadUntilClosed(absl::Seconds(10)));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200"));
  EXPECT_THAT(answer, HasSubstr("POST /c  hi"));
}

TEST_F(HttpServerTest, StreamsChunksInOrder) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(HttpAnswer r,
                       CallPort(server_->port(), "GET", "/stream"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.body, "line 0\nline 1\nline 2\n");
}

TEST_F(HttpServerTest, ClientHangUpCancelsTheExchange) {
  ASSERT_NO_FATAL_FAILURE(Start());
  {
    ASSERT_OK_AND_ASSIGN(auto client, TcpClient::Connect(server_->port()));
    ASSERT_THAT(client->Send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n"),
                ::nbo::testing::IsOk());
    absl::SleepFor(absl::Milliseconds(100));
  }  // Closes the connection.
  EXPECT_TRUE(cancelled_.WaitForNotificationWithTimeout(absl::Seconds(10)));
  hanging_.reset();
}

TEST_F(HttpServerTest, ShutdownWaitsForExchangesInProgress) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(auto client, TcpClient::Connect(server_->port()));
  ASSERT_THAT(client->Send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n"),
              ::nbo::testing::IsOk());
  while (server_->InFlight() == 0) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_FALSE(server_->Shutdown(absl::Milliseconds(200)));
  HttpResponse done;
  done.body = "late";
  hanging_->Respond(done);
  EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)));
}

}  // namespace
}  // namespace nbo::services
