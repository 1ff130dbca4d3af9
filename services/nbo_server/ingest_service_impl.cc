// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/ingest_service_impl.h"

#include "services/common/grpc_status.h"

namespace nbo::server {

grpc::Status IngestServiceImpl::UpsertCustomers(
    grpc::ServerContext* /*context*/,
    const nbo::v1::UpsertCustomersRequest* request,
    nbo::v1::UpsertCustomersResponse* response) {
  CallRecorder call(metrics_, Method::kUpsertCustomers);
  const absl::Status status = customers_->UpsertCustomers(*request, response);
  if (status.ok()) {
    metrics_->RecordIngest(Method::kUpsertCustomers, response->accepted(), 0,
                           response->rejected_size());
  }
  return call.Done(services::ToGrpcStatus(status));
}

grpc::Status IngestServiceImpl::RecordTransactions(
    grpc::ServerContext* /*context*/,
    const nbo::v1::RecordTransactionsRequest* request,
    nbo::v1::RecordTransactionsResponse* response) {
  CallRecorder call(metrics_, Method::kRecordTransactions);
  const absl::Status status =
      customers_->RecordTransactions(*request, /*index_base=*/0, response);
  if (status.ok()) {
    metrics_->RecordIngest(Method::kRecordTransactions, response->accepted(),
                           response->duplicates(), response->rejected_size());
  }
  return call.Done(services::ToGrpcStatus(status));
}

grpc::Status IngestServiceImpl::StreamTransactions(
    grpc::ServerContext* context,
    grpc::ServerReader<nbo::v1::RecordTransactionsRequest>* reader,
    nbo::v1::RecordTransactionsResponse* response) {
  CallRecorder call(metrics_, Method::kStreamTransactions);
  nbo::v1::RecordTransactionsRequest batch;
  int32_t index_base = 0;
  while (reader->Read(&batch)) {
    const int32_t accepted = response->accepted();
    const int32_t duplicates = response->duplicates();
    const int rejected = response->rejected_size();
    // Each batch is durable before the next is read; a failure ends the
    // stream, and what was applied before it stays applied.
    const absl::Status status =
        customers_->RecordTransactions(batch, index_base, response);
    if (!status.ok()) return call.Done(services::ToGrpcStatus(status));
    metrics_->RecordIngest(Method::kStreamTransactions,
                           response->accepted() - accepted,
                           response->duplicates() - duplicates,
                           response->rejected_size() - rejected);
    index_base += batch.transactions_size();
  }
  if (context->IsCancelled()) {
    return call.Done(grpc::Status(
        grpc::StatusCode::CANCELLED,
        "stream cancelled; batches received before it were applied"));
  }
  return call.Done(grpc::Status::OK);
}

}  // namespace nbo::server
