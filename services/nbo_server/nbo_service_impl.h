// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_NBO_SERVER_NBO_SERVICE_IMPL_H_
#define NBO_SERVICES_NBO_SERVER_NBO_SERVICE_IMPL_H_

#include <memory>

#include "grpcpp/support/message_allocator.h"
#include "lib/serving/recommender.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/nbo_server/server_metrics.h"

namespace nbo::server {

// nbo.v1.NBOService on gRPC's callback API: the request path. Each reaction
// does bounded work (a store point lookup and a small matrix-vector product)
// and never blocks on a lock held across work.
//
// Thread-safe. `recommender` and `metrics` are not owned.
class NboServiceImpl final : public nbo::v1::NBOService::CallbackService {
 public:
  NboServiceImpl(const serving::Recommender* recommender,
                 ServerMetrics* metrics);

  grpc::ServerUnaryReactor* Recommend(
      grpc::CallbackServerContext* context,
      const nbo::v1::RecommendRequest* request,
      nbo::v1::RecommendResponse* response) override;

  grpc::ServerWriteReactor<nbo::v1::BatchRecommendResponse>* BatchRecommend(
      grpc::CallbackServerContext* context,
      const nbo::v1::BatchRecommendRequest* request) override;

 private:
  const serving::Recommender* const recommender_;
  ServerMetrics* const metrics_;
  // Puts each Recommend's request and response on one protobuf arena, so a
  // call costs one allocation instead of one per string and offer.
  std::unique_ptr<grpc::MessageAllocator<nbo::v1::RecommendRequest,
                                         nbo::v1::RecommendResponse>>
      recommend_allocator_;
};

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_NBO_SERVICE_IMPL_H_
