// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nbo-gateway: HTTP/JSON in front of nbo-server (and nbo-trainer), with the
// routes built at start-up from the protos' google.api.http annotations
// (lib/gateway), calls made with one generic gRPC client (upstream.h), and
// the HTTP side on services/common's HttpServer.
//
// Besides the annotated routes it serves GET /healthz (liveness), GET
// /readyz (200 once the upstream's gRPC health is SERVING, else 503),
// GET /metrics, GET /openapi.json, the original demo's GET /api/recommend
// (legacy_api.h) and the dashboard's static files at / (static_files.h).
//
// Every error is a JSON body in the google.rpc.Status shape with the
// canonical HTTP code (lib/gateway/http_status.h). Server streams are
// NDJSON: one {"result":...} line per message, flushed as it arrives; an
// error after the first line is a last {"error":{...}} line.
//
// Thread-safe; owns its HTTP server and threads.

#ifndef NBO_SERVICES_GATEWAY_GATEWAY_H_
#define NBO_SERVICES_GATEWAY_GATEWAY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/upstream.h"

namespace nbo::gateway {

struct GatewayOptions {
  // "host:port" of the HTTP listener; port 0 picks a free port.
  // Default: "0.0.0.0:8080".
  std::string http_addr = "0.0.0.0:8080";
  // The dashboard's built files; empty serves a built-in page at /.
  // Default: empty.
  std::string static_dir;
  // Reject unknown JSON fields and query parameters. Default: true.
  bool strict = true;
  // Print proto field names instead of lowerCamelCase. Default: false.
  bool proto_names = false;
  // Print JSON answers with protobuf's printer (TranscodeOptions).
  // Default: false.
  bool protobuf_printer = false;
  // Deadline of an upstream call without a Grpc-Timeout header, and the
  // most a Grpc-Timeout may ask for. Default: 30 s, 5 min.
  absl::Duration default_deadline = absl::Seconds(30);
  absl::Duration max_deadline = absl::Minutes(5);
  // Upstream calls in progress at once; 503 beyond. Default: 512.
  int max_inflight = 512;
  // Origins allowed to call from a browser (CORS), exact matches such as
  // "https://rm.bank.example". Empty: no cross-origin access. "*" allows
  // any origin, without credentials. Default: empty.
  std::vector<std::string> cors_origins;
  // HTTP event loops; 0 is one per core. Default: 0.
  int threads = 0;
  // HTTP limits (see services/common/http_server.h).
  int max_connections = 4096;
  int max_body_bytes = 1 << 20;
  int max_header_bytes = 16 << 10;
  int max_target_bytes = 8 << 10;
  absl::Duration request_timeout = absl::Seconds(10);
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration write_timeout = absl::Seconds(10);
  // HTTPS: PEM certificate chain and key (both or neither), reloaded when
  // the files change; and, for mutual TLS, the CA that must sign client
  // certificates. Default: empty (plaintext HTTP).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // "host:port" of a second, plain-HTTP listener that answers only
  // /healthz, /readyz and /metrics: for kubelet probes and Prometheus, which
  // present no client certificate to a mutual-TLS listener. Empty: none.
  // Default: empty.
  std::string metrics_addr;
};

class Gateway {
 public:
  // Builds the routes from the linked descriptors of NBOService,
  // ModelService, IngestService and TrainerService and starts listening.
  // INVALID_ARGUMENT for bad options (TLS files that do not load among
  // them) or annotations; UNAVAILABLE if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Gateway>> Create(
      const GatewayOptions& options, std::shared_ptr<Upstream> upstream);

  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  int port() const;
  // The port of the metrics_addr listener; 0 without one.
  int metrics_port() const;

  // Stops accepting and waits for requests in progress up to `deadline`.
  // Returns whether all were answered.
  bool Shutdown(absl::Duration deadline);

 private:
  class Impl;
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nbo::gateway

#endif  // NBO_SERVICES_GATEWAY_GATEWAY_H_
