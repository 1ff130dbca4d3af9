// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nbo-gateway: HTTP/JSON in front of nbo-server, driven by the protos'
// google.api.http annotations (see gateway.h). Every flag can also be set
// as NBO_<FLAG> in the environment.

#include <csignal>
#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "lib/common/file_util.h"
#include "lib/common/server_main.h"
#include "services/common/client_channel.h"
#include "services/gateway/gateway.h"
#include "services/gateway/upstream.h"

ABSL_FLAG(std::string, http_addr, "0.0.0.0:8080",
          "HTTP listen address host:port (port 0 picks a free port)");
ABSL_FLAG(std::string, upstream, "dns:///127.0.0.1:50051",
          "nbo-server gRPC target; dns:///host:port balances round robin "
          "over every address the name resolves to");
ABSL_FLAG(std::string, trainer_upstream, "",
          "nbo-trainer gRPC target for TrainerService routes; empty answers "
          "them 503");
ABSL_FLAG(std::string, upstream_ca, "",
          "PEM CA file: call the upstreams over TLS, verified against it");
ABSL_FLAG(std::string, upstream_cert, "",
          "PEM client certificate for mutual TLS to the upstreams");
ABSL_FLAG(std::string, upstream_key, "", "PEM private key of --upstream_cert");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve HTTPS instead of HTTP (needs "
          "--tls_key); re-read when the file changes");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA file: HTTPS clients must present a certificate it signed "
          "(mutual TLS)");
ABSL_FLAG(std::string, metrics_addr, "",
          "Plain-HTTP listener for /healthz, /readyz and /metrics only, for "
          "probes and Prometheus when --tls_client_ca makes the main listener "
          "ask for client certificates; empty: none");
ABSL_FLAG(std::string, port_file, "",
          "Write {\"http\":PORT[,\"metrics\":PORT]} here once listening");
ABSL_FLAG(std::string, static_dir, "",
          "The dashboard's built files, served at /");
ABSL_FLAG(std::string, json_names, "lower_camel",
          "Field names in JSON answers: lower_camel (proto3 JSON) or proto");
ABSL_FLAG(std::string, json_printer, "nbo",
          "What prints JSON answers: nbo (the gateway's own printer) or "
          "protobuf (protobuf's, the same JSON at more CPU per request)");
ABSL_FLAG(bool, allow_unknown_fields, false,
          "Ignore unknown JSON fields and query parameters instead of 400");
ABSL_FLAG(absl::Duration, default_deadline, absl::Seconds(30),
          "Deadline of an upstream call without a Grpc-Timeout header");
ABSL_FLAG(absl::Duration, max_deadline, absl::Minutes(5),
          "Largest deadline a Grpc-Timeout header may ask for");
ABSL_FLAG(int32_t, max_inflight, 512,
          "Upstream calls in progress at once; 503 beyond");
ABSL_FLAG(std::string, cors_origins, "",
          "Comma-separated origins allowed to call from a browser; '*' for "
          "any (then without credentials); empty for none");
ABSL_FLAG(int32_t, threads, 0, "HTTP event loops (threads); 0 is one per core");
ABSL_FLAG(int32_t, max_connections, 4096, "HTTP connections open at once");
ABSL_FLAG(int32_t, max_body_bytes, 1 << 20, "Largest request body (413)");
ABSL_FLAG(int32_t, max_header_bytes, 16 << 10,
          "Largest request header fields (431)");
ABSL_FLAG(int32_t, max_url_bytes, 8 << 10, "Longest request target (414)");
ABSL_FLAG(absl::Duration, read_timeout, absl::Seconds(10),
          "Time a client has to send one whole request");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(60),
          "How long a keep-alive connection may stay silent");
ABSL_FLAG(absl::Duration, shutdown_deadline, absl::Seconds(10),
          "On SIGTERM: time in-flight requests get to finish");

namespace {

// NBOService's reads: safe to run again on another replica. A Recommend
// retried after its first server died mid-call may have been logged there
// as well (docs/operations.md, "Failover").
constexpr const char* kRetriedReads[] = {
    "nbo.v1.NBOService/Recommend", "nbo.v1.NBOService/BatchRecommend",
    "nbo.v1.NBOService/SimilarProducts", "nbo.v1.NBOService/GetCustomer",
    "nbo.v1.NBOService/ListCustomers"};

// A channel to `target`. A `serving` one balances over the replicas whose
// health is SERVING and retries NBOService's reads that fail UNAVAILABLE,
// so that a replica that dies, drains or is still bootstrapping costs no
// request.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(
    const std::string& target, bool serving = false) {
  nbo::services::ClientOptions options;
  options.target = target;
  options.ca_file = absl::GetFlag(FLAGS_upstream_ca);
  options.cert_file = absl::GetFlag(FLAGS_upstream_cert);
  options.key_file = absl::GetFlag(FLAGS_upstream_key);
  if (serving) {
    options.health_checked = true;
    options.retry_unavailable.assign(std::begin(kRetriedReads),
                                     std::end(kRetriedReads));
  }
  return nbo::services::MakeChannel(options);
}

