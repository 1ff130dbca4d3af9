// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/nbo_service_impl.h"

#include <chrono>
#include <optional>

#include "absl/time/clock.h"
#include "services/common/access_control.h"
#include "services/common/grpc_status.h"

namespace nbo::server {
namespace {

bool DeadlinePassed(const grpc::CallbackServerContext* context) {
  return context->deadline() <= std::chrono::system_clock::now();
}

const grpc::Status kDeadlineExceeded(grpc::StatusCode::DEADLINE_EXCEEDED,
                                     "deadline exceeded");

// Streams one BatchRecommendResponse per customer, computing each only when
// the previous write has completed, so a slow reader costs no memory.
class BatchReactor
    : public grpc::ServerWriteReactor<nbo::v1::BatchRecommendResponse> {
 public:
  BatchReactor(grpc::CallbackServerContext* context,
               const nbo::v1::BatchRecommendRequest* request,
               const serving::Recommender* recommender, ServerMetrics* metrics,
               const grpc::Status& access)
      : context_(context),
        request_(request),
        recommender_(recommender),
        metrics_(metrics),
        start_(absl::Now()) {
    if (!access.ok()) {
      Complete(access);
      return;
    }
    if (DeadlinePassed(context_)) {
      Complete(kDeadlineExceeded);
      return;
    }
    const absl::Status valid = recommender_->ValidateBatch(*request_);
    if (!valid.ok()) {
      Complete(services::ToGrpcStatus(valid));
      return;
    }
    NextWrite();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Complete(
          grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    NextWrite();
  }

  void OnCancel() override { cancelled_ = true; }

  void OnDone() override { delete this; }

 private:
  void NextWrite() {
    if (next_ >= request_->customer_ids_size()) {
      Complete(grpc::Status::OK);
      return;
    }
    if (cancelled_ || DeadlinePassed(context_)) {
      Complete(kDeadlineExceeded);
      return;
    }
    response_.Clear();
    response_.set_index(next_);
    const absl::Status status = recommender_->RecommendOne(
        *request_, next_, response_.mutable_recommendation());
    if (status.ok()) {
      metrics_->RecordStrategy(response_.recommendation().strategy());
      metrics_->RecordDecision(response_.recommendation());
    } else {
      const grpc::Status g = services::ToGrpcStatus(status);
      response_.mutable_error()->set_code(g.error_code());
      response_.mutable_error()->set_message(g.error_message());
    }
    ++next_;
    StartWrite(&response_);
  }

  void Complete(const grpc::Status& status) {
    metrics_->RecordRequest(Method::kBatchRecommend, status.error_code(),
                            absl::Now() - start_);
    Finish(status);
  }

  grpc::CallbackServerContext* const context_;
  const nbo::v1::BatchRecommendRequest* const request_;
  const serving::Recommender* const recommender_;
  ServerMetrics* const metrics_;
  const absl::Time start_;
  nbo::v1::BatchRecommendResponse response_;
  int next_ = 0;
  std::atomic<bool> cancelled_{false};
};

// One RPC's messages on an arena whose first block is part of the holder.
template <typename Request, typename Response>
class ArenaMessageHolder : public grpc::MessageHolder<Request, Response> {
 public:
  ArenaMessageHolder() : arena_(MakeOptions(initial_block_)) {
    this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
    this->set_response(
        google::protobuf::Arena::CreateMessage<Response>(&arena_));
  }
  void Release() override { delete this; }

 private:
  static google::protobuf::ArenaOptions MakeOptions(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kInitialBlock;
    return options;
  }
  // Enough for a request and a response with a handful of offers.
  static constexpr size_t kInitialBlock = 2048;
  alignas(8) char initial_block_[kInitialBlock];
  google::protobuf::Arena arena_;
};

template <typename Request, typename Response>
class ArenaMessageAllocator : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new ArenaMessageHolder<Request, Response>();
  }
};

}  // namespace

NboServiceImpl::NboServiceImpl(const serving::Recommender* recommender,
                               serving::CustomerService* customers,
                               ServerMetrics* metrics,
                               const services::AccessControl* access,
                               const std::atomic<bool>* bootstrapping)
    : recommender_(recommender),
      customers_(customers),
      metrics_(metrics),
      access_(access),
      bootstrapping_(bootstrapping),
      recommend_allocator_(
          std::make_unique<ArenaMessageAllocator<
              nbo::v1::RecommendRequest, nbo::v1::RecommendResponse>>()) {
  SetMessageAllocatorFor_Recommend(recommend_allocator_.get());
}

