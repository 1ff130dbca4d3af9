// Copyright (c) 2026 The nbo Authors. MIT License.
//
// HttpServer over real loopback sockets: what the gateway relies on beyond
// what metrics_http_server_test covers (bodies and their bound, long
// targets, 100-continue, answers from another thread, chunked streams, a
// client hang-up cancelling the exchange, several loops, shutdown), and
// the same over TLS and mutual TLS, with certificates made at test time.

#include "services/common/http_server.h"

#include <filesystem>
#include <fstream>
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
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_pki.h"
#include "services/common/http_client.h"

namespace nbo::services {
namespace {

using ::nbo::testing::StatusIs;
using ::nbo::testing::TcpClient;
using ::nbo::testing::TestPki;
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

// TLS: one PKI for the server, another whose certificates it does not
// trust.
class HttpServerTlsTest : public HttpServerTest {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(pki_, ::nbo::testing::MakeTestPki(dir_.Sub("pki")));
    ASSERT_OK_AND_ASSIGN(other_,
                         ::nbo::testing::MakeTestPki(dir_.Sub("other")));
  }

  HttpServer::Options TlsOptions() const {
    HttpServer::Options options;
    options.tls_cert_file = pki_.server_cert;
    options.tls_key_file = pki_.server_key;
    return options;
  }

  // A request verified against `ca`, with a client certificate if given.
  absl::StatusOr<HttpAnswer> CallTls(const std::string& target,
                                     const std::string& ca,
                                     const std::string& cert = "",
                                     const std::string& key = "") {
    HttpCallOptions options;
    options.ca_file = ca;
    options.cert_file = cert;
    options.key_file = key;
    return CallPort(server_->port(), "GET", target, options);
  }

  static void Copy(const std::string& from, const std::string& to) {
    std::filesystem::copy_file(
        from, to, std::filesystem::copy_options::overwrite_existing);
  }

  // Replaces `to` whole, as certificate tools do.
  void Replace(const std::string& from, const std::string& to) {
    const std::string staged = to + ".new";
    Copy(from, staged);
    std::filesystem::rename(staged, to);
  }

  ::nbo::testing::TempDir dir_;
  TestPki pki_;
  TestPki other_;
};

TEST_F(HttpServerTlsTest, AnswersRequestsAndStreamsOverTls) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsOptions()));
  ASSERT_OK_AND_ASSIGN(HttpAnswer r, CallTls("/x?q=1", pki_.ca_cert));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /x q=1 ");
  ASSERT_OK_AND_ASSIGN(HttpAnswer stream, CallTls("/stream", pki_.ca_cert));
  EXPECT_EQ(stream.body, "line 0\nline 1\nline 2\n");
}

TEST_F(HttpServerTlsTest, ClientRefusesAServerItDoesNotTrust) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsOptions()));
  EXPECT_THAT(CallTls("/x", other_.ca_cert),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(HttpServerTlsTest, PlaintextRequestIsClosedAndServerStaysUp) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsOptions()));
  ASSERT_OK_AND_ASSIGN(auto client, TcpClient::Connect(server_->port()));
  ASSERT_THAT(client->Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"),
              ::nbo::testing::IsOk());
  ASSERT_OK_AND_ASSIGN(std::string answer,
                       client->ReadUntilClosed(absl::Seconds(10)));
  EXPECT_THAT(answer, ::testing::Not(HasSubstr("HTTP/1.1")));
  EXPECT_THAT(CallPort(server_->port(), "GET", "/x"),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK_AND_ASSIGN(HttpAnswer r, CallTls("/x", pki_.ca_cert));
  EXPECT_EQ(r.status, 200);
}

TEST_F(HttpServerTlsTest, MutualTlsRefusesAClientWithoutCertificate) {
  HttpServer::Options options = TlsOptions();
  options.tls_client_ca_file = pki_.ca_cert;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  EXPECT_THAT(CallTls("/x", pki_.ca_cert),
              StatusIs(absl::StatusCode::kUnavailable));
  // Signed by a CA the server does not trust for clients.
  EXPECT_THAT(
      CallTls("/x", pki_.ca_cert, other_.client_cert, other_.client_key),
      StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer r,
      CallTls("/x", pki_.ca_cert, pki_.client_cert, pki_.client_key));
  EXPECT_EQ(r.status, 200);
}

