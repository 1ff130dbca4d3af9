// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/http_server.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl/stream.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/stream_traits.hpp"
#include "boost/beast/http.hpp"
#include "lib/common/status_macros.h"
#include "services/common/tls_server_context.h"

namespace nbo::services {

absl::string_view HttpRequest::Header(absl::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (absl::EqualsIgnoreCase(field, name)) return value;
  }
  return {};
}

absl::string_view HttpRequest::Path() const {
  const absl::string_view t(target);
  return t.substr(0, t.find('?'));
}

absl::string_view HttpRequest::Query() const {
  const absl::string_view t(target);
  const size_t q = t.find('?');
  return q == absl::string_view::npos ? absl::string_view() : t.substr(q + 1);
}

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Parser = http::request_parser<http::string_body>;
using TlsStream = asio::ssl::stream<tcp::socket>;

// What one TLS read asks for: a whole record.
constexpr size_t kTlsReadBytes = 16 << 10;

// What every connection needs; fixed at Create and shared by all of them.
struct Config {
  HttpHandler handler;
  std::function<std::string(int, absl::string_view)> error_body;
  std::string error_content_type;
  Clock::duration request_timeout;
  Clock::duration idle_timeout;
  Clock::duration write_timeout;
  uint32_t max_target_bytes;
  uint32_t max_header_bytes;
  uint32_t max_body_bytes;
  // Exchanges handed to the handler and not answered yet.
  std::atomic<int> in_flight{0};
};

Clock::duration ToClock(absl::Duration d) {
  return std::chrono::duration_cast<Clock::duration>(
      absl::ToChronoNanoseconds(d));
}

