// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_NBO_SERVER_MODEL_SERVICE_IMPL_H_
#define NBO_SERVICES_NBO_SERVER_MODEL_SERVICE_IMPL_H_

#include <memory>
#include <string>

#include "lib/serving/catalog_registry.h"
#include "lib/serving/customer_service.h"
#include "lib/serving/model_manager.h"
#include "lib/serving/publish_session.h"
#include "lib/serving/recommender.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "services/common/access_control.h"
#include "services/nbo_server/concurrency_limit.h"
#include "services/nbo_server/server_metrics.h"

namespace nbo::server {

// nbo.v1.ModelService: the admin path. It runs on gRPC's synchronous API
// because its handlers do slow, blocking work (writing factors, loading a
// version, waiting for in-flight requests before an unload) that must not
// occupy the callback threads the request path runs on.
//
// Every handler first asks `access` whether the call's token may call it:
// the reads (ListModels, GetModelStatus, GetCatalog, GetExperimentStats)
// need role `read`, everything else `admin` (method_roles.cc); otherwise the
// call fails UNAUTHENTICATED or PERMISSION_DENIED before anything is read or
// written.
//
// Thread-safe. The pointers are not owned.
//
// ScoreCustomer, the bare-scoring twin of Recommend, runs on the callback API
// as Recommend does, so that benchmarks comparing the two compare the
// pipeline and not gRPC's threading models.
//
// PublishModel reads raw bytes on the callback API (ClientStreamReactor), so
// that a corrupt message fails it with INVALID_ARGUMENT; its slow work runs
// on the stream's own worker thread, one per publish in progress.
class ModelServiceImpl final
    : public nbo::v1::ModelService::WithRawCallbackMethod_PublishModel<
          nbo::v1::ModelService::WithCallbackMethod_ScoreCustomer<
              nbo::v1::ModelService::Service>> {
 public:
  struct Options {
    // Limits applied to PublishModel streams, free-space check included.
    serving::PublishLimits publish_limits;
    // Publishes in progress at once; one more is RESOURCE_EXHAUSTED at its
    // start. Each holds a thread, memory for the item factors and RocksDB
    // memtables, and disk.
    // Default: 2.
    int max_concurrent_publishes = 2;
    // Longest wait for a publish's next message; then the publish is aborted
    // (ABORTED), its partial data deleted and its version number freed.
    // Default: 30 s.
    absl::Duration publish_idle_timeout = absl::Seconds(30);
    // Who may call what. Not owned; must outlive the service.
    // REQUIRES: not null. Default: null.
    const services::AccessControl* access = nullptr;
  };

  ModelServiceImpl(serving::ModelManager* manager, store::ModelStore* store,
                   serving::CatalogRegistry* catalogs,
                   const serving::Recommender* recommender,
                   const serving::CustomerService* customers,
                   ServerMetrics* metrics, Options options);

  // UNAUTHENTICATED or PERMISSION_DENIED, then RESOURCE_EXHAUSTED when
  // max_concurrent_publishes are in progress, then the codes of PublishStream.
  grpc::ServerReadReactor<grpc::ByteBuffer>* PublishModel(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;
  grpc::Status ListModels(grpc::ServerContext* context,
                          const nbo::v1::ListModelsRequest* request,
                          nbo::v1::ListModelsResponse* response) override;
  grpc::Status GetModelStatus(
      grpc::ServerContext* context,
      const nbo::v1::GetModelStatusRequest* request,
      nbo::v1::GetModelStatusResponse* response) override;
  grpc::Status SetVersionLabel(
      grpc::ServerContext* context,
      const nbo::v1::SetVersionLabelRequest* request,
      nbo::v1::SetVersionLabelResponse* response) override;
  grpc::Status SetTrafficSplit(
      grpc::ServerContext* context,
      const nbo::v1::SetTrafficSplitRequest* request,
      nbo::v1::SetTrafficSplitResponse* response) override;
  grpc::Status DeleteVersion(grpc::ServerContext* context,
                             const nbo::v1::DeleteVersionRequest* request,
                             nbo::v1::DeleteVersionResponse* response) override;
  grpc::Status ExportModel(
      grpc::ServerContext* context, const nbo::v1::ExportModelRequest* request,
      grpc::ServerWriter<nbo::v1::PublishModelRequest>* writer) override;
  grpc::Status UpdateCatalog(grpc::ServerContext* context,
                             const nbo::v1::UpdateCatalogRequest* request,
                             nbo::v1::UpdateCatalogResponse* response) override;
  grpc::Status GetCatalog(grpc::ServerContext* context,
                          const nbo::v1::GetCatalogRequest* request,
                          nbo::v1::GetCatalogResponse* response) override;
  grpc::Status SetLevers(grpc::ServerContext* context,
                         const nbo::v1::SetLeversRequest* request,
                         nbo::v1::SetLeversResponse* response) override;
  grpc::Status GetExperimentStats(
      grpc::ServerContext* context,
      const nbo::v1::GetExperimentStatsRequest* request,
      nbo::v1::GetExperimentStatsResponse* response) override;
  grpc::ServerUnaryReactor* ScoreCustomer(
      grpc::CallbackServerContext* context,
      const nbo::v1::ScoreCustomerRequest* request,
      nbo::v1::ScoreCustomerResponse* response) override;
  grpc::Status ExportFeedback(
      grpc::ServerContext* context,
      const nbo::v1::ExportFeedbackRequest* request,
      grpc::ServerWriter<nbo::v1::ExportFeedbackResponse>* writer) override;

 private:
  // AccessControl::Check of `method`, the full name of the handler's RPC.
  grpc::Status Authorize(const grpc::ServerContextBase* context,
                         absl::string_view method) const;
  grpc::Status DoExport(
      const nbo::v1::ExportModelRequest& request,
      grpc::ServerWriter<nbo::v1::PublishModelRequest>* writer);

  serving::ModelManager* const manager_;
  store::ModelStore* const store_;
  serving::CatalogRegistry* const catalogs_;
  const serving::Recommender* const recommender_;
  const serving::CustomerService* const customers_;
  ServerMetrics* const metrics_;
  const Options options_;
  ConcurrencyLimit publishes_;
};

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_MODEL_SERVICE_IMPL_H_
