// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The HTTP/1.1 server of our binaries (the gateway's API and the /metrics
// endpoints), on Boost.Beast and Asio, built so that clients cannot stall
// it: every connection is asynchronous, every phase has a deadline, and
// every size has a bound.
//
//   HttpServer::Options options;
//   options.address = "0.0.0.0:8080";
//   options.handler = [](std::shared_ptr<HttpExchange> exchange) {
//     exchange->Respond({.status = 200, .body = "hello\n"});
//   };
//   NBO_ASSIGN_OR_RETURN(auto server, HttpServer::Create(std::move(options)));
//
// Connections (HTTP/1.0 and 1.1, keep-alive, pipelined requests answered in
// order, one at a time):
// - a connection must deliver a whole request (header and body) within
//   `request_timeout` of its first byte (or of being accepted); bytes
//   trickling in do not extend the deadline;
// - a keep-alive connection may stay silent between requests for
//   `idle_timeout`; writing one response (or one chunk of a stream) may take
//   `write_timeout`; while the handler works there is no deadline (the
//   handler owns its own, e.g. a gRPC deadline);
// - at most `max_connections` are open. When one more arrives, the
//   connection that has waited longest for its request is closed to make
//   room; if every connection is busy, the new one is closed at once;
// - a request target longer than `max_target_bytes` is answered 414, header
//   fields larger than `max_header_bytes` 431, a body larger than
//   `max_body_bytes` 413, a malformed request 400; each then closes the
//   connection (the stream cannot be trusted after it). These answers are
//   made by the server with `error_body` (the handler never sees them).
// - `Expect: 100-continue` is honoured.
//
// If a client goes away while its request is being handled (the socket
// reaches end of file), the exchange's cancel callback runs, so the handler
// can cancel upstream work.
//
// Threads: `threads` event loops, each with its own io_context and thread;
// connections are spread over them. The handler is called on a loop thread
// and must not block it; it may answer from any thread (HttpExchange is
// thread-safe). Shutdown() stops accepting and waits for exchanges in
// progress; destroying the server closes every connection and joins the
// threads promptly.

#ifndef NBO_SERVICES_COMMON_HTTP_SERVER_H_
#define NBO_SERVICES_COMMON_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace nbo::services {

// Header fields in arrival order; names as the client sent them.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  // "GET", "POST", ... as sent.
  std::string method;
  // The request target as sent: path and query, percent-encoded.
  std::string target;
  HttpHeaders headers;
  std::string body;
  // The value of the first field named `name` (case-insensitive); empty if
  // there is none.
  absl::string_view Header(absl::string_view name) const;
  // The path (target before '?') and the query (after it; empty if none).
  absl::string_view Path() const;
  absl::string_view Query() const;
};

struct HttpResponse {
  int status = 200;
  // Content-Length (and, for streams, Transfer-Encoding) are set by the
  // server; Connection too.
  HttpHeaders headers;
  std::string body;
};

// One request and its answer. Exactly one of Respond() or StartStream() ...
// FinishStream() must be called (the exchange answers 500 if it is destroyed
// unanswered). Thread-safe; calls after the connection is gone do nothing.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;

  virtual const HttpRequest& request() const = 0;

  // Sends the whole response. For HEAD requests the body is dropped (its
  // length is kept).
  virtual void Respond(HttpResponse response) = 0;

  // Starts a chunked response with `status` and `headers`; the body follows
  // with WriteChunk and ends with FinishStream.
  virtual void StartStream(int status, HttpHeaders headers) = 0;
  // Sends `data` as one chunk and flushes it. `done` runs once the chunk is
  // written (true) or the connection is gone (false), on a loop thread;
  // write the next chunk from there to keep memory bounded.
  virtual void WriteChunk(std::string data,
                          std::function<void(bool ok)> done) = 0;
  // Ends the chunked body.
  virtual void FinishStream() = 0;

  // `on_cancel` runs at most once, on a loop thread, if the client closes the
  // connection before the answer is complete. Set it before starting work it
  // should cancel; if the client is gone already it runs at once.
  virtual void OnCancel(std::function<void()> on_cancel) = 0;
};

using HttpHandler = std::function<void(std::shared_ptr<HttpExchange>)>;

class HttpServer {
 public:
  struct Options {
    // "host:port" to listen on, where host is an IPv4 address, a bracketed
    // IPv6 address ("[::]"), "localhost", or empty (every IPv4 interface);
    // port 0 picks a free port. Required.
    std::string address;
    // Called for every well-formed request. Required.
    HttpHandler handler;
    // The body of the server's own 4xx answers (too large, malformed), given
    // the status and a short English reason; and its Content-Type.
    // Default: the reason as text/plain.
    std::function<std::string(int status, absl::string_view reason)> error_body;
    std::string error_content_type = "text/plain; charset=utf-8";
    // Event loops (threads). Default: 1.
    int threads = 1;
    // Time a connection has to deliver one request, header and body,
    // counted from accept or from its first byte after a keep-alive pause.
    // Default: 5 s.
    absl::Duration request_timeout = absl::Seconds(5);
    // How long a keep-alive connection may stay silent between requests.
    // Default: 30 s.
    absl::Duration idle_timeout = absl::Seconds(30);
    // Time to write one response, or one chunk of a stream.
    // Default: 10 s.
    absl::Duration write_timeout = absl::Seconds(10);
    // Connections open at once (see the file comment). Default: 256.
    int max_connections = 256;
    // Largest request target (path and query); 414 beyond. Default: 8 KiB.
    int max_target_bytes = 8 << 10;
    // Largest header fields, not counting the request line; 431 beyond.
    // Default: 8 KiB.
    int max_header_bytes = 8 << 10;
    // Largest request body; 413 beyond. 0 refuses any body (400).
    // Default: 1 MiB.
    int max_body_bytes = 1 << 20;
    // TLS: the server's PEM certificate chain (leaf first) and private key.
    // Both set: every connection does a TLS (1.2 or later) handshake first,
    // within request_timeout of being accepted (counted in the first
    // request's time); a failed handshake closes the connection. Neither
    // set: plaintext. Default: empty (plaintext).
    std::string tls_cert_file;
    std::string tls_key_file;
    // PEM CA certificates: when set (with TLS), clients must present a
    // certificate signed by one of them (mutual TLS). Default: empty.
    std::string tls_client_ca_file;
    // How often, at most, a new connection checks whether the TLS files
    // changed (modification time, size, inode); changed files are loaded
    // for new connections, and a pair that fails to load keeps the old one
    // (the reason goes to stderr). Zero checks on every connection.
    // Default: 1 s.
    absl::Duration tls_reload_interval = absl::Seconds(1);
  };

  // Binds options.address and starts serving. INVALID_ARGUMENT for a
  // malformed address, a missing handler, or a non-positive limit, timeout
  // or thread count (max_body_bytes may be 0); INVALID_ARGUMENT for only
  // one of tls_cert_file and tls_key_file, tls_client_ca_file without
  // them, or a TLS file that cannot be read or parsed or a key that does
  // not match the certificate (the message names the file); UNAVAILABLE
  // when the address cannot be bound (the message names it).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Create(Options options);

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the chosen one if options.address had port 0).
  int port() const;

  // Stops accepting and closes idle connections, then waits until every
  // exchange in progress has answered or `deadline` has passed. Returns
  // whether all answered. Call from a thread that is not a loop's; calling
  // again waits again.
  bool Shutdown(absl::Duration deadline);

  // Exchanges handed to the handler and not yet answered. For metrics.
  int InFlight() const;

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_HTTP_SERVER_H_
