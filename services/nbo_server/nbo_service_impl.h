// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_NBO_SERVER_NBO_SERVICE_IMPL_H_
#define NBO_SERVICES_NBO_SERVER_NBO_SERVICE_IMPL_H_

#include <atomic>
#include <memory>

#include "grpcpp/support/message_allocator.h"
#include "lib/serving/customer_service.h"
#include "lib/serving/recommender.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/common/access_control.h"
#include "services/nbo_server/server_metrics.h"

namespace nbo::server {

// nbo.v1.NBOService. Recommend and BatchRecommend, the request path, run on
// gRPC's callback API: each reaction does bounded work (point lookups, a
// small matrix-vector product, the rules, an unsynced log write) and never
// blocks on a lock held across work. RecordFeedback waits for an fsync, and
// GetCustomer, ListCustomers and SimilarProducts are rarer reads: they run on
// the synchronous API's thread pool, where blocking is expected.
//
// Every handler first asks `access` whether the call's token may call it
// (UNAUTHENTICATED or PERMISSION_DENIED otherwise; see AccessControl).
//
// Thread-safe. The pointers are not owned.
class NboServiceImpl final
    : public nbo::v1::NBOService::WithCallbackMethod_Recommend<
          nbo::v1::NBOService::WithCallbackMethod_BatchRecommend<
              nbo::v1::NBOService::Service>> {
 public:
  // While *bootstrapping (when given) is true, the calls that answer from
  // the models (Recommend, BatchRecommend, SimilarProducts) are UNAVAILABLE:
  // a replica still copying from its peers must not answer from part of
  // their versions, labels or split.
  NboServiceImpl(const serving::Recommender* recommender,
                 serving::CustomerService* customers, ServerMetrics* metrics,
                 const services::AccessControl* access,
                 const std::atomic<bool>* bootstrapping = nullptr);

  grpc::Status RecordFeedback(
      grpc::ServerContext* context,
      const nbo::v1::RecordFeedbackRequest* request,
      nbo::v1::RecordFeedbackResponse* response) override;
  grpc::Status SimilarProducts(
      grpc::ServerContext* context,
      const nbo::v1::SimilarProductsRequest* request,
      nbo::v1::SimilarProductsResponse* response) override;
  grpc::Status GetCustomer(grpc::ServerContext* context,
                           const nbo::v1::GetCustomerRequest* request,
                           nbo::v1::GetCustomerResponse* response) override;
  grpc::Status ListCustomers(grpc::ServerContext* context,
                             const nbo::v1::ListCustomersRequest* request,
                             nbo::v1::ListCustomersResponse* response) override;

  grpc::ServerUnaryReactor* Recommend(
      grpc::CallbackServerContext* context,
      const nbo::v1::RecommendRequest* request,
      nbo::v1::RecommendResponse* response) override;

  grpc::ServerWriteReactor<nbo::v1::BatchRecommendResponse>* BatchRecommend(
      grpc::CallbackServerContext* context,
      const nbo::v1::BatchRecommendRequest* request) override;

 private:
  const serving::Recommender* const recommender_;
  serving::CustomerService* const customers_;
  ServerMetrics* const metrics_;
  const services::AccessControl* const access_;
  const std::atomic<bool>* const bootstrapping_;  // May be null.

  // The access check of `method`, then UNAVAILABLE while bootstrapping.
  grpc::Status AdmitModelCall(const grpc::ServerContextBase& context,
                              const char* method) const;
  // Puts each Recommend's request and response on one protobuf arena, so a
  // call costs one allocation instead of one per string and offer.
  std::unique_ptr<grpc::MessageAllocator<nbo::v1::RecommendRequest,
                                         nbo::v1::RecommendResponse>>
      recommend_allocator_;
};

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_NBO_SERVICE_IMPL_H_