absl::StatusOr<tcp::endpoint> ParseAddress(absl::string_view address) {
  const auto invalid = [address](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP address '", address, "' ", why));
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

bool IsHttpError(const error_code& ec) {
  return ec.category() ==
         http::make_error_code(http::error::bad_method).category();
}

// Bytes of the header fields (names, values and their separators), without
// the request line.
size_t HeaderFieldBytes(const http::request_header<>& header) {
  size_t bytes = 0;
  for (const auto& field : header) {
    bytes += field.name_string().size() + field.value().size() + 4;
  }
  return bytes;
}

template <typename SessionT>
class Exchange;

// What the acceptor knows of a connection, whatever its stream: whether it
// may be closed to make room, since when it waits, and how to close it.
// Thread-safe.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class State { kAwaiting, kHandling, kLingering, kClosed };

  virtual ~Connection() = default;

  // From any thread: closes the connection soon (on its loop).
  virtual void RequestClose() = 0;

  bool closed() const { return state_ == State::kClosed; }
  // True when closing the connection loses no answer.
  bool evictable() const {
    const State s = state_;
    return s == State::kAwaiting || s == State::kLingering;
  }
  Clock::time_point waiting_since() const {
    return Clock::time_point(Clock::duration(waiting_since_.load()));
  }

 protected:
  void MarkWaiting() {
    waiting_since_ = Clock::now().time_since_epoch().count();
  }

  std::atomic<State> state_{State::kAwaiting};
  std::atomic<Clock::rep> waiting_since_{0};
};

// One client connection over `Stream`: a tcp::socket (plaintext) or an
// ssl::stream over one (TLS, which first does the handshake). It lives as
// long as an operation on its stream is pending or an exchange of it is
// unanswered (each holds a shared_ptr); its deadline timer holds only a
// weak_ptr, and closing the socket ends every pending operation.
//
// Not thread-safe: only its loop's thread touches it, except the atomics
// the acceptor reads (state_, waiting_since_) and RequestClose().
template <typename Stream>
class Session : public Connection {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  // Plaintext sessions take the socket alone; TLS ones the socket and the
  // context, which they keep (a reload does not pull it from under them).
  explicit Session(tcp::socket socket,
                   std::shared_ptr<Config> config) requires(!kTls)
      : stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        config_(std::move(config)) {}
  Session(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
          std::shared_ptr<Config> config) requires(kTls)
      : tls_(std::move(tls)),
        stream_(std::move(socket), *tls_),
        timer_(stream_.get_executor()),
        config_(std::move(config)) {}

  // Does the TLS handshake, if any, then reads the first request; both
  // within request_timeout of now.
  void Start();

  void RequestClose() override {
    state_ = State::kClosed;
    asio::post(stream_.get_executor(), [self = Self()] { self->Close(); });
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

  // The exchange's calls, on the loop thread. `id` is the exchange's
  // number; calls for an exchange that is over are ignored.
  void Respond(uint64_t id, HttpResponse response);
  void StartStream(uint64_t id, int status, HttpHeaders headers);
  void WriteChunk(uint64_t id, std::string data,
                  std::function<void(bool)> done);
  void FinishStream(uint64_t id);
  void SetCancel(uint64_t id, std::function<void()> on_cancel);

 private:
  // One piece of a streamed answer waiting to be written.
  struct Out {
    enum class Kind { kHeader, kChunk, kLast } kind;
    std::string data;
    std::function<void(bool)> done;
  };

  std::shared_ptr<Session> Self() {
    return std::static_pointer_cast<Session>(shared_from_this());
  }

  tcp::socket& Socket() { return boost::beast::get_lowest_layer(stream_); }

  // Closes the connection at once; pending operations end aborted.
  void Close() {
    state_ = State::kClosed;
    if (socket_closed_) return;
    socket_closed_ = true;
    error_code ignored;  // Closing is all we want; its errors change nothing.
    Socket().shutdown(tcp::socket::shutdown_both, ignored);
    Socket().close(ignored);
    timer_.cancel();
    FailPendingChunks();
    RunCancel();
  }

  void ArmDeadline(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
      if (ec) return;  // Re-armed or closed.
      if (std::shared_ptr<Connection> self = weak.lock()) {
        static_cast<Session&>(*self).OnDeadline();
      }
    });
  }

  void OnDeadline() {
    // A wait that completed just before a re-arm still runs: check.
    if (timer_.expiry() <= Clock::now()) Close();
  }

  // Calls `then(ec)` once the client has sent something (or gone). In
  // plaintext nothing is read. Under TLS the socket's bytes are records
  // that OpenSSL may buffer, so it reads what arrives into buffer_ (where
  // the next request's parser looks first); an exchange that ends while
  // that read is pending waits for it (AfterExchange).
  template <typename Fn>
  void AwaitInput(Fn then);
  void ReadRequest(Clock::time_point deadline);
  void OnHeader(const error_code& ec);
  void OnBody(const error_code& ec);
  void Dispatch();
  void WatchForHangUp(uint64_t id);
  void Reject(int status, absl::string_view reason);
  // A body over max_body_bytes: 413 (400 where no body is allowed).
  void RejectBody();
  void WriteResponse(HttpResponse response, bool keep_alive, bool head,
                     unsigned version);
  void OnWritten(const error_code& ec, bool keep_alive);
  void Pump();
  void OnPumped(const error_code& ec);
  void FailPendingChunks();
  void RunCancel();
  void EndExchange();
  // Once an answer is written: the next request, or closing.
  void AfterExchange(bool keep_alive);
  void AwaitNextRequest();
  void Linger();
  void Discard();

  // Only TLS sessions have one; it outlives stream_.
  std::shared_ptr<asio::ssl::context> tls_;
  Stream stream_;
  asio::steady_timer timer_;
  const std::shared_ptr<Config> config_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::array<char, 1024> discard_;
  bool socket_closed_ = false;
  // TLS: AwaitInput's read is pending, and what AfterExchange deferred.
  bool reading_ = false;
  std::optional<bool> after_read_keep_alive_;

  // The exchange in progress.
  uint64_t exchange_id_ = 0;
  bool exchange_open_ = false;  // handed out, not answered
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;  // of the request, which the answer repeats
  std::function<void()> on_cancel_;
  // A whole response being written.
  std::optional<http::response<http::string_body>> response_;
  // A streamed response: its header, and what waits to be written.
  std::optional<http::response<http::empty_body>> stream_header_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::deque<Out> outbox_;
  bool writing_ = false;
};

