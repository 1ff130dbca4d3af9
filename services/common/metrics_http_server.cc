// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/metrics_http_server.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"
#include "lib/common/status_macros.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"

namespace nbo::services {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Collectables = std::vector<std::shared_ptr<prometheus::Collectable>>;
using Request = http::request<http::empty_body>;
using Response = http::response<http::string_body>;

constexpr char kExpositionType[] = "text/plain; version=0.0.4; charset=utf-8";

// What every connection needs; fixed at Create and shared by all of them.
struct Config {
  Clock::duration request_timeout;
  Clock::duration idle_timeout;
  Clock::duration write_timeout;
  uint32_t max_header_bytes;
  Collectables collectables;
};

Clock::duration ToClock(absl::Duration d) {
  return std::chrono::duration_cast<Clock::duration>(
      absl::ToChronoNanoseconds(d));
}

absl::StatusOr<tcp::endpoint> ParseAddress(absl::string_view address) {
  const auto invalid = [address](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address '", address, "' ", why));
  };
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return invalid("is not host:port");
  absl::string_view host = address.substr(0, colon);
  int port = -1;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return invalid("has no port in [0, 65535]");
  }
  const bool bracketed = absl::ConsumePrefix(&host, "[");
  if (bracketed != absl::ConsumeSuffix(&host, "]")) {
    return invalid("has unbalanced brackets");
  }
  if (!bracketed && absl::StrContains(host, ':')) {
    return invalid("needs brackets around an IPv6 host");
  }
  asio::ip::address ip = asio::ip::address_v4::any();
  if (host == "localhost") {
    ip = asio::ip::address_v4::loopback();
  } else if (!host.empty()) {
    error_code ec;
    ip = asio::ip::make_address(std::string(host), ec);
    if (ec) return invalid("has a host that is not an IP address");
  }
  return tcp::endpoint(ip, static_cast<uint16_t>(port));
}

