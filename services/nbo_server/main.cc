// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nbo-server: the next-best-offer model server. Runs with no flags (data in
// ./nbo-data, gRPC on :50051, metrics on :9464); every flag can also be set
// as NBO_<FLAG> in the environment.

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/common/file_util.h"
#include "lib/common/server_main.h"
#include "services/common/grpc_tls.h"
#include "services/nbo_server/server.h"

namespace {
const nbo::server::NboServer::Options kDefaults;
}  // namespace

ABSL_FLAG(std::string, data_dir, kDefaults.data_dir,
          "RocksDB data directory (created if missing)");
ABSL_FLAG(std::string, grpc_addr, kDefaults.grpc_addr,
          "gRPC listen address HOST:PORT; port 0 picks a free port");
ABSL_FLAG(std::string, metrics_addr, kDefaults.metrics_addr,
          "Prometheus /metrics address HOST:PORT; empty disables it");
ABSL_FLAG(std::string, port_file, "",
          "If set, write {\"grpc\":PORT,\"metrics\":PORT} here once serving");
ABSL_FLAG(std::string, default_model, kDefaults.default_model,
          "Model name used when a request or publish names none");
ABSL_FLAG(int, keep_versions, kDefaults.keep_versions,
          "AVAILABLE versions kept per model, besides labelled ones");
ABSL_FLAG(int, max_receive_message_bytes, kDefaults.max_receive_message_bytes,
          "Largest gRPC message accepted (RESOURCE_EXHAUSTED above)");
ABSL_FLAG(int, max_publish_chunk_bytes, kDefaults.max_publish_chunk_bytes,
          "Largest PublishModel factor chunk (INVALID_ARGUMENT above)");
ABSL_FLAG(int, max_concurrent_publishes, kDefaults.max_concurrent_publishes,
          "PublishModel streams in progress at once (RESOURCE_EXHAUSTED "
          "beyond)");
ABSL_FLAG(absl::Duration, publish_idle_timeout, kDefaults.publish_idle_timeout,
          "Longest wait for a publish's next message; then the publish is "
          "aborted (ABORTED) and its partial data deleted");
ABSL_FLAG(int64_t, publish_free_space_reserve_mb,
          static_cast<int64_t>(kDefaults.publish_free_space_reserve_bytes >>
                               20),
          "Free space a publish must leave on the data dir's filesystem on "
          "top of twice the version's estimated size, MiB");
ABSL_FLAG(int, max_concurrent_streams, kDefaults.max_concurrent_streams,
          "HTTP/2 streams per client connection");
ABSL_FLAG(absl::Duration, keepalive_min_ping_interval,
          kDefaults.keepalive_min_ping_interval,
          "Minimum interval between client pings without data");
ABSL_FLAG(int, keepalive_max_ping_strikes, kDefaults.keepalive_max_ping_strikes,
          "Ping strikes before the connection is closed");
ABSL_FLAG(int, default_offers, kDefaults.default_offers,
          "Offers returned when a request does not say");
ABSL_FLAG(int, max_offers, kDefaults.max_offers,
          "Most offers one request may ask for");
ABSL_FLAG(int, max_batch_customers, kDefaults.max_batch_customers,
          "Most customers in one BatchRecommend");
ABSL_FLAG(std::string, tokens_file, "",
          "Bearer tokens by role, one per line 'NAME ROLE[,ROLE...] "
          "sha256:HEX' (roles read, act, ingest, customer, admin); re-read "
          "when it changes. With it (or --admin_token) every RPC but health "
          "and reflection needs a token");
ABSL_FLAG(std::string, admin_token, "",
          "One more token, with role admin, in the clear (shorthand for a "
          "one-line --tokens_file; use NBO_ADMIN_TOKEN to keep it out of the "
          "process list). With neither flag every RPC is open");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve gRPC over TLS (needs --tls_key); "
          "re-read when the file changes");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA file: gRPC clients must present a certificate it signed "
          "(mutual TLS; needs --tls_cert)");
ABSL_FLAG(bool, reflection, kDefaults.reflection,
          "Serve gRPC server reflection (for grpcurl); it needs no token");
