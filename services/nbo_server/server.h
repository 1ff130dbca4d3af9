// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_NBO_SERVER_SERVER_H_
#define NBO_SERVICES_NBO_SERVER_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "services/common/tls_files.h"
#include "services/nbo_server/bootstrap.h"

namespace nbo::services {
class AccessControl;
class MetricsHttpServer;
}  // namespace nbo::services

namespace nbo::store {
class ModelStore;
class CustomerStore;
class StorageFaults;
}  // namespace nbo::store
namespace nbo::serving {
class CatalogRegistry;
class CustomerService;
class ModelManager;
class Recommender;
}  // namespace nbo::serving

namespace nbo::server {

class ServerMetrics;
class NboServiceImpl;
class ModelServiceImpl;
class IngestServiceImpl;

// nbo-server assembled: the store, the model manager, NBOService and
// ModelService, gRPC health and reflection, and the Prometheus endpoint.
//
// Health: the overall status ("") and NBOService and ModelService are
// SERVING while a model is AVAILABLE and the server is neither draining nor
// bootstrapping from its peers.
// IngestService is SERVING only while, in addition, both stores take
// writes, and "nbo.storage" is SERVING exactly while they do: a full disk
// leaves Recommend and every read working, so a readiness probe on ""
// keeps the replica in service while alerts watch "nbo.storage" or
// nbo_storage_writable.
//
// Access: with tokens_file or admin_token, every NBOService, ModelService
// and IngestService call needs a bearer token of the role
// services/common/method_roles.cc names (services/common/access_control.h);
// health and reflection stay open. With neither, every call is open.
// main() turns flags into Options; tests start it in-process on port 0.
//
// Start() once, then Shutdown() (or destroy) from any thread.
class NboServer {
 public:
  struct Options {
    // RocksDB directory. Default: "./nbo-data".
    std::string data_dir = "./nbo-data";
    // gRPC listen address; port 0 picks a free port. Default: "0.0.0.0:50051".
    std::string grpc_addr = "0.0.0.0:50051";
    // Prometheus /metrics address; "" disables it. Slow or idle clients
    // cannot block it (MetricsHttpServer's default limits and timeouts).
    // Default: "0.0.0.0:9464".
    std::string metrics_addr = "0.0.0.0:9464";
    // Model used when a request names none. Default: "nbo".
    std::string default_model = "nbo";
    // AVAILABLE versions kept per model (plus labelled ones). Default: 3.
    int keep_versions = 3;
    // Largest message the server accepts; one byte more is
    // RESOURCE_EXHAUSTED. Default: 16 MiB.
    int max_receive_message_bytes = 16 << 20;
    // Largest PublishModel factor chunk. Default: 4 MiB.
    int max_publish_chunk_bytes = 4 << 20;
    // PublishModel streams in progress at once; one more is
    // RESOURCE_EXHAUSTED. Default: 2.
    int max_concurrent_publishes = 2;
    // Longest a publish may wait for its next message; then it is aborted
    // (ABORTED), its partial data deleted and its version number freed.
    // Default: 30 s.
    absl::Duration publish_idle_timeout = absl::Seconds(30);
    // Free space a publish must leave on top of twice the version's
    // estimated size. Default: 64 MiB.
    uint64_t publish_free_space_reserve_bytes = uint64_t{64} << 20;
    // Free bytes of data_dir's filesystem, for the check before a publish
    // writes anything; tests inject a figure. Default: empty, which means
    // statvfs of data_dir.
    std::function<absl::StatusOr<uint64_t>()> free_bytes;
    // HTTP/2 streams one client connection may have open at once.
    // Default: 256.
    int max_concurrent_streams = 256;
    // Clients may ping no more often than this without data in flight;
    // more frequent pings count as strikes. Default: 10 s.
    absl::Duration keepalive_min_ping_interval = absl::Seconds(10);
    // Strikes before the connection is closed (GOAWAY too_many_pings).
    // Default: 2.
    int keepalive_max_ping_strikes = 2;
    // Server keepalive pings on idle connections. Default: 60 s.
    absl::Duration keepalive_time = absl::Seconds(60);
    // Offers when a request does not say. Default: 3.
    int default_offers = 3;
    // Most offers a request may ask for. Default: 100.
    int max_offers = 100;
    // Most customers in one BatchRecommend. Default: 1000.
    int max_batch_customers = 1000;
    // Token file (lib/auth/token_file.h): every RPC then needs a bearer
    // token whose role services/common/method_roles.cc names; the file is
    // re-read when it changes. "" for none. Default: "".
    std::string tokens_file;
    // One more token, with role admin, given in the clear (a shorthand for
    // a one-line tokens file); combined with tokens_file. "" for none. With
    // neither, every RPC is open to any client. Default: "".
    std::string admin_token;
    // How often a call's check looks at tokens_file for changes.
    // Default: 1 s.
    absl::Duration tokens_reload_interval = absl::Seconds(1);
    // TLS on the gRPC port (services/common/grpc_tls.h): the certificate
    // chain and key served, and, for mutual TLS, the CA whose certificates
    // clients must present. Files are re-read every tls_reload_interval.
    // Default: all empty (plaintext, for a port only a NetworkPolicy's
    // peers reach).
    services::TlsFiles tls;
    // How often the TLS files are looked at for a change. Default: 5 s.
    absl::Duration tls_reload_interval = absl::Seconds(5);
    // Serve grpc.reflection (for grpcurl). Health, reflection and /metrics
    // never need a token. Default: true.
    bool reflection = true;
    // Where audit lines (one per admin RPC) go. Default: stderr.
    std::function<void(const std::string& line)> audit;
    // RocksDB block cache. Default: 64 MiB.
    size_t block_cache_bytes = 64 << 20;
    // Decoded customer states kept in memory (CustomerStore's state cache);
    // 0 turns it off.
    size_t customer_state_cache_bytes = 128 << 20;
    // Sync commits and markers (tests of other things may turn it off).
    // Default: true.
    bool sync_writes = true;
    // Contact policy of products whose catalog entry does not set one.
    // Default: 2 declines or 5 impressions suppress for 30 days.
    int contact_max_declines = 2;
    int contact_max_impressions = 5;
    int contact_suppression_days = 30;
    // Most records in one ingest request (or stream message).
    // Default: 1000.
    int max_ingest_batch = 1000;
    // How far in the future a client's timestamp may be. Default: 5 min.
    absl::Duration max_clock_skew = absl::Minutes(5);
    // Decisions (with their feedback) and transactions older than these
    // are deleted; ingest refuses transactions already older than
    // transaction_retention. Default: 730 days each.
    absl::Duration decision_retention = absl::Hours(24 * 730);
    absl::Duration transaction_retention = absl::Hours(24 * 730);
    // How often retention runs (also once at start). Default: 1 hour.
    absl::Duration retention_interval = absl::Hours(1);
    // How often the server checks that both stores take writes (and, while
    // they do not, tries to make them: see CustomerStore::CheckStorage).
    // Default: 1 s.
    absl::Duration storage_check_interval = absl::Seconds(1);
    // Tests only: makes both stores' disk behave as full while set (see
    // lib/store/storage_faults.h). Not owned. Default: null.
    store::StorageFaults* storage_faults = nullptr;
    // Peers to copy the serving versions, labels, split and catalog from
    // when the store holds no version (a new replica), before health says
    // SERVING; see bootstrap.h. Default: no peers (no bootstrap).
    BootstrapOptions bootstrap;
  };