// The handler's handle on one request. Thread-safe: every call is posted to
// the session's loop.
template <typename SessionT>
class Exchange : public HttpExchange {
 public:
  Exchange(std::shared_ptr<SessionT> session, uint64_t id, HttpRequest request,
           std::shared_ptr<Config> config)
      : session_(session),
        executor_(session->executor()),
        id_(id),
        request_(std::move(request)),
        config_(std::move(config)) {
    ++config_->in_flight;
  }

  ~Exchange() override {
    if (!answered_.exchange(true)) {
      --config_->in_flight;
      Post([](SessionT& s, uint64_t id) {
        HttpResponse response;
        response.status = 500;
        response.body = "the request was not answered\n";
        s.Respond(id, std::move(response));
      });
    }
  }

  const HttpRequest& request() const override { return request_; }

  void Respond(HttpResponse response) override {
    if (answered_.exchange(true)) return;
    --config_->in_flight;
    Post([r = std::move(response)](SessionT& s, uint64_t id) mutable {
      s.Respond(id, std::move(r));
    });
  }

  void StartStream(int status, HttpHeaders headers) override {
    Post([status, h = std::move(headers)](SessionT& s, uint64_t id) mutable {
      s.StartStream(id, status, std::move(h));
    });
  }

  void WriteChunk(std::string data,
                  std::function<void(bool ok)> done) override {
    // `done` runs even when the session is gone by the time this runs: a
    // producer waiting for it (an upstream stream's flow control) must hear
    // that no more chunks will be written.
    asio::post(executor_, [weak = session_, id = id_, d = std::move(data),
                           f = std::move(done)]() mutable {
      std::shared_ptr<SessionT> s = weak.lock();
      if (s == nullptr) {
        if (f) f(false);
        return;
      }
      s->WriteChunk(id, std::move(d), std::move(f));
    });
  }

  void FinishStream() override {
    if (answered_.exchange(true)) return;
    --config_->in_flight;
    Post([](SessionT& s, uint64_t id) { s.FinishStream(id); });
  }

  void OnCancel(std::function<void()> on_cancel) override {
    Post([f = std::move(on_cancel)](SessionT& s, uint64_t id) mutable {
      s.SetCancel(id, std::move(f));
    });
  }

 private:
  template <typename Fn>
  void Post(Fn fn) {
    asio::post(executor_,
               [weak = session_, id = id_, fn = std::move(fn)]() mutable {
                 if (std::shared_ptr<SessionT> s = weak.lock()) fn(*s, id);
               });
  }

  const std::weak_ptr<SessionT> session_;
  asio::any_io_executor executor_;
  const uint64_t id_;
  const HttpRequest request_;
  const std::shared_ptr<Config> config_;
  std::atomic<bool> answered_{false};
};

template <typename Stream>
void Session<Stream>::ReadRequest(Clock::time_point deadline) {
  state_ = State::kAwaiting;
  ArmDeadline(deadline);
  parser_.emplace();
  parser_->header_limit(config_->max_target_bytes + config_->max_header_bytes +
                        64);
  parser_->body_limit(config_->max_body_bytes);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = Self()](const error_code& ec, size_t /*bytes*/) {
        self->OnHeader(ec);
      });
}