ABSL_FLAG(int64_t, block_cache_mb, 64, "RocksDB block cache, MiB");
ABSL_FLAG(int64_t, customer_cache_mb, 128,
          "Decoded customer states kept in memory for Recommend (an LRU over "
          "customers), MiB; 0 turns the cache off");
ABSL_FLAG(int, contact_max_declines, kDefaults.contact_max_declines,
          "Contact policy default: declines that suppress a product");
ABSL_FLAG(int, contact_max_impressions, kDefaults.contact_max_impressions,
          "Contact policy default: impressions that suppress a product");
ABSL_FLAG(int, contact_suppression_days, kDefaults.contact_suppression_days,
          "Contact policy default: days a suppression lasts");
ABSL_FLAG(int, max_ingest_batch, kDefaults.max_ingest_batch,
          "Most records in one ingest request or stream message");
ABSL_FLAG(absl::Duration, max_clock_skew, kDefaults.max_clock_skew,
          "How far in the future client timestamps may be");
ABSL_FLAG(absl::Duration, decision_retention, kDefaults.decision_retention,
          "Decisions (and their feedback) older than this are deleted");
ABSL_FLAG(absl::Duration, transaction_retention,
          kDefaults.transaction_retention,
          "Transactions older than this are deleted (holdings are kept) "
          "and refused at ingest");
ABSL_FLAG(absl::Duration, retention_interval, kDefaults.retention_interval,
          "How often retention runs");
ABSL_FLAG(absl::Duration, storage_check_interval,
          kDefaults.storage_check_interval,
          "How often to check that the stores take writes (and to try to "
          "make them again after a full disk)");
ABSL_FLAG(std::vector<std::string>, bootstrap_from, {},
          "When the data dir holds no version: copy the serving versions, "
          "their labels, the traffic split and the catalog from a peer "
          "before reporting SERVING. dns:///NAME:PORT (every address NAME "
          "resolves to, tried in turn) or HOST:PORT[,HOST:PORT...]");
ABSL_FLAG(absl::Duration, bootstrap_timeout, kDefaults.bootstrap.timeout,
          "How long to keep looking for a peer to copy from; then the "
          "server starts empty with a warning (NOT_SERVING until a publish)");
ABSL_FLAG(std::string, bootstrap_token_file, "",
          "File holding the raw bearer token (role admin) for the peers' "
          "ExportModel, e.g. a mounted Kubernetes Secret; never logged");
ABSL_FLAG(std::string, bootstrap_ca, "",
          "PEM CA file: reach the peers over TLS, verified against it");
ABSL_FLAG(std::string, bootstrap_cert, "",
          "PEM client certificate for mutual TLS to the peers");
ABSL_FLAG(std::string, bootstrap_key, "",
          "PEM private key of --bootstrap_cert");
ABSL_FLAG(absl::Duration, drain, absl::Seconds(5),
          "On SIGTERM: time to report NOT_SERVING while still serving");
ABSL_FLAG(absl::Duration, shutdown_deadline, absl::Seconds(10),
          "On SIGTERM, after draining: time in-flight calls get to finish");

