// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/client_stream_reactor.h"

#include <utility>

#include "grpcpp/server_context.h"
#include "services/common/grpc_status.h"

namespace nbo::server {

ClientStreamReactor* ClientStreamReactor::Start(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
    std::unique_ptr<ClientStreamHandler> handler, absl::Duration idle_timeout) {
  auto* reactor = new ClientStreamReactor(context, response, std::move(handler),
                                          idle_timeout);
  // Initial metadata now tells the client that the stream was admitted (a
  // rejected one gets only the final status).
  reactor->StartSendInitialMetadata();
  // The worker's first read may start before gRPC has bound the reactor;
  // ServerReadReactor holds it back until then.
  reactor->worker_ = std::thread([reactor] { reactor->Run(); });
  return reactor;
}

ClientStreamReactor::ClientStreamReactor(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
    std::unique_ptr<ClientStreamHandler> handler, absl::Duration idle_timeout)
    : context_(context),
      response_(response),
      handler_(std::move(handler)),
      idle_timeout_(idle_timeout) {}

void ClientStreamReactor::OnReadDone(bool ok) {
  absl::MutexLock lock(&mu_);
  read_done_ = true;
  read_ok_ = ok;
}

void ClientStreamReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
}

void ClientStreamReactor::OnDone() {
  // gRPC may run OnDone on the worker itself, inside its Finish(), which is
  // the worker's last use of the reactor.
  if (worker_.get_id() == std::this_thread::get_id()) {
    worker_.detach();
  } else {
    worker_.join();
  }
  delete this;
}

void ClientStreamReactor::Run() {
  const grpc::Status status = services::ToGrpcStatus(Serve());
  handler_->OnFinish(status);
  // What the handler holds (a publish slot, a version number) is released
  // before the client hears back, so that it can retry at once.
  handler_.reset();
  Finish(status);
}

absl::Status ClientStreamReactor::Serve() {
  for (int64_t index = 0;; ++index) {
    switch (Read()) {
      case ReadResult::kMessage:
        if (absl::Status s = handler_->OnMessage(&incoming_, index); !s.ok()) {
          return s;
        }
        break;
      case ReadResult::kEnd: {
        absl::StatusOr<grpc::ByteBuffer> response = handler_->OnEnd(index);
        if (!response.ok()) return response.status();
        response_->Swap(&*response);
        return absl::OkStatus();
      }
      case ReadResult::kCancelled:
        return handler_->OnAbort(
            absl::CancelledError("the stream was cancelled"));
      case ReadResult::kIdle:
        return handler_->OnAbort(absl::AbortedError(
            absl::StrCat("no message for ", absl::FormatDuration(idle_timeout_),
                         " (", index, " had arrived)")));
    }
  }
}

ClientStreamReactor::ReadResult ClientStreamReactor::Read() {
  {
    absl::MutexLock lock(&mu_);
    read_done_ = false;
  }
  StartRead(&incoming_);
  absl::MutexLock lock(&mu_);
  if (!mu_.AwaitWithTimeout(absl::Condition(&read_done_), idle_timeout_)) {
    // The read stays pending; Finish() completes it.
    return ReadResult::kIdle;
  }
  if (read_ok_) return ReadResult::kMessage;
  return cancelled_ || context_->IsCancelled() ? ReadResult::kCancelled
                                               : ReadResult::kEnd;
}

namespace {

class RejectedStream final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  explicit RejectedStream(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* RejectClientStream(
    grpc::Status status) {
  return new RejectedStream(std::move(status));
}

}  // namespace nbo::server