template <typename Stream>
void Session<Stream>::OnHeader(const error_code& ec) {
  if (ec == asio::error::operation_aborted || closed()) return;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return Close();
  }
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return Reject(431, "request header too large");
  }
  // Beast checks a Content-Length against the body limit with the header.
  if (ec == http::error::body_limit) return RejectBody();
  if (IsHttpError(ec)) return Reject(400, "malformed request");
  if (ec) return Close();
  const http::request_header<>& header = parser_->get().base();
  if (header.target().size() > config_->max_target_bytes) {
    return Reject(414, "request target too long");
  }
  if (HeaderFieldBytes(header) > config_->max_header_bytes) {
    return Reject(431, "request header too large");
  }
  if (parser_->content_length() &&
      *parser_->content_length() > config_->max_body_bytes) {
    return RejectBody();
  }
  if (parser_->is_done()) return Dispatch();
  if (absl::EqualsIgnoreCase(
          absl::string_view(header[http::field::expect].data(),
                            header[http::field::expect].size()),
          "100-continue")) {
    // The client waits for this before sending the body.
    auto go_on = std::make_shared<http::response<http::empty_body>>(
        http::status::continue_, 11);
    http::async_write(
        stream_, *go_on,
        [self = Self(), go_on](const error_code& e, size_t /*bytes*/) {
          if (e || self->closed()) return self->Close();
          http::async_read(self->stream_, self->buffer_, *self->parser_,
                           [self](const error_code& e2, size_t /*bytes*/) {
                             self->OnBody(e2);
                           });
        });
    return;
  }
  http::async_read(stream_, buffer_, *parser_,
                   [self = Self()](const error_code& e, size_t /*bytes*/) {
                     self->OnBody(e);
                   });
}

template <typename Stream>
void Session<Stream>::OnBody(const error_code& ec) {
  if (ec == asio::error::operation_aborted || closed()) return;
  if (ec == http::error::body_limit) return RejectBody();
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return Close();
  }
  if (IsHttpError(ec)) return Reject(400, "malformed request");
  if (ec) return Close();
  Dispatch();
}

// Hands the complete request to the handler.
template <typename Stream>
void Session<Stream>::Dispatch() {
  timer_.cancel();  // The handler owns the time from here.
  state_ = State::kHandling;
  http::request<http::string_body> message = parser_->release();
  parser_.reset();
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()),
                                 std::string(field.value()));
  }
  request.body = std::move(message.body());
  keep_alive_ = message.keep_alive();
  version_ = message.version();
  head_ = message.method() == http::verb::head;
  const uint64_t id = ++exchange_id_;
  exchange_open_ = true;
  on_cancel_ = nullptr;
  auto exchange = std::make_shared<Exchange<Session>>(
      Self(), id, std::move(request), config_);
  if (buffer_.size() == 0) WatchForHangUp(id);
  config_->handler(std::move(exchange));
}

template <typename Stream>
void Session<Stream>::Start() {
  MarkWaiting();
  const Clock::time_point deadline = Clock::now() + config_->request_timeout;
  if constexpr (!kTls) {
    ReadRequest(deadline);
  } else {
    ArmDeadline(deadline);
    stream_.async_handshake(
        asio::ssl::stream_base::server,
        [self = Self(), deadline](const error_code& ec) {
          if (ec == asio::error::operation_aborted || self->closed()) return;
          if (ec) return self->Close();  // Not TLS, or not a client we trust.
          self->ReadRequest(deadline);
        });
  }
}

template <typename Stream>
template <typename Fn>
void Session<Stream>::AwaitInput(Fn then) {
  if constexpr (!kTls) {
    Socket().async_wait(tcp::socket::wait_read,
                        [self = Self(), then = std::move(then)](
                            error_code ec) mutable { then(ec); });
  } else {
    reading_ = true;
    stream_.async_read_some(buffer_.prepare(kTlsReadBytes),
                            [self = Self(), then = std::move(then)](
                                const error_code& ec, size_t bytes) mutable {
                              self->reading_ = false;
                              self->buffer_.commit(bytes);
                              then(ec);
                              const std::optional<bool> keep_alive =
                                  std::exchange(self->after_read_keep_alive_,
                                                std::nullopt);
                              if (!keep_alive.has_value() || self->closed())
                                return;
                              if (ec) return self->Close();
                              self->AfterExchange(*keep_alive);
                            });
  }
}