absl::StatusOr<nbo::gateway::GatewayOptions> OptionsFromFlags() {
  nbo::gateway::GatewayOptions options;
  options.http_addr = absl::GetFlag(FLAGS_http_addr);
  options.metrics_addr = absl::GetFlag(FLAGS_metrics_addr);
  options.static_dir = absl::GetFlag(FLAGS_static_dir);
  const std::string names = absl::GetFlag(FLAGS_json_names);
  if (names != "lower_camel" && names != "proto") {
    return absl::InvalidArgumentError(
        "--json_names must be lower_camel or proto");
  }
  options.proto_names = names == "proto";
  const std::string printer = absl::GetFlag(FLAGS_json_printer);
  if (printer != "nbo" && printer != "protobuf") {
    return absl::InvalidArgumentError("--json_printer must be nbo or protobuf");
  }
  options.protobuf_printer = printer == "protobuf";
  options.strict = !absl::GetFlag(FLAGS_allow_unknown_fields);
  options.default_deadline = absl::GetFlag(FLAGS_default_deadline);
  options.max_deadline = absl::GetFlag(FLAGS_max_deadline);
  options.max_inflight = absl::GetFlag(FLAGS_max_inflight);
  options.cors_origins = absl::StrSplit(absl::GetFlag(FLAGS_cors_origins), ',',
                                        absl::SkipWhitespace());
  options.threads = absl::GetFlag(FLAGS_threads);
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  options.max_header_bytes = absl::GetFlag(FLAGS_max_header_bytes);
  options.max_target_bytes = absl::GetFlag(FLAGS_max_url_bytes);
  options.request_timeout = absl::GetFlag(FLAGS_read_timeout);
  options.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  return options;
}

// Builds the gateway from the flags. Prints why not and returns null.
std::unique_ptr<nbo::gateway::Gateway> StartGateway() {
  absl::StatusOr<nbo::gateway::GatewayOptions> options = OptionsFromFlags();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> main_channel =
      Channel(absl::GetFlag(FLAGS_upstream));
  absl::StatusOr<std::shared_ptr<grpc::Channel>> serving_channel =
      Channel(absl::GetFlag(FLAGS_upstream), /*serving=*/true);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> trainer_channel = nullptr;
  if (!absl::GetFlag(FLAGS_trainer_upstream).empty()) {
    trainer_channel = Channel(absl::GetFlag(FLAGS_trainer_upstream));
  }
  for (const absl::Status& s :
       {options.status(), main_channel.status(), serving_channel.status(),
        trainer_channel.status()}) {
    if (!s.ok()) {
      std::fprintf(stderr, "nbo-gateway: %s\n", s.ToString().c_str());
      return nullptr;
    }
  }
  auto upstream = std::make_shared<nbo::gateway::Upstream>(
      *main_channel, *trainer_channel, *serving_channel);
  absl::StatusOr<std::unique_ptr<nbo::gateway::Gateway>> gateway =
      nbo::gateway::Gateway::Create(*options, std::move(upstream));
  if (!gateway.ok()) {
    std::fprintf(stderr, "nbo-gateway: %s\n",
                 gateway.status().ToString().c_str());
    return nullptr;
  }
  return *std::move(gateway);
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  if (!nbo::common::InitServerMain(
          argc, argv, "nbo-gateway",
          "nbo-gateway: HTTP/JSON for nbo-server, from the protos' "
          "annotations.\n"
          "Every flag can also be set as NBO_<FLAG>, e.g. NBO_UPSTREAM.",
          &signals)) {
    return 2;
  }

  std::unique_ptr<nbo::gateway::Gateway> gateway = StartGateway();
  if (gateway == nullptr) return 1;
  std::fprintf(stderr, "nbo-gateway: serving %s on port %d for %s\n",
               absl::GetFlag(FLAGS_tls_cert).empty() ? "HTTP" : "HTTPS",
               gateway->port(), absl::GetFlag(FLAGS_upstream).c_str());
  const int metrics_port = gateway->metrics_port();
  if (metrics_port != 0) {
    std::fprintf(stderr,
                 "nbo-gateway: /healthz, /readyz and /metrics over HTTP on "
                 "port %d\n",
                 metrics_port);
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    const absl::Status written = nbo::common::WriteFileAtomically(
        port_file,
        absl::StrCat("{\"http\":", gateway->port(),
                     metrics_port != 0
                         ? absl::StrCat(",\"metrics\":", metrics_port)
                         : "",
                     "}\n"));
    if (!written.ok()) {
      std::fprintf(stderr, "nbo-gateway: %s\n", written.ToString().c_str());
      return 1;
    }
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "nbo-gateway: %s received; finishing requests\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  const bool all = gateway->Shutdown(absl::GetFlag(FLAGS_shutdown_deadline));
  gateway.reset();
  std::fprintf(stderr, "nbo-gateway: stopped%s\n",
               all ? "" : " (some requests were cut off at the deadline)");
  return 0;
}
