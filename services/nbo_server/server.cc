// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/server.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "lib/common/file_util.h"
#include "lib/common/status_macros.h"
#include "lib/serving/catalog_registry.h"
#include "lib/serving/customer_service.h"
#include "lib/serving/model_manager.h"
#include "lib/serving/recommender.h"
#include "lib/store/customer_store.h"
#include "lib/store/model_store.h"
#include "services/common/access_control.h"
#include "services/common/grpc_tls.h"
#include "services/common/malformed_request.h"
#include "services/common/metrics_http_server.h"
#include "services/common/server_reflection.h"
#include "services/nbo_server/ingest_service_impl.h"
#include "services/nbo_server/model_service_impl.h"
#include "services/nbo_server/nbo_service_impl.h"
#include "services/nbo_server/server_metrics.h"

namespace nbo::server {
namespace {

// Health entries that follow the overall status.
constexpr const char* kServiceNames[] = {"nbo.v1.NBOService",
                                         "nbo.v1.ModelService"};
// Health entries that also need both stores to take writes.
constexpr const char* kIngestServiceName = "nbo.v1.IngestService";
constexpr const char* kStorageHealthName = "nbo.storage";

absl::Status ValidateOptions(const NboServer::Options& o) {
  if (o.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir is required");
  }
  if (o.grpc_addr.empty()) {
    return absl::InvalidArgumentError("grpc_addr is required");
  }
  if (o.max_receive_message_bytes <= 0 || o.max_publish_chunk_bytes <= 0 ||
      o.max_concurrent_streams <= 0 || o.keepalive_max_ping_strikes < 0 ||
      o.default_offers <= 0 || o.max_offers < o.default_offers ||
      o.max_batch_customers <= 0 || o.max_ingest_batch <= 0 ||
      o.contact_max_declines <= 0 || o.contact_max_impressions <= 0 ||
      o.contact_suppression_days <= 0) {
    return absl::InvalidArgumentError(
        "limits must be positive and default_offers <= max_offers");
  }
  if (o.max_clock_skew < absl::ZeroDuration() ||
      o.decision_retention <= absl::ZeroDuration() ||
      o.transaction_retention <= absl::ZeroDuration() ||
      o.retention_interval <= absl::ZeroDuration() ||
      o.storage_check_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "max_clock_skew must be >= 0 and retention and storage check "
        "durations positive");
  }
  if (o.max_concurrent_publishes <= 0 ||
      o.publish_idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "max_concurrent_publishes and publish_idle_timeout must be positive");
  }
  if (o.max_publish_chunk_bytes > o.max_receive_message_bytes) {
    return absl::InvalidArgumentError(
        "max_publish_chunk_bytes must not exceed max_receive_message_bytes");
  }
  return absl::OkStatus();
}

}  // namespace

