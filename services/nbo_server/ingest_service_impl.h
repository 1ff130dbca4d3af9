// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_NBO_SERVER_INGEST_SERVICE_IMPL_H_
#define NBO_SERVICES_NBO_SERVER_INGEST_SERVICE_IMPL_H_

#include "lib/serving/customer_service.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "services/common/access_control.h"
#include "services/nbo_server/server_metrics.h"

namespace nbo::server {

// nbo.v1.IngestService: the RPC edge of serving::CustomerService. Every
// acknowledged record has been synced to disk, so the unary calls run on the
// synchronous API's thread pool. StreamTransactions reads raw bytes on the
// callback API (ClientStreamReactor), so that a corrupt batch fails the call
// with INVALID_ARGUMENT naming it instead of ending the stream silently; its
// batches are applied on the stream's own worker thread.
//
// Every call first needs a token with role `ingest` (AccessControl).
//
// Thread-safe. The pointers are not owned.
class IngestServiceImpl final
    : public nbo::v1::IngestService::WithRawCallbackMethod_StreamTransactions<
          nbo::v1::IngestService::Service> {
 public:
  IngestServiceImpl(serving::CustomerService* customers, ServerMetrics* metrics,
                    const services::AccessControl* access)
      : customers_(customers), metrics_(metrics), access_(access) {}

  grpc::Status UpsertCustomers(
      grpc::ServerContext* context,
      const nbo::v1::UpsertCustomersRequest* request,
      nbo::v1::UpsertCustomersResponse* response) override;
  grpc::Status RecordTransactions(
      grpc::ServerContext* context,
      const nbo::v1::RecordTransactionsRequest* request,
      nbo::v1::RecordTransactionsResponse* response) override;
  // Each batch is durable before the next is read. A batch that fails
  // (corrupt, too large, a storage error) or a cancelled stream ends the call
  // with a message saying what was applied before it.
  grpc::ServerReadReactor<grpc::ByteBuffer>* StreamTransactions(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;

 private:
  serving::CustomerService* const customers_;
  ServerMetrics* const metrics_;
  const services::AccessControl* const access_;
};

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_INGEST_SERVICE_IMPL_H_