// While the handler works, notices a client that closes the connection.
// Bytes of a pipelined request end the watch (in plaintext they stay
// unread).
template <typename Stream>
void Session<Stream>::WatchForHangUp(uint64_t id) {
  AwaitInput([self = Self(), id](error_code ec) {
    if (self->closed() || id != self->exchange_id_ || !self->exchange_open_) {
      return;
    }
    if (!ec && kTls) return;  // A pipelined request, now in buffer_.
    if (!ec) {
      std::array<char, 1> peek;
      const size_t n = self->Socket().receive(asio::buffer(peek),
                                              tcp::socket::message_peek, ec);
      if (!ec && n > 0) return;  // A pipelined request: not a hang-up.
    }
    if (ec == asio::error::operation_aborted) return;
    self->Close();
  });
}

template <typename Stream>
void Session<Stream>::SetCancel(uint64_t id, std::function<void()> on_cancel) {
  if (id != exchange_id_ || !exchange_open_) return;
  if (closed()) {
    on_cancel();
    return;
  }
  on_cancel_ = std::move(on_cancel);
}

template <typename Stream>
void Session<Stream>::RunCancel() {
  if (!exchange_open_ || on_cancel_ == nullptr) return;
  std::function<void()> cancel = std::move(on_cancel_);
  on_cancel_ = nullptr;
  cancel();
}

template <typename Stream>
void Session<Stream>::RejectBody() {
  if (config_->max_body_bytes == 0) return Reject(400, "no body expected");
  Reject(413, "request body too large");
}

// Answers and closes: after a bad request the stream cannot be trusted.
template <typename Stream>
void Session<Stream>::Reject(int status, absl::string_view reason) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", config_->error_content_type);
  response.body = config_->error_body(status, reason);
  WriteResponse(std::move(response), /*keep_alive=*/false, /*head=*/false,
                /*version=*/11);
}

template <typename Stream>
void Session<Stream>::Respond(uint64_t id, HttpResponse response) {
  if (id != exchange_id_ || !exchange_open_ || closed()) return;
  if (stream_header_.has_value()) return;  // A stream must be finished.
  WriteResponse(std::move(response), keep_alive_, head_, version_);
}

template <typename Stream>
void Session<Stream>::WriteResponse(HttpResponse response, bool keep_alive,
                                    bool head, unsigned version) {
  state_ = State::kHandling;
  on_cancel_ = nullptr;
  ArmDeadline(Clock::now() + config_->write_timeout);
  response_.emplace(static_cast<http::status>(response.status), version);
  for (auto& [name, value] : response.headers) {
    response_->set(name, value);
  }
  response_->body() = std::move(response.body);
  response_->prepare_payload();
  if (head) response_->body().clear();  // Content-Length stays.
  response_->keep_alive(keep_alive);
  http::async_write(
      stream_, *response_,
      [self = Self(), keep_alive](const error_code& ec, size_t /*bytes*/) {
        self->OnWritten(ec, keep_alive);
      });
}

template <typename Stream>
void Session<Stream>::OnWritten(const error_code& ec, bool keep_alive) {
  response_.reset();
  EndExchange();
  if (ec == asio::error::operation_aborted || closed()) return;
  if (ec) return Close();
  AfterExchange(keep_alive);
}

template <typename Stream>
void Session<Stream>::EndExchange() {
  exchange_open_ = false;
  on_cancel_ = nullptr;
}

template <typename Stream>
void Session<Stream>::StartStream(uint64_t id, int status,
                                  HttpHeaders headers) {
  if (id != exchange_id_ || !exchange_open_ || closed()) return;
  if (stream_header_.has_value() || response_.has_value()) return;
  stream_header_.emplace(static_cast<http::status>(status), version_);
  for (auto& [name, value] : headers) stream_header_->set(name, value);
  stream_header_->chunked(true);
  stream_header_->keep_alive(keep_alive_);
  outbox_.push_back({Out::Kind::kHeader, {}, nullptr});
  Pump();
}

template <typename Stream>
void Session<Stream>::WriteChunk(uint64_t id, std::string data,
                                 std::function<void(bool)> done) {
  if (id != exchange_id_ || !stream_header_.has_value() || closed()) {
    if (done) done(false);
    return;
  }
  outbox_.push_back({Out::Kind::kChunk, std::move(data), std::move(done)});
  Pump();
}