// The gRPC server: the three services, health, reflection, the
// interceptors and the transport limits of options_, on `credentials`.
absl::Status NboServer::StartGrpc(
    std::shared_ptr<grpc::ServerCredentials> credentials) {
  const Options& o = options_;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(services::ServerReflectionOption(o.reflection));
  builder.AddListeningPort(o.grpc_addr, credentials, &grpc_port_);
  builder.RegisterService(nbo_service_.get());
  builder.RegisterService(model_service_.get());
  builder.RegisterService(ingest_service_.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(services::MalformedRequestInterceptorFactory(
      {"nbo.v1.NBOService", "nbo.v1.ModelService", "nbo.v1.IngestService"}));
  interceptors.push_back(access_->AuditInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.SetMaxReceiveMessageSize(o.max_receive_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             o.max_concurrent_streams);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(
          absl::ToInt64Milliseconds(o.keepalive_min_ping_interval)));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES,
                             o.keepalive_max_ping_strikes);
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(o.keepalive_time)));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", o.grpc_addr));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<NboServer>> NboServer::Start(Options options) {
  NBO_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<NboServer> s(new NboServer());
  if (!options.bootstrap.peers.empty()) {
    NBO_ASSIGN_OR_RETURN(s->bootstrap_, Bootstrap::Create(options.bootstrap));
    s->bootstrapping_ = true;
  }
  s->options_ = std::move(options);
  const Options& o = s->options_;
  s->metrics_ = std::make_unique<ServerMetrics>();
  services::AccessControl::Options access_options;
  access_options.tokens_file = o.tokens_file;
  access_options.admin_token = o.admin_token;
  access_options.reload_interval = o.tokens_reload_interval;
  access_options.audit = o.audit;
  NBO_ASSIGN_OR_RETURN(s->access_,
                       services::AccessControl::Create(access_options));
  // Before the stores open and the versions load, which can take minutes:
  // a wrong certificate path should not.
  NBO_ASSIGN_OR_RETURN(
      services::GrpcServerTls tls,
      services::MakeServerCredentials(o.tls, o.tls_reload_interval));
  s->tls_files_ = std::move(tls.staged);

  store::ModelStore::Options store_options;
  store_options.path = o.data_dir;
  store_options.block_cache_bytes = o.block_cache_bytes;
  store_options.sync = o.sync_writes;
  store_options.faults = o.storage_faults;
  store::RecoveryReport report;
  NBO_ASSIGN_OR_RETURN(s->store_,
                       store::ModelStore::Open(store_options, &report));
  for (const auto& [name, version] : report.removed_partial_versions) {
    std::fprintf(stderr,
                 "nbo: removed version %lld of model '%s': its publish never "
                 "committed\n",
                 static_cast<long long>(version), name.c_str());
  }

  store::CustomerStore::Options customer_options;
  customer_options.path = o.data_dir + "/customers";
  customer_options.sync = o.sync_writes;
  customer_options.faults = o.storage_faults;
  customer_options.state_cache_bytes = o.customer_state_cache_bytes;
  NBO_ASSIGN_OR_RETURN(s->customer_store_,
                       store::CustomerStore::Open(customer_options));

  serving::ModelManager::Options manager_options;
  manager_options.store = s->store_.get();
  manager_options.default_model = o.default_model;
  manager_options.keep_versions = o.keep_versions;
  NboServer* raw = s.get();
  manager_options.on_change = [raw] { raw->UpdateHealth(); };
  NBO_ASSIGN_OR_RETURN(s->manager_,
                       serving::ModelManager::Create(manager_options));
  NBO_RETURN_IF_ERROR(s->manager_->LoadFromStore());

  serving::CatalogRegistry::Options catalog_options;
  catalog_options.store = s->store_.get();
  catalog_options.default_contact_policy.max_declines = o.contact_max_declines;
  catalog_options.default_contact_policy.max_impressions =
      o.contact_max_impressions;
  catalog_options.default_contact_policy.suppression_days =
      o.contact_suppression_days;
  NBO_ASSIGN_OR_RETURN(s->catalogs_,
                       serving::CatalogRegistry::Create(catalog_options));
  NBO_RETURN_IF_ERROR(s->EnsureCatalogs());

  serving::Recommender::Options rec_options;
  rec_options.default_offers = o.default_offers;
  rec_options.max_offers = o.max_offers;
  rec_options.max_batch_customers = o.max_batch_customers;
  s->recommender_ = std::make_unique<serving::Recommender>(
      s->manager_.get(), s->store_.get(), s->customer_store_.get(),
      s->catalogs_.get(), rec_options);
  serving::CustomerService::Options customer_service_options;
  customer_service_options.max_batch = o.max_ingest_batch;
  customer_service_options.max_clock_skew = o.max_clock_skew;
  customer_service_options.transaction_retention = o.transaction_retention;
  s->customer_service_ = std::make_unique<serving::CustomerService>(
      s->customer_store_.get(), s->catalogs_.get(), customer_service_options);
  s->nbo_service_ = std::make_unique<NboServiceImpl>(
      s->recommender_.get(), s->customer_service_.get(), s->metrics_.get(),
      s->access_.get(), &s->bootstrapping_);
  ModelServiceImpl::Options model_options;
  model_options.publish_limits.max_chunk_bytes = o.max_publish_chunk_bytes;
  model_options.publish_limits.free_space_reserve_bytes =
      o.publish_free_space_reserve_bytes;
  model_options.publish_limits.free_bytes =
      o.free_bytes ? o.free_bytes
                   : [dir = o.data_dir] { return common::FreeBytes(dir); };
  s->publish_limits_ = model_options.publish_limits;
  model_options.max_concurrent_publishes = o.max_concurrent_publishes;
  model_options.publish_idle_timeout = o.publish_idle_timeout;
  model_options.access = s->access_.get();
  s->model_service_ = std::make_unique<ModelServiceImpl>(
      s->manager_.get(), s->store_.get(), s->catalogs_.get(),
      s->recommender_.get(), s->customer_service_.get(), s->metrics_.get(),
      model_options);
  s->ingest_service_ = std::make_unique<IngestServiceImpl>(
      s->customer_service_.get(), s->metrics_.get(), s->access_.get());

  NBO_RETURN_IF_ERROR(s->StartGrpc(tls.credentials));

  if (!o.metrics_addr.empty()) {
    services::MetricsHttpServer::Options metrics_options;
    metrics_options.address = o.metrics_addr;
    metrics_options.collectables = {s->metrics_->registry(),
                                    s->metrics_->process_collector()};
    NBO_ASSIGN_OR_RETURN(
        s->metrics_server_,
        services::MetricsHttpServer::Create(std::move(metrics_options)));
    s->metrics_port_ = s->metrics_server_->port();
  }
  s->UpdateHealth();
  s->retention_thread_ = std::thread([raw] { raw->RetentionLoop(); });
  s->storage_thread_ = std::thread([raw] { raw->StorageLoop(); });
  if (s->bootstrap_ != nullptr) {
    s->bootstrap_thread_ = std::thread([raw] { raw->RunBootstrap(); });
  }
  return s;
}