// The text exposition of everything `collectables` hold right now.
std::string Scrape(const Collectables& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const std::shared_ptr<prometheus::Collectable>& c : collectables) {
    std::vector<prometheus::MetricFamily> some = c->Collect();
    families.insert(families.end(), std::make_move_iterator(some.begin()),
                    std::make_move_iterator(some.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

Response PlainResponse(http::status status, unsigned version,
                       std::string body) {
  Response response{status, version};
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// The answer to one well-formed request.
Response Answer(const Request& request, const Collectables& collectables) {
  const bool head = request.method() == http::verb::head;
  Response response;
  const absl::string_view target(request.target().data(),
                                 request.target().size());
  if (!head && request.method() != http::verb::get) {
    response = PlainResponse(http::status::method_not_allowed,
                             request.version(), "only GET and HEAD\n");
    response.set(http::field::allow, "GET, HEAD");
  } else if (target.substr(0, target.find('?')) != "/metrics") {
    response = PlainResponse(http::status::not_found, request.version(),
                             "metrics are at /metrics\n");
  } else {
    response = Response{http::status::ok, request.version()};
    response.set(http::field::content_type, kExpositionType);
    response.body() = Scrape(collectables);
    response.prepare_payload();
  }
  // HEAD: the same Content-Length as GET, without the body.
  if (head) response.body().clear();
  response.keep_alive(request.keep_alive());
  return response;
}

bool IsHttpError(const error_code& ec) {
  return ec.category() ==
         http::make_error_code(http::error::bad_method).category();
}

// One client connection. It lives as long as an operation on its socket is
// pending (each holds a shared_ptr); its deadline timer holds only a
// weak_ptr, and closing the socket ends every pending operation.
//
// Not thread-safe: only the server's io_context thread touches it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const Config> config)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        config_(std::move(config)) {}

  // Reads the first request, which must arrive within request_timeout.
  void Start() {
    waiting_since_ = Clock::now();
    ReadRequest(waiting_since_ + config_->request_timeout);
  }

  // Closes the connection at once; pending operations end aborted.
  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    error_code ignored;  // Closing is all we want; its errors change nothing.
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

  bool closed() const { return state_ == State::kClosed; }
  // True when closing the connection loses no answer: it is waiting for or
  // reading a request, or lingering after its last answer.
  bool evictable() const {
    return state_ == State::kAwaiting || state_ == State::kLingering;
  }
  // When it began waiting for its current request (or lingering).
  Clock::time_point waiting_since() const { return waiting_since_; }

 private:
  enum class State { kAwaiting, kResponding, kLingering, kClosed };

  // The connection is closed at `deadline` unless re-armed before.
  void ArmDeadline(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
      if (ec) return;  // Re-armed or closed.
      if (std::shared_ptr<Session> self = weak.lock()) self->OnDeadline();
    });
  }

  void OnDeadline() {
    // A wait that completed just before a re-arm still runs: check.
    if (timer_.expiry() <= Clock::now()) Close();
  }

  void ReadRequest(Clock::time_point deadline) {
    state_ = State::kAwaiting;
    ArmDeadline(deadline);
    parser_.emplace();
    parser_->header_limit(config_->max_header_bytes);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](const error_code& ec, size_t /*bytes*/) {
          self->OnRead(ec);
        });
  }

  void OnRead(const error_code& ec) {
    if (ec == asio::error::operation_aborted || closed()) return;
    if (ec == http::error::end_of_stream ||
        ec == http::error::partial_message) {
      return Close();
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      return Reject(http::status::request_header_fields_too_large,
                    "request header too large\n");
    }
    if (IsHttpError(ec)) {
      return Reject(http::status::bad_request, "malformed request\n");
    }
    if (ec) return Close();
    Write(Answer(parser_->get(), config_->collectables));
  }

  // Answers and closes: after a bad request the stream cannot be trusted.
  void Reject(http::status status, std::string text) {
    Response response = PlainResponse(status, 11, std::move(text));
    response.keep_alive(false);
    Write(std::move(response));
  }

  void Write(Response response) {
    state_ = State::kResponding;
    ArmDeadline(Clock::now() + config_->write_timeout);
    response_ = std::move(response);
    http::async_write(
        socket_, response_,
        [self = shared_from_this()](const error_code& ec, size_t /*bytes*/) {
          self->OnWrite(ec);
        });
  }

  void OnWrite(const error_code& ec) {
    if (ec == asio::error::operation_aborted || closed()) return;
    if (ec) return Close();
    if (response_.need_eof()) return Linger();
    response_ = {};
    AwaitNextRequest();
  }

  // Keep-alive: the connection may stay silent for idle_timeout; its next
  // request then has request_timeout from its first byte.
  void AwaitNextRequest() {
    state_ = State::kAwaiting;
    waiting_since_ = Clock::now();
    if (buffer_.size() > 0) {  // Pipelined: the request has begun.
      return ReadRequest(waiting_since_ + config_->request_timeout);
    }
    ArmDeadline(waiting_since_ + config_->idle_timeout);
    socket_.async_wait(
        tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
          if (ec == asio::error::operation_aborted || self->closed()) return;
          if (ec) return self->Close();
          self->ReadRequest(Clock::now() + self->config_->request_timeout);
        });
  }

  // Closing a socket with unread input sends a reset, which may destroy the
  // answer before the client reads it; so send FIN and discard what still
  // arrives until the client closes or request_timeout passes.
  void Linger() {
    state_ = State::kLingering;
    waiting_since_ = Clock::now();
    error_code ignored;  // A peer that is gone already is what we want.
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    ArmDeadline(waiting_since_ + config_->request_timeout);
    Discard();
  }

  void Discard() {
    socket_.async_read_some(
        asio::buffer(discard_),
        [self = shared_from_this()](const error_code& ec, size_t /*bytes*/) {
          if (ec == asio::error::operation_aborted || self->closed()) return;
          if (ec) return self->Close();
          self->Discard();
        });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  const std::shared_ptr<const Config> config_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  Response response_;
  std::array<char, 1024> discard_;
  State state_ = State::kAwaiting;
  Clock::time_point waiting_since_;
};

}  // namespace

// Owns the io_context, its thread, the acceptor, and (weakly) the sessions.
// Everything but the constructor, Listen, Start and the destructor runs on
// the io_context thread.
class MetricsHttpServer::Impl {
 public:
  Impl(std::shared_ptr<const Config> config, int max_connections)
      : config_(std::move(config)), max_connections_(max_connections) {}