namespace {}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  if (!nbo::common::InitServerMain(
          argc, argv, "nbo-server",
          "nbo-server: next-best-offer model server.\n"
          "Every flag can also be set as NBO_<FLAG>, e.g. NBO_DATA_DIR.",
          &signals)) {
    return 2;
  }

  for (const auto& [name, mb] :
       {std::pair<const char*, int64_t>{"block_cache_mb",
                                        absl::GetFlag(FLAGS_block_cache_mb)},
        {"customer_cache_mb", absl::GetFlag(FLAGS_customer_cache_mb)},
        {"publish_free_space_reserve_mb",
         absl::GetFlag(FLAGS_publish_free_space_reserve_mb)}}) {
    if (mb < 0 || mb > (int64_t{1} << 20)) {
      std::fprintf(stderr,
                   "nbo-server: --%s must be in [0, 1048576], got %lld\n", name,
                   static_cast<long long>(mb));
      return 2;
    }
  }

  nbo::server::NboServer::Options options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.grpc_addr = absl::GetFlag(FLAGS_grpc_addr);
  options.metrics_addr = absl::GetFlag(FLAGS_metrics_addr);
  options.default_model = absl::GetFlag(FLAGS_default_model);
  options.keep_versions = absl::GetFlag(FLAGS_keep_versions);
  options.max_receive_message_bytes =
      absl::GetFlag(FLAGS_max_receive_message_bytes);
  options.max_publish_chunk_bytes =
      absl::GetFlag(FLAGS_max_publish_chunk_bytes);
  options.max_concurrent_publishes =
      absl::GetFlag(FLAGS_max_concurrent_publishes);
  options.publish_idle_timeout = absl::GetFlag(FLAGS_publish_idle_timeout);
  options.publish_free_space_reserve_bytes =
      static_cast<uint64_t>(absl::GetFlag(FLAGS_publish_free_space_reserve_mb))
      << 20;
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.keepalive_min_ping_interval =
      absl::GetFlag(FLAGS_keepalive_min_ping_interval);
  options.keepalive_max_ping_strikes =
      absl::GetFlag(FLAGS_keepalive_max_ping_strikes);
  options.default_offers = absl::GetFlag(FLAGS_default_offers);
  options.max_offers = absl::GetFlag(FLAGS_max_offers);
  options.max_batch_customers = absl::GetFlag(FLAGS_max_batch_customers);
  options.tokens_file = absl::GetFlag(FLAGS_tokens_file);
  options.admin_token = absl::GetFlag(FLAGS_admin_token);
  options.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.reflection = absl::GetFlag(FLAGS_reflection);
  options.block_cache_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_block_cache_mb)) << 20;
  options.customer_state_cache_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_customer_cache_mb)) << 20;
  options.contact_max_declines = absl::GetFlag(FLAGS_contact_max_declines);
  options.contact_max_impressions =
      absl::GetFlag(FLAGS_contact_max_impressions);
  options.contact_suppression_days =
      absl::GetFlag(FLAGS_contact_suppression_days);
  options.max_ingest_batch = absl::GetFlag(FLAGS_max_ingest_batch);
  options.max_clock_skew = absl::GetFlag(FLAGS_max_clock_skew);
  options.decision_retention = absl::GetFlag(FLAGS_decision_retention);
  options.transaction_retention = absl::GetFlag(FLAGS_transaction_retention);
  options.retention_interval = absl::GetFlag(FLAGS_retention_interval);
  options.storage_check_interval = absl::GetFlag(FLAGS_storage_check_interval);
  options.bootstrap.peers = absl::GetFlag(FLAGS_bootstrap_from);
  options.bootstrap.timeout = absl::GetFlag(FLAGS_bootstrap_timeout);
  options.bootstrap.token_file = absl::GetFlag(FLAGS_bootstrap_token_file);
  options.bootstrap.ca_file = absl::GetFlag(FLAGS_bootstrap_ca);
  options.bootstrap.cert_file = absl::GetFlag(FLAGS_bootstrap_cert);
  options.bootstrap.key_file = absl::GetFlag(FLAGS_bootstrap_key);

  auto server = nbo::server::NboServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "nbo-server: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "nbo: serving gRPC%s on port %d, metrics on port %d\n",
               nbo::services::TlsDescription(options.tls),
               (*server)->grpc_port(), (*server)->metrics_port());
  if ((*server)->open_access()) {
    std::fprintf(
        stderr,
        "nbo: WARNING: ************************************************\n"
        "nbo: WARNING: OPEN MODE: no --tokens_file and no --admin_token.\n"
        "nbo: WARNING: Any client that reaches the gRPC port can read\n"
        "nbo: WARNING: customers' personal data, write transactions and\n"
        "nbo: WARNING: feedback, and publish or delete models. Use this\n"
        "nbo: WARNING: for a local demo only.\n"
        "nbo: WARNING: ************************************************\n");
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    const absl::Status written = nbo::common::WriteFileAtomically(
        port_file,
        absl::StrCat("{\"grpc\":", (*server)->grpc_port(),
                     ",\"metrics\":", (*server)->metrics_port(), "}\n"));
    if (!written.ok()) {
      std::fprintf(stderr, "nbo-server: %s\n", written.ToString().c_str());
      return 1;
    }
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "nbo: %s received; shutting down\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown(absl::GetFlag(FLAGS_drain),
                      absl::GetFlag(FLAGS_shutdown_deadline));
  (*server)->Wait();
  std::fprintf(stderr, "nbo: stopped\n");
  return 0;
}