template <typename Stream>
void Session<Stream>::FinishStream(uint64_t id) {
  if (id != exchange_id_ || !stream_header_.has_value() || closed()) return;
  outbox_.push_back({Out::Kind::kLast, {}, nullptr});
  Pump();
}

// Writes the next piece of the stream unless one is being written.
template <typename Stream>
void Session<Stream>::Pump() {
  if (writing_ || outbox_.empty() || closed()) return;
  writing_ = true;
  ArmDeadline(Clock::now() + config_->write_timeout);
  auto on_done = [self = Self()](const error_code& ec, size_t /*bytes*/) {
    self->OnPumped(ec);
  };
  Out& out = outbox_.front();
  switch (out.kind) {
    case Out::Kind::kHeader:
      serializer_.emplace(*stream_header_);
      http::async_write_header(stream_, *serializer_, std::move(on_done));
      break;
    case Out::Kind::kChunk:
      asio::async_write(stream_, http::make_chunk(asio::buffer(out.data)),
                        std::move(on_done));
      break;
    case Out::Kind::kLast:
      asio::async_write(stream_, http::make_chunk_last(), std::move(on_done));
      break;
  }
}

template <typename Stream>
void Session<Stream>::OnPumped(const error_code& ec) {
  writing_ = false;
  if (ec == asio::error::operation_aborted || closed()) return;
  if (ec) return Close();
  Out out = std::move(outbox_.front());
  outbox_.pop_front();
  timer_.cancel();  // Between chunks the handler owns the time.
  if (out.done) out.done(true);
  if (out.kind != Out::Kind::kLast) return Pump();
  serializer_.reset();
  stream_header_.reset();
  EndExchange();
  AfterExchange(keep_alive_);
}

template <typename Stream>
void Session<Stream>::AfterExchange(bool keep_alive) {
  if (reading_) {  // TLS: one read at a time; AwaitInput's comes back here.
    after_read_keep_alive_ = keep_alive;
    return;
  }
  if (!keep_alive) return Linger();
  AwaitNextRequest();
}

template <typename Stream>
void Session<Stream>::FailPendingChunks() {
  std::deque<Out> outbox = std::move(outbox_);
  outbox_.clear();
  for (Out& out : outbox) {
    if (out.done) out.done(false);
  }
}

// Keep-alive: the connection may stay silent for idle_timeout; its next
// request then has request_timeout from its first byte.
template <typename Stream>
void Session<Stream>::AwaitNextRequest() {
  state_ = State::kAwaiting;
  MarkWaiting();
  if (buffer_.size() > 0) {  // Pipelined: the request has begun.
    return ReadRequest(Clock::now() + config_->request_timeout);
  }
  ArmDeadline(Clock::now() + config_->idle_timeout);
  AwaitInput([self = Self()](error_code ec) {
    if (ec == asio::error::operation_aborted || self->closed()) return;
    if (ec) return self->Close();
    if (self->state_ != State::kAwaiting) return;
    self->ReadRequest(Clock::now() + self->config_->request_timeout);
  });
}

// Closing a socket with unread input sends a reset, which may destroy the
// answer before the client reads it; so send FIN (under TLS, close_notify)
// and discard what still arrives until the client closes or
// request_timeout passes.
template <typename Stream>
void Session<Stream>::Linger() {
  state_ = State::kLingering;
  MarkWaiting();
  ArmDeadline(Clock::now() + config_->request_timeout);
  if constexpr (kTls) {
    // Sends close_notify and reads until the client's close_notify or FIN.
    stream_.async_shutdown([self = Self()](const error_code& /*ec*/) {
      self->Close();  // However the client ended, the answer was delivered.
    });
  } else {
    error_code ignored;  // A peer that is gone already is what we want.
    Socket().shutdown(tcp::socket::shutdown_send, ignored);
    Discard();
  }
}