TEST_F(HttpServerTlsTest, ChangedCertificateIsServedToNewConnections) {
  HttpServer::Options options;
  options.tls_cert_file = dir_.Sub("live.pem");
  options.tls_key_file = dir_.Sub("live.key");
  options.tls_reload_interval = absl::ZeroDuration();
  Copy(pki_.server_cert, options.tls_cert_file);
  Copy(pki_.server_key, options.tls_key_file);
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_OK_AND_ASSIGN(HttpAnswer before, CallTls("/x", pki_.ca_cert));
  EXPECT_EQ(before.status, 200);

  Replace(other_.server_cert, options.tls_cert_file);
  Replace(other_.server_key, options.tls_key_file);
  ASSERT_OK_AND_ASSIGN(HttpAnswer after, CallTls("/x", other_.ca_cert));
  EXPECT_EQ(after.status, 200);
  EXPECT_THAT(CallTls("/x", pki_.ca_cert),
              StatusIs(absl::StatusCode::kUnavailable));

  // A certificate that does not load keeps the one that did.
  std::ofstream(options.tls_cert_file) << "not a certificate\n";
  ASSERT_OK_AND_ASSIGN(HttpAnswer kept, CallTls("/x", other_.ca_cert));
  EXPECT_EQ(kept.status, 200);
}

TEST_F(HttpServerTlsTest, ClientHangUpCancelsTheExchange) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsOptions()));
  HttpCallOptions options;
  options.ca_file = pki_.ca_cert;
  options.timeout = absl::Milliseconds(300);
  // The client gives up and closes the connection mid-exchange.
  EXPECT_THAT(HttpCall(absl::StrCat("127.0.0.1:", server_->port()), "GET",
                       "/hang", options),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(cancelled_.WaitForNotificationWithTimeout(absl::Seconds(10)));
  hanging_.reset();
}

TEST_F(HttpServerTlsTest, BadTlsOptionsAreInvalidArgument) {
  const auto create = [](HttpServer::Options options) {
    options.address = "127.0.0.1:0";
    options.handler = [](std::shared_ptr<HttpExchange>) {};
    return HttpServer::Create(std::move(options)).status();
  };
  HttpServer::Options cert_only;
  cert_only.tls_cert_file = pki_.server_cert;
  EXPECT_THAT(create(cert_only), StatusIs(absl::StatusCode::kInvalidArgument));
  HttpServer::Options key_only;
  key_only.tls_key_file = pki_.server_key;
  EXPECT_THAT(create(key_only), StatusIs(absl::StatusCode::kInvalidArgument));
  HttpServer::Options ca_only;
  ca_only.tls_client_ca_file = pki_.ca_cert;
  EXPECT_THAT(create(ca_only), StatusIs(absl::StatusCode::kInvalidArgument));

  HttpServer::Options missing = TlsOptions();
  missing.tls_cert_file = dir_.Sub("missing.pem");
  const absl::Status no_file = create(missing);
  EXPECT_THAT(no_file, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(no_file.message(), HasSubstr(missing.tls_cert_file));

  HttpServer::Options garbage = TlsOptions();
  garbage.tls_key_file = dir_.Sub("garbage.key");
  std::ofstream(garbage.tls_key_file) << "not a key\n";
  const absl::Status bad_key = create(garbage);
  EXPECT_THAT(bad_key, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bad_key.message(), HasSubstr(garbage.tls_key_file));

  HttpServer::Options mismatched = TlsOptions();
  mismatched.tls_key_file = other_.server_key;
  EXPECT_THAT(create(mismatched), StatusIs(absl::StatusCode::kInvalidArgument));

  HttpServer::Options bad_ca = TlsOptions();
  bad_ca.tls_client_ca_file = dir_.Sub("missing-ca.pem");
  EXPECT_THAT(create(bad_ca), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nbo::services
