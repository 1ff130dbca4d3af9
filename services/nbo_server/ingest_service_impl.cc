// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/ingest_service_impl.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/nbo_server/client_stream_reactor.h"

namespace nbo::server {
namespace {

// One StreamTransactions call: applies each batch as it arrives, with record
// indices counted across the stream.
class TransactionStream final
    : public TypedClientStreamHandler<nbo::v1::RecordTransactionsRequest> {
 public:
  TransactionStream(serving::CustomerService* customers, ServerMetrics* metrics)
      : customers_(customers),
        metrics_(metrics),
        call_(metrics, Method::kStreamTransactions) {}

  absl::Status Apply(const nbo::v1::RecordTransactionsRequest& batch,
                     int64_t /*index*/) override {
    const int32_t accepted = response_.accepted();
    const int32_t duplicates = response_.duplicates();
    const int rejected = response_.rejected_size();
    const absl::Status status =
        customers_->RecordTransactions(batch, index_base_, &response_);
    if (!status.ok()) return WithProgress(status);
    metrics_->RecordIngest(Method::kStreamTransactions,
                           response_.accepted() - accepted,
                           response_.duplicates() - duplicates,
                           response_.rejected_size() - rejected);
    index_base_ += batch.transactions_size();
    ++batches_applied_;
    return absl::OkStatus();
  }

  absl::StatusOr<grpc::ByteBuffer> OnEnd(int64_t /*messages*/) override {
    return SerializeResponse(response_);
  }

  absl::Status OnAbort(absl::Status why) override { return WithProgress(why); }

  void OnFinish(const grpc::Status& status) override { call_.Done(status); }

 private:
  // `status` saying what the stream applied before it failed: those batches
  // stay applied, and a client resending the stream is not charged twice for
  // transactions with an id.
  absl::Status WithProgress(const absl::Status& status) const {
    return absl::Status(
        status.code(),
        absl::StrCat(status.message(), "; batches applied before it: ",
                     batches_applied_, " (", response_.accepted(),
                     " transactions accepted, ", response_.duplicates(),
                     " duplicates, ", response_.rejected_size(), " rejected)"));
  }

  serving::CustomerService* const customers_;
  ServerMetrics* const metrics_;
  CallRecorder call_;
  nbo::v1::RecordTransactionsResponse response_;
  int32_t index_base_ = 0;
  int64_t batches_applied_ = 0;
};

}  // namespace

grpc::Status IngestServiceImpl::UpsertCustomers(
    grpc::ServerContext* context,
    const nbo::v1::UpsertCustomersRequest* request,
    nbo::v1::UpsertCustomersResponse* response) {
  CallRecorder call(metrics_, Method::kUpsertCustomers);
  if (grpc::Status access =
          access_->Check(*context, "/nbo.v1.IngestService/UpsertCustomers");
      !access.ok()) {
    return call.Done(access);
  }
  const absl::Status status = customers_->UpsertCustomers(*request, response);
  if (status.ok()) {
    metrics_->RecordIngest(Method::kUpsertCustomers, response->accepted(), 0,
                           response->rejected_size());
  }
  return call.Done(services::ToGrpcStatus(status));
}

grpc::Status IngestServiceImpl::RecordTransactions(
    grpc::ServerContext* context,
    const nbo::v1::RecordTransactionsRequest* request,
    nbo::v1::RecordTransactionsResponse* response) {
  CallRecorder call(metrics_, Method::kRecordTransactions);
  if (grpc::Status access =
          access_->Check(*context, "/nbo.v1.IngestService/RecordTransactions");
      !access.ok()) {
    return call.Done(access);
  }
  const absl::Status status =
      customers_->RecordTransactions(*request, /*index_base=*/0, response);
  if (status.ok()) {
    metrics_->RecordIngest(Method::kRecordTransactions, response->accepted(),
                           response->duplicates(), response->rejected_size());
  }
  return call.Done(services::ToGrpcStatus(status));
}

grpc::ServerReadReactor<grpc::ByteBuffer>*
IngestServiceImpl::StreamTransactions(grpc::CallbackServerContext* context,
                                      grpc::ByteBuffer* response) {
  if (grpc::Status access =
          access_->Check(*context, "/nbo.v1.IngestService/StreamTransactions");
      !access.ok()) {
    CallRecorder call(metrics_, Method::kStreamTransactions);
    return RejectClientStream(call.Done(access));
  }
  return ClientStreamReactor::Start(
      context, response,
      std::make_unique<TransactionStream>(customers_, metrics_),
      absl::InfiniteDuration());
}

}  // namespace nbo::server