template <typename Stream>
void Session<Stream>::Discard() {
  Socket().async_read_some(
      asio::buffer(discard_),
      [self = Self()](const error_code& ec, size_t /*bytes*/) {
        if (ec == asio::error::operation_aborted || self->closed()) return;
        if (ec) return self->Close();
        self->Discard();
      });
}

// One event loop and its thread.
struct Loop {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work =
      asio::make_work_guard(io);
  std::thread thread;
};

// REQUIRES: count > 0.
std::vector<std::unique_ptr<Loop>> MakeLoops(int count) {
  std::vector<std::unique_ptr<Loop>> loops;
  for (int i = 0; i < count; ++i) loops.push_back(std::make_unique<Loop>());
  return loops;
}

// The TLS context `options` ask for; null for plaintext. INVALID_ARGUMENT
// as HttpServer::Create says.
absl::StatusOr<std::unique_ptr<TlsServerContext>> MakeTls(
    const HttpServer::Options& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "HTTP TLS needs both tls_cert_file and tls_key_file");
  }
  if (options.tls_cert_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "HTTP tls_client_ca_file needs tls_cert_file and tls_key_file");
    }
    return nullptr;
  }
  if (options.tls_reload_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "HTTP tls_reload_interval must not be negative");
  }
  return TlsServerContext::Create(
      {.cert_file = options.tls_cert_file,
       .key_file = options.tls_key_file,
       .client_ca_file = options.tls_client_ca_file},
      options.tls_reload_interval);
}

}  // namespace

// Owns the loops, their threads, the acceptor (on loop 0), the TLS context
// if any, and (weakly) the sessions, which only loop 0 lists.
class HttpServer::Impl {
 public:
  // `tls` is null for plaintext.
  Impl(std::shared_ptr<Config> config, std::unique_ptr<TlsServerContext> tls,
       int threads, int max_connections)
      : config_(std::move(config)),
        tls_(std::move(tls)),
        max_connections_(max_connections),
        loops_(MakeLoops(threads)) {}

