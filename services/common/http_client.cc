// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/http_client.h"

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/host_name_verification.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "lib/common/status_macros.h"

namespace nbo::services {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// One exchange on its own io_context, over a beast::tcp_stream or, for
// TLS, an ssl_stream over one (whose extra constructor argument, the
// context, comes in `stream_args`). The steps chain through callbacks; the
// tcp_stream's expiry, set once, bounds them all.
template <typename Stream>
class Exchange {
 public:
  template <typename... StreamArgs>
  Exchange(const std::string& host, const std::string& port,
           const std::string& method, const std::string& target,
           const HttpCallOptions& options, StreamArgs&... stream_args)
      : host_(host), port_(port), stream_(io_, stream_args...) {
    request_.method_string(method);
    request_.target(target);
    request_.version(11);
    request_.set(http::field::host, host);
    request_.set(http::field::connection, "close");
    bool typed = false;
    for (const auto& [name, value] : options.headers) {
      request_.insert(name, value);
      typed |= absl::EqualsIgnoreCase(name, "content-type");
    }
    if (!options.body.empty() && !typed) {
      request_.set(http::field::content_type, "application/json");
    }
    request_.body() = options.body;
    request_.prepare_payload();
    parser_.body_limit(options.max_body_bytes);
    max_body_bytes_ = options.max_body_bytes;
    timeout_ = absl::ToChronoNanoseconds(options.timeout);
  }

  absl::StatusOr<HttpAnswer> Run() {
    tcp::resolver resolver(io_);
    beast::error_code ec;
    const tcp::resolver::results_type addresses =
        resolver.resolve(host_, port_, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("resolving ", host_, ": ", ec.message()));
    }
    beast::tcp_stream& tcp = beast::get_lowest_layer(stream_);
    tcp.expires_after(timeout_);
    tcp.async_connect(
        addresses, [this](const beast::error_code& ec, const tcp::endpoint&) {
          if (ec) return Fail("connecting", ec);
          if constexpr (kTls) {
            return Handshake();
          } else {
            Send();
          }
        });
    io_.run();
    NBO_RETURN_IF_ERROR(status_);
    http::response<http::string_body>& response = parser_.get();
    HttpAnswer answer;
    answer.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      answer.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    answer.body = std::move(response.body());
    return answer;
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // Verifies the server's certificate and its name (host_), and tells the
  // server which name it is called by (SNI).
  void Handshake() {
    stream_.set_verify_mode(ssl::verify_peer);
    stream_.set_verify_callback(ssl::host_name_verification(host_));
    // SNI is optional for the server; without it the handshake still runs.
    (void)SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str());
    stream_.async_handshake(ssl::stream_base::client,
                            [this](const beast::error_code& ec) {
                              if (ec) return Fail("TLS handshake with", ec);
                              Send();
                            });
  }

  void Send() {
    http::async_write(stream_, request_,
                      [this](const beast::error_code& ec, size_t) {
                        if (ec) return Fail("sending the request", ec);
                        Read();
                      });
  }

  // The header first: Beast 1.74's parser does not hold a declared
  // Content-Length to body_limit (it does bodies read to EOF or chunked), so
  // the declared length is checked here before any of the body is read.
  void Read() {
    http::async_read_header(
        stream_, buffer_, parser_, [this](const beast::error_code& ec, size_t) {
          if (ec) return Fail("reading the answer", ec);
          const boost::optional<std::uint64_t> length =
              parser_.content_length();
          if (length.has_value() && *length > max_body_bytes_) {
            status_ = absl::UnavailableError(
                absl::StrCat("the answer's body of ", *length,
                             " bytes exceeds the cap of ", max_body_bytes_));
            return;
          }
          http::async_read(stream_, buffer_, parser_,
                           [this](const beast::error_code& ec, size_t) {
                             if (ec) return Fail("reading the answer", ec);
                             beast::error_code ignored;
                             beast::get_lowest_layer(stream_).socket().shutdown(
                                 tcp::socket::shutdown_both, ignored);
                           });
        });
  }

  void Fail(const char* what, const beast::error_code& ec) {
    const std::string where = absl::StrCat(host_, ":", port_);
    if (ec == beast::error::timeout) {
      status_ = absl::DeadlineExceededError(
          absl::StrCat(what, " ", where, ": no answer within the timeout"));
    } else {
      status_ = absl::UnavailableError(
          absl::StrCat(what, " ", where, ": ", ec.message()));
    }
  }

  const std::string host_;
  const std::string port_;
  asio::io_context io_;
  Stream stream_;
  std::chrono::nanoseconds timeout_{0};
  uint64_t max_body_bytes_ = 0;
  http::request<http::string_body> request_;
  http::response_parser<http::string_body> parser_;
  beast::flat_buffer buffer_;
  absl::Status status_;
};

absl::Status CannotLoad(const char* what, const std::string& path,
                        const beast::error_code& ec) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot load ", what, " '", path, "': ", ec.message()));
}

// The client context of `options` (TLS 1.2 and later): the server is
// verified against ca_file (the system's roots if empty), and cert_file
// and key_file are presented if set. INVALID_ARGUMENT naming a file that
// does not load, or for only one of cert_file and key_file.
absl::StatusOr<std::unique_ptr<ssl::context>> ClientTlsContext(
    const HttpGetOptions& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs both cert_file and key_file");
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) !=
      1) {
    return absl::InternalError("OpenSSL refuses TLS 1.2 as minimum version");
  }
  beast::error_code ec;
  if (options.ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return CannotLoad("the system's CA certificates", "", ec);
  } else {
    context->load_verify_file(options.ca_file, ec);
    if (ec) return CannotLoad("ca_file", options.ca_file, ec);
  }
  if (!options.cert_file.empty()) {
    context->use_certificate_chain_file(options.cert_file, ec);
    if (ec) return CannotLoad("cert_file", options.cert_file, ec);
    context->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec) return CannotLoad("key_file", options.key_file, ec);
  }
  return context;
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> SplitHostPort(
    const std::string& address) {
  std::string host;
  std::string port;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("bad address '", address, "'"));
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("address '", address, "' has no port"));
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (port.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "' has no port"));
  }
  if (host.empty()) host = "localhost";
  return std::make_pair(host, port);
}

std::string HttpAnswer::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

absl::StatusOr<HttpAnswer> HttpCall(const std::string& address,
                                    const std::string& method,
                                    const std::string& target,
                                    const HttpCallOptions& options) {
  NBO_ASSIGN_OR_RETURN(auto host_port, SplitHostPort(address));
  const auto& [host, port] = host_port;
  if (options.ca_file.empty() && options.cert_file.empty()) {
    Exchange<beast::tcp_stream> exchange(host, port, method, target, options);
    return exchange.Run();
  }
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<ssl::context> tls,
                       ClientTlsContext(options));
  Exchange<beast::ssl_stream<beast::tcp_stream>> exchange(
      host, port, method, target, options, *tls);
  return exchange.Run();
}

absl::StatusOr<std::string> HttpGet(const std::string& address,
                                    const std::string& target,
                                    const HttpGetOptions& options) {
  HttpCallOptions call;
  static_cast<HttpGetOptions&>(call) = options;
  call.headers.emplace_back("Accept", "text/plain");
  NBO_ASSIGN_OR_RETURN(HttpAnswer answer,
                       HttpCall(address, "GET", target, call));
  if (answer.status != 200) {
    return absl::InternalError(
        absl::StrCat("GET ", target, " answered ", answer.status));
  }
  return std::move(answer.body);
}

}  // namespace nbo::services