  ~Impl() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
    // Destroying io_ next destroys the pending handlers, and with them the
    // sessions and their sockets.
  }

  // UNAVAILABLE when `endpoint` cannot be bound; `address` names it.
  absl::Status Listen(const tcp::endpoint& endpoint,
                      const std::string& address) {
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) port_ = acceptor_.local_endpoint(ec).port();
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot serve metrics on ",
                                                 address, ": ", ec.message()));
    }
    return absl::OkStatus();
  }

  // Starts the thread. UNAVAILABLE if it cannot.
  absl::Status Start() {
    Accept();
    try {
      thread_ = std::thread([this] { io_.run(); });
    } catch (const std::system_error& e) {
      // std::thread reports failure by throwing; this is where it stops.
      return absl::UnavailableError(
          absl::StrCat("cannot start the metrics thread: ", e.what()));
    }
    return absl::OkStatus();
  }

  int port() const { return port_; }

 private:
  void Accept() {
    acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
      OnAccept(ec, std::move(socket));
    });
  }

  void OnAccept(const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors, most likely: retry shortly instead of spinning.
      accept_backoff_.expires_after(std::chrono::milliseconds(100));
      accept_backoff_.async_wait([this](const error_code& wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    Admit(std::move(socket));
    Accept();
  }

  // Starts a session for `socket`, first making room at the cap.
  void Admit(tcp::socket socket) {
    ForgetClosed();
    if (sessions_.size() >= max_connections_) {
      std::shared_ptr<Session> victim = OldestEvictable();
      if (victim == nullptr) {
        error_code ignored;  // Refusing is the point; how it ends is not.
        socket.close(ignored);
        return;
      }
      victim->Close();
      ForgetClosed();
    }
    auto session = std::make_shared<Session>(std::move(socket), config_);
    sessions_.push_back(session);
    session->Start();
  }

  void ForgetClosed() {
    std::erase_if(sessions_, [](const std::weak_ptr<Session>& weak) {
      const std::shared_ptr<Session> session = weak.lock();
      return session == nullptr || session->closed();
    });
  }

  // The session that has waited longest for a request; null if every one
  // is writing an answer.
  std::shared_ptr<Session> OldestEvictable() const {
    std::shared_ptr<Session> oldest;
    for (const std::weak_ptr<Session>& weak : sessions_) {
      std::shared_ptr<Session> session = weak.lock();
      if (session == nullptr || !session->evictable()) continue;
      if (oldest == nullptr ||
          session->waiting_since() < oldest->waiting_since()) {
        oldest = std::move(session);
      }
    }
    return oldest;
  }

  const std::shared_ptr<const Config> config_;
  const size_t max_connections_;
  std::vector<std::weak_ptr<Session>> sessions_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  asio::steady_timer accept_backoff_{io_};
  std::thread thread_;
  int port_ = 0;
};

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Create(
    Options options) {
  NBO_ASSIGN_OR_RETURN(const tcp::endpoint endpoint,
                       ParseAddress(options.address));
  if (options.request_timeout <= absl::ZeroDuration() ||
      options.idle_timeout <= absl::ZeroDuration() ||
      options.write_timeout <= absl::ZeroDuration() ||
      options.max_connections <= 0 || options.max_header_bytes <= 0) {
    return absl::InvalidArgumentError(
        "metrics server timeouts and limits must be positive");
  }
  auto config = std::make_shared<Config>();
  config->request_timeout = ToClock(options.request_timeout);
  config->idle_timeout = ToClock(options.idle_timeout);
  config->write_timeout = ToClock(options.write_timeout);
  config->max_header_bytes = static_cast<uint32_t>(options.max_header_bytes);
  config->collectables = std::move(options.collectables);
  auto impl =
      std::make_unique<Impl>(std::move(config), options.max_connections);
  NBO_RETURN_IF_ERROR(impl->Listen(endpoint, options.address));
  NBO_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(std::move(impl)));
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

MetricsHttpServer::~MetricsHttpServer() = default;

int MetricsHttpServer::port() const { return impl_->port(); }

}  // namespace nbo::services
