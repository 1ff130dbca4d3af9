// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The Prometheus endpoint of our binaries: GET /metrics over HTTP/1.x,
// served from one event loop that clients cannot stall.
//
//   MetricsHttpServer::Options options;
//   options.address = "0.0.0.0:9464";
//   options.collectables = {metrics->registry()};
//   NBO_ASSIGN_OR_RETURN(auto server, MetricsHttpServer::Create(options));
//   int port = server->port();

#ifndef NBO_SERVICES_COMMON_METRICS_HTTP_SERVER_H_
#define NBO_SERVICES_COMMON_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"

namespace nbo::services {

// Serves the text exposition (version 0.0.4) of a fixed set of collectables
// at /metrics. prometheus-cpp's Exposer runs civetweb with a thread per
// connection and no read deadline, so one idle client could hold its only
// thread; this server instead runs every connection asynchronously on one
// io_context thread of its own, and bounds what each connection may take:
//
// - a connection must deliver a whole request header within
//   `request_timeout` of being accepted (or of its first byte after a
//   keep-alive pause); bytes trickling in do not extend the deadline;
// - a keep-alive connection may stay silent between requests for
//   `idle_timeout`; writing a response may take `write_timeout`;
// - at most `max_connections` are open. When one more arrives, the
//   connection that has waited longest for its request is closed to make
//   room (a scraper's request arrives within milliseconds, so it is never
//   the oldest); if every connection is busy writing a response, the new
//   one is closed at once;
// - a request header larger than `max_header_bytes` is answered 431 and the
//   connection closed; a malformed request (or one with a body) 400.
//
// GET and HEAD /metrics answer 200; other paths 404; other methods 405 with
// `Allow: GET, HEAD`. The query string is ignored.
//
// The server owns its thread and sockets and shares ownership of the
// collectables, which must be thread-safe (prometheus::Registry is): they are
// collected on the server's thread at every scrape. Thread-safe: port() may
// be called from any thread; destroying the server closes every connection
// and joins its thread promptly.
class MetricsHttpServer {
 public:
  struct Options {
    // "host:port" to listen on, where host is an IPv4 address, a bracketed
    // IPv6 address ("[::]"), "localhost", or empty (every IPv4 interface);
    // port 0 picks a free port. Required.
    std::string address;
    // What /metrics exposes, collected in this order at every scrape.
    // Default: none (an empty exposition).
    std::vector<std::shared_ptr<prometheus::Collectable>> collectables;
    // Time a connection has to deliver one request header, counted from
    // accept or from its first byte after a keep-alive pause.
    // Default: 5 s.
    absl::Duration request_timeout = absl::Seconds(5);
    // How long a keep-alive connection may stay silent between requests.
    // Default: 30 s.
    absl::Duration idle_timeout = absl::Seconds(30);
    // Time to write one response to the client. Default: 10 s.
    absl::Duration write_timeout = absl::Seconds(10);
    // Connections open at once (see the class comment for what happens
    // beyond). Default: 256.
    int max_connections = 256;
    // Largest request line plus header fields. Default: 8 KiB.
    int max_header_bytes = 8 << 10;
  };

  // Binds options.address and starts serving on a new thread.
  // INVALID_ARGUMENT for a malformed address or a non-positive limit or
  // timeout; UNAVAILABLE when the address cannot be bound (the message names
  // it) or the thread cannot start.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Create(
      Options options);

  // Closes the listening socket and every connection, then joins the
  // server's thread.
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The bound port (the chosen one when options.address asked for port 0).
  int port() const;

 private:
  class Impl;
  explicit MetricsHttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_METRICS_HTTP_SERVER_H_