absl::Status NboServer::EnsureCatalogs() {
  for (const nbo::v1::ModelStatus& model : manager_->ListModels()) {
    if (catalogs_->Get(model.model_name()) != nullptr) continue;
    int64_t newest = 0;
    for (const nbo::v1::VersionStatus& v : model.versions()) {
      if (v.state() == nbo::v1::VERSION_STATE_AVAILABLE) {
        newest = std::max(newest, v.version());
      }
    }
    if (newest == 0) continue;
    NBO_ASSIGN_OR_RETURN(store::VersionRecord record,
                         store_->GetVersion(model.model_name(), newest));
    google::protobuf::RepeatedPtrField<nbo::v1::Product> products;
    for (const store::ProductRow& row : record.catalog) {
      nbo::v1::Product* p = products.Add();
      p->set_product_id(row.product_id);
      p->set_name(row.name);
      p->set_category(row.category);
    }
    NBO_RETURN_IF_ERROR(
        catalogs_->ApplyPublishedCatalog(model.model_name(), products));
  }
  return absl::OkStatus();
}

void NboServer::RetentionLoop() {
  do {
    RunRetention();
  } while (
      !stop_loops_.WaitForNotificationWithTimeout(options_.retention_interval));
}

void NboServer::RunRetention() {
  const absl::Time now = absl::Now();
  absl::StatusOr<store::RetentionReport> report =
      customer_store_->DeleteExpired(now - options_.decision_retention,
                                     now - options_.transaction_retention);
  if (!report.ok()) {
    std::fprintf(stderr, "nbo: retention failed: %s\n",
                 report.status().ToString().c_str());
    return;
  }
  if (report->decisions + report->feedback + report->transactions > 0) {
    std::fprintf(stderr,
                 "nbo: retention deleted %lld decisions, %lld feedback "
                 "records, %lld transactions\n",
                 static_cast<long long>(report->decisions),
                 static_cast<long long>(report->feedback),
                 static_cast<long long>(report->transactions));
  }
}

void NboServer::StorageLoop() {
  do {
    CheckStorage();
  } while (!stop_loops_.WaitForNotificationWithTimeout(
      options_.storage_check_interval));
}

void NboServer::CheckStorage() {
  const absl::Status model = store_->CheckStorage();
  const absl::Status customer = customer_store_->CheckStorage();
  metrics_->UpdateStorage(StorageKind::kModel, model);
  metrics_->UpdateStorage(StorageKind::kCustomer, customer);
  const bool writable = model.ok() && customer.ok();
  if (storage_writable_.exchange(writable) == writable) return;
  if (writable) {
    std::fprintf(stderr, "nbo: storage takes writes again\n");
  } else {
    std::fprintf(stderr,
                 "nbo: storage does not take writes (%s; %s); reads and "
                 "Recommend keep working\n",
                 model.ToString().c_str(), customer.ToString().c_str());
  }
  UpdateHealth();
}

void NboServer::RunBootstrap() {
  BootstrapTarget local;
  local.manager = manager_.get();
  local.store = store_.get();
  local.catalogs = catalogs_.get();
  local.limits = publish_limits_;
  local.own_port = grpc_port_;
  local.marker_path = options_.data_dir + "/BOOTSTRAP_IN_PROGRESS";
  LogBootstrapResult(bootstrap_->Run(local));
  bootstrapping_ = false;
  UpdateHealth();
}

bool NboServer::open_access() const { return access_->open(); }

NboServer::~NboServer() { Shutdown(absl::ZeroDuration(), absl::Seconds(5)); }

void NboServer::UpdateHealth() {
  if (metrics_ != nullptr && manager_ != nullptr) {
    metrics_->UpdateModelState(*manager_);
  }
  if (server_ == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  // Reading the state and setting the status under one lock: two threads
  // (a publish's callback, the bootstrap's end, the storage check) must not
  // leave the older reading last.
  absl::MutexLock lock(&health_mu_);
  const bool serving = !draining_.load() && !bootstrapping_.load() &&
                       manager_ != nullptr && manager_->AnyAvailable();
  const bool writable = storage_writable_.load();
  health->SetServingStatus(serving);
  for (const char* name : kServiceNames) {
    health->SetServingStatus(name, serving);
  }
  health->SetServingStatus(kIngestServiceName, serving && writable);
  health->SetServingStatus(kStorageHealthName, writable);
}

void NboServer::Shutdown(absl::Duration drain, absl::Duration deadline) {
  if (shut_down_.exchange(true)) return;
  if (bootstrap_ != nullptr) bootstrap_->Stop();
  if (bootstrap_thread_.joinable()) bootstrap_thread_.join();
  if (!stop_loops_.HasBeenNotified()) stop_loops_.Notify();
  if (retention_thread_.joinable()) retention_thread_.join();
  if (storage_thread_.joinable()) storage_thread_.join();
  draining_ = true;
  UpdateHealth();
  if (server_ == nullptr) return;
  if (drain > absl::ZeroDuration()) {
    std::fprintf(stderr, "nbo: draining for %s before shutdown\n",
                 absl::FormatDuration(drain).c_str());
    absl::SleepFor(drain);
  }
  server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  metrics_server_.reset();
}

void NboServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace nbo::server