  // Opens the store (removing interrupted publishes), loads the versions it
  // holds and starts serving. INVALID_ARGUMENT for bad options or a bad
  // tokens file (NOT_FOUND when it is missing), UNAVAILABLE when an address
  // cannot be bound, INTERNAL when the store cannot open.
  static absl::StatusOr<std::unique_ptr<NboServer>> Start(Options options);

  ~NboServer();
  NboServer(const NboServer&) = delete;
  NboServer& operator=(const NboServer&) = delete;

  int grpc_port() const { return grpc_port_; }
  // Whether no token is configured and every RPC is open.
  bool open_access() const;
  // 0 when metrics are disabled.
  int metrics_port() const { return metrics_port_; }

  // Health goes NOT_SERVING (so load balancers stop sending), requests keep
  // being served for `drain`, then the server stops accepting and waits up to
  // `deadline` for in-flight calls before cancelling them. Idempotent.
  void Shutdown(absl::Duration drain, absl::Duration deadline);

  // Blocks until Shutdown has completed.
  void Wait();

 private:
  // Builds and starts server_ on `credentials` (Start's last step before
  // the metrics endpoint). UNAVAILABLE when grpc_addr cannot be bound.
  absl::Status StartGrpc(std::shared_ptr<grpc::ServerCredentials> credentials);

  NboServer() = default;
  void UpdateHealth();
  // Gives every model with versions but no stored catalog (a store from
  // before catalogs were kept apart) one from its newest version.
  absl::Status EnsureCatalogs();
  // Runs retention now and then every options_.retention_interval until
  // shutdown.
  void RetentionLoop();
  void RunRetention();
  // Checks both stores every options_.storage_check_interval until
  // shutdown: metrics, health, and a log line when writability changes.
  void StorageLoop();
  void CheckStorage();
  // Runs bootstrap_ and then lets health follow the models again.
  void RunBootstrap();

  Options options_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<services::AccessControl> access_;
  std::unique_ptr<store::ModelStore> store_;
  std::unique_ptr<store::CustomerStore> customer_store_;
  std::unique_ptr<serving::ModelManager> manager_;
  std::unique_ptr<serving::CatalogRegistry> catalogs_;
  std::unique_ptr<serving::Recommender> recommender_;
  std::unique_ptr<serving::CustomerService> customer_service_;
  std::unique_ptr<NboServiceImpl> nbo_service_;
  std::unique_ptr<ModelServiceImpl> model_service_;
  std::unique_ptr<IngestServiceImpl> ingest_service_;
  // Stops the retention and storage loops.
  absl::Notification stop_loops_;
  std::thread retention_thread_;
  std::thread storage_thread_;
  // Both stores take writes (the last CheckStorage said so).
  std::atomic<bool> storage_writable_{true};
  // The checked copy of the TLS files the gRPC port serves; outlives
  // server_ (declared before it). Null for plaintext.
  std::shared_ptr<services::StagedTlsFiles> tls_files_;
  // Set while bootstrap_ runs (health is then NOT_SERVING); null without
  // --bootstrap_from.
  std::unique_ptr<Bootstrap> bootstrap_;
  std::thread bootstrap_thread_;
  std::atomic<bool> bootstrapping_{false};
  // Serializes UpdateHealth's read of the state and its writes of the
  // health statuses.
  absl::Mutex health_mu_;
  serving::PublishLimits publish_limits_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<services::MetricsHttpServer> metrics_server_;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  std::atomic<bool> draining_{false};
  std::atomic<bool> shut_down_{false};
};

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_SERVER_H_