grpc::Status NboServiceImpl::AdmitModelCall(
    const grpc::ServerContextBase& context, const char* method) const {
  grpc::Status status = access_->Check(context, method);
  if (status.ok() && bootstrapping_ != nullptr && bootstrapping_->load()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "this replica is still copying its models from a "
                        "peer (bootstrap); ask another");
  }
  return status;
}

grpc::ServerUnaryReactor* NboServiceImpl::Recommend(
    grpc::CallbackServerContext* context,
    const nbo::v1::RecommendRequest* request,
    nbo::v1::RecommendResponse* response) {
  const absl::Time start = absl::Now();
  grpc::Status status =
      AdmitModelCall(*context, "/nbo.v1.NBOService/Recommend");
  if (status.ok() && DeadlinePassed(context)) status = kDeadlineExceeded;
  if (status.ok()) {
    // Explanations quote the customer's attribute values only to callers
    // who may read personal data.
    const bool reveal = !request->explain() ||
                        access_->HasRole(*context, auth::Role::kCustomer);
    status = services::ToGrpcStatus(
        recommender_->Recommend(*request, response, reveal));
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      services::DoNotRetry(context);
    }
    if (status.ok()) {
      metrics_->RecordStrategy(response->strategy());
      metrics_->RecordDecision(*response);
    }
  }
  metrics_->RecordRequest(Method::kRecommend, status.error_code(),
                          absl::Now() - start);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::ServerWriteReactor<nbo::v1::BatchRecommendResponse>*
NboServiceImpl::BatchRecommend(grpc::CallbackServerContext* context,
                               const nbo::v1::BatchRecommendRequest* request) {
  return new BatchReactor(
      context, request, recommender_, metrics_,
      AdmitModelCall(*context, "/nbo.v1.NBOService/BatchRecommend"));
}

grpc::Status NboServiceImpl::RecordFeedback(
    grpc::ServerContext* context, const nbo::v1::RecordFeedbackRequest* request,
    nbo::v1::RecordFeedbackResponse* response) {
  CallRecorder call(metrics_, Method::kRecordFeedback);
  if (grpc::Status access =
          access_->Check(*context, "/nbo.v1.NBOService/RecordFeedback");
      !access.ok()) {
    return call.Done(access);
  }
  store::FeedbackResult result;
  const absl::Status status =
      customers_->RecordFeedback(*request, response, &result);
  if (status.ok() && !result.duplicate) {
    metrics_->RecordFeedback(result.model_name, result.experiment_arm,
                             request->outcome(), result.first_for_offer);
  }
  return call.Done(services::ToGrpcStatus(status));
}

grpc::Status NboServiceImpl::SimilarProducts(
    grpc::ServerContext* context,
    const nbo::v1::SimilarProductsRequest* request,
    nbo::v1::SimilarProductsResponse* response) {
  CallRecorder call(metrics_, Method::kSimilarProducts);
  if (grpc::Status access =
          AdmitModelCall(*context, "/nbo.v1.NBOService/SimilarProducts");
      !access.ok()) {
    return call.Done(access);
  }
  const grpc::Status status =
      services::ToGrpcStatus(recommender_->Similar(*request, response));
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    services::DoNotRetry(context);
  }
  return call.Done(status);
}

grpc::Status NboServiceImpl::GetCustomer(
    grpc::ServerContext* context, const nbo::v1::GetCustomerRequest* request,
    nbo::v1::GetCustomerResponse* response) {
  CallRecorder call(metrics_, Method::kGetCustomer);
  if (grpc::Status access =
          access_->Check(*context, "/nbo.v1.NBOService/GetCustomer");
      !access.ok()) {
    return call.Done(access);
  }
  return call.Done(
      services::ToGrpcStatus(customers_->GetCustomer(*request, response)));
}

grpc::Status NboServiceImpl::ListCustomers(
    grpc::ServerContext* context, const nbo::v1::ListCustomersRequest* request,
    nbo::v1::ListCustomersResponse* response) {
  CallRecorder call(metrics_, Method::kListCustomers);
  if (grpc::Status access =
          access_->Check(*context, "/nbo.v1.NBOService/ListCustomers");
      !access.ok()) {
    return call.Done(access);
  }
  return call.Done(
      services::ToGrpcStatus(customers_->ListCustomers(*request, response)));
}

}  // namespace nbo::server