  ~Impl() {
    for (auto& loop : loops_) loop->io.stop();
    for (auto& loop : loops_) {
      if (loop->thread.joinable()) loop->thread.join();
    }
    // Destroying the loops next destroys the pending handlers, and with them
    // the sessions and their sockets.
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
      return absl::UnavailableError(
          absl::StrCat("cannot serve HTTP on ", address, ": ", ec.message()));
    }
    return absl::OkStatus();
  }

  // Starts the threads. UNAVAILABLE if it cannot.
  absl::Status Start() {
    Accept();
    try {
      for (auto& loop : loops_) {
        loop->thread = std::thread([io = &loop->io] { io->run(); });
      }
    } catch (const std::system_error& e) {
      // std::thread reports failure by throwing; this is where it stops.
      return absl::UnavailableError(
          absl::StrCat("cannot start an HTTP thread: ", e.what()));
    }
    return absl::OkStatus();
  }

  bool Shutdown(absl::Duration deadline) {
    asio::post(acceptor_.get_executor(), [this] {
      error_code ignored;  // Not accepting is the point.
      acceptor_.close(ignored);
      ForgetClosed();
      for (const std::weak_ptr<Connection>& weak : sessions_) {
        std::shared_ptr<Connection> session = weak.lock();
        if (session != nullptr && session->evictable()) {
          session->RequestClose();
        }
      }
    });
    const absl::Time until = absl::Now() + deadline;
    while (config_->in_flight.load() > 0 && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return config_->in_flight.load() == 0;
  }

  int port() const { return port_; }
  int in_flight() const { return config_->in_flight.load(); }

 private:
  void Accept() {
    Loop& loop = *loops_[next_loop_++ % loops_.size()];
    acceptor_.async_accept(loop.io,
                           [this](const error_code& ec, tcp::socket socket) {
                             OnAccept(ec, std::move(socket));
                           });
  }

  void OnAccept(const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
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
      std::shared_ptr<Connection> victim = OldestEvictable();
      if (victim == nullptr) {
        error_code ignored;  // Refusing is the point; how it ends is not.
        socket.close(ignored);
        return;
      }
      victim->RequestClose();
      ForgetClosed();
    }
    error_code ignored;  // Latency matters more than packet count here.
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls_ == nullptr) {
      Launch(
          std::make_shared<Session<tcp::socket>>(std::move(socket), config_));
    } else {
      Launch(std::make_shared<Session<TlsStream>>(
          std::move(socket), tls_->Current(absl::Now()), config_));
    }
  }

  template <typename SessionT>
  void Launch(std::shared_ptr<SessionT> session) {
    sessions_.push_back(session);
    asio::post(session->executor(), [session] { session->Start(); });
  }

  void ForgetClosed() {
    std::erase_if(sessions_, [](const std::weak_ptr<Connection>& weak) {
      const std::shared_ptr<Connection> session = weak.lock();
      return session == nullptr || session->closed();
    });
  }

  // The session that has waited longest for a request; null if every one
  // is busy with an exchange.
  std::shared_ptr<Connection> OldestEvictable() const {
    std::shared_ptr<Connection> oldest;
    for (const std::weak_ptr<Connection>& weak : sessions_) {
      std::shared_ptr<Connection> session = weak.lock();
      if (session == nullptr || !session->evictable()) continue;
      if (oldest == nullptr ||
          session->waiting_since() < oldest->waiting_since()) {
        oldest = std::move(session);
      }
    }
    return oldest;
  }

  const std::shared_ptr<Config> config_;
  // Only the acceptor's thread (loop 0) uses it.
  const std::unique_ptr<TlsServerContext> tls_;
  const size_t max_connections_;
  std::vector<std::unique_ptr<Loop>> loops_;
  size_t next_loop_ = 0;
  std::vector<std::weak_ptr<Connection>> sessions_;
  tcp::acceptor acceptor_{loops_[0]->io};
  asio::steady_timer accept_backoff_{loops_[0]->io};
  int port_ = 0;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(
    Options options) {
  NBO_ASSIGN_OR_RETURN(const tcp::endpoint endpoint,
                       ParseAddress(options.address));
  if (options.handler == nullptr) {
    return absl::InvalidArgumentError("HTTP server needs a handler");
  }
  if (options.request_timeout <= absl::ZeroDuration() ||
      options.idle_timeout <= absl::ZeroDuration() ||
      options.write_timeout <= absl::ZeroDuration() ||
      options.max_connections <= 0 || options.max_header_bytes <= 0 ||
      options.max_target_bytes <= 0 || options.max_body_bytes < 0 ||
      options.threads <= 0) {
    return absl::InvalidArgumentError(
        "HTTP server timeouts, limits and threads must be positive");
  }
  auto config = std::make_shared<Config>();
  config->handler = std::move(options.handler);
  config->error_body = options.error_body != nullptr
                           ? std::move(options.error_body)
                           : [](int, absl::string_view reason) {
                               return absl::StrCat(reason, "\n");
                             };
  config->error_content_type = std::move(options.error_content_type);
  config->request_timeout = ToClock(options.request_timeout);
  config->idle_timeout = ToClock(options.idle_timeout);
  config->write_timeout = ToClock(options.write_timeout);
  config->max_target_bytes = static_cast<uint32_t>(options.max_target_bytes);
  config->max_header_bytes = static_cast<uint32_t>(options.max_header_bytes);
  config->max_body_bytes = static_cast<uint32_t>(options.max_body_bytes);
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<TlsServerContext> tls, MakeTls(options));
  auto impl = std::make_unique<Impl>(std::move(config), std::move(tls),
                                     options.threads, options.max_connections);
  NBO_RETURN_IF_ERROR(impl->Listen(endpoint, options.address));
  NBO_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

int HttpServer::port() const { return impl_->port(); }

bool HttpServer::Shutdown(absl::Duration deadline) {
  return impl_->Shutdown(deadline);
}

int HttpServer::InFlight() const { return impl_->in_flight(); }

}  // namespace nbo::services
