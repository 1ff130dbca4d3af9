// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_NBO_SERVER_PUBLISH_STREAM_H_
#define NBO_SERVICES_NBO_SERVER_PUBLISH_STREAM_H_

#include <cstdint>
#include <memory>

#include "lib/serving/catalog_registry.h"
#include "lib/serving/model_manager.h"
#include "lib/serving/publish_session.h"
#include "lib/serving/version_publish.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.pb.h"
#include "services/nbo_server/client_stream_reactor.h"
#include "services/nbo_server/concurrency_limit.h"
#include "services/nbo_server/server_metrics.h"

namespace nbo::server {

// One ModelService.PublishModel call: the RPC edge of serving::VersionPublish
// (the catalog's rules checked with the header, the catalog applied before
// the commit), with the call's metrics. It holds one of the server's publish
// permits while it lives; when it is dropped without a commit (a bad or corrupt
// message, a client cancel, the idle timeout) the partial version is deleted
// and its number is free again before the client is answered.
//
// Not thread-safe: its ClientStreamReactor drives it from one thread. The
// pointers are not owned and must outlive it.
class PublishStream final
    : public TypedClientStreamHandler<nbo::v1::PublishModelRequest> {
 public:
  PublishStream(serving::ModelManager* manager, store::ModelStore* store,
                serving::CatalogRegistry* catalogs, ServerMetrics* metrics,
                const serving::PublishLimits& limits,
                std::unique_ptr<ConcurrencyLimit::Permit> permit);

  // VersionPublish::Add's codes.
  absl::Status Apply(const nbo::v1::PublishModelRequest& message,
                     int64_t index) override;
  // VersionPublish::Finish.
  absl::StatusOr<grpc::ByteBuffer> OnEnd(int64_t messages) override;
  // Deletes the partial version; `why` saying nothing was published. An
  // idle timeout (ABORTED) names --publish_idle_timeout.
  absl::Status OnAbort(absl::Status why) override;
  void OnFinish(const grpc::Status& status) override;

 private:
  ServerMetrics* const metrics_;
  CallRecorder call_;
  const std::unique_ptr<ConcurrencyLimit::Permit> permit_;
  serving::VersionPublish publish_;
  int64_t messages_ = 0;
  uint64_t bytes_recorded_ = 0;
};

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_PUBLISH_STREAM_H_
