// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/model_stream_client.h"

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"

namespace nbo::services {
namespace {

void PrepareContext(const StreamCallOptions& options,
                    grpc::ClientContext* context) {
  if (options.timeout != absl::InfiniteDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  }
  AddBearerToken(options.bearer_token, context);
  if (options.on_context) options.on_context(context);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PublishStream>> PublishStream::Start(
    nbo::v1::ModelService::Stub& stub, const StreamCallOptions& options) {
  std::unique_ptr<PublishStream> stream(new PublishStream());
  PrepareContext(options, &stream->context_);
  stream->on_context_ = options.on_context;
  stream->writer_ = stub.PublishModel(&stream->context_, &stream->response_);
  return stream;
}

PublishStream::~PublishStream() {
  if (!done_) Cancel();
  if (on_context_) on_context_(nullptr);
}

absl::Status PublishStream::Write(const nbo::v1::PublishModelRequest& message) {
  // A failed write means the server has ended the call; Finish() says why.
  if (!writer_->Write(message)) return Broken();
  bytes_sent_ += message.ByteSizeLong();
  return absl::OkStatus();
}

absl::StatusOr<nbo::v1::PublishModelResponse> PublishStream::Finish() {
  if (!writer_->WritesDone()) return Broken();
  done_ = true;
  NBO_RETURN_IF_ERROR(FromGrpcStatus(writer_->Finish()));
  return std::move(response_);
}

void PublishStream::Cancel() {
  done_ = true;
  context_.TryCancel();
  // The status is the cancellation's own; the caller knows why it cancelled.
  const grpc::Status ignored = writer_->Finish();
  (void)ignored;
}

absl::Status PublishStream::Broken() {
  done_ = true;
  const grpc::Status status = writer_->Finish();
  if (status.ok()) {
    return absl::UnavailableError(
        "nbo-server closed the publish stream before the commit");
  }
  return FromGrpcStatus(status);
}

absl::StatusOr<nbo::v1::PublishModelResponse> PublishModel(
    nbo::v1::ModelService::Stub& stub,
    const std::vector<nbo::v1::PublishModelRequest>& messages,
    const StreamCallOptions& options) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<PublishStream> stream,
                       PublishStream::Start(stub, options));
  for (const nbo::v1::PublishModelRequest& message : messages) {
    NBO_RETURN_IF_ERROR(stream->Write(message));
  }
  return stream->Finish();
}

absl::Status ExportModel(
    nbo::v1::ModelService::Stub& stub,
    const nbo::v1::ExportModelRequest& request,
    const StreamCallOptions& options,
    const std::function<absl::Status(nbo::v1::PublishModelRequest&)>&
        on_message) {
  grpc::ClientContext context;
  PrepareContext(options, &context);
  // Runs before `context` is destroyed (declared after it).
  const absl::Cleanup forget_context = [&options] {
    if (options.on_context) options.on_context(nullptr);
  };
  std::unique_ptr<grpc::ClientReader<nbo::v1::PublishModelRequest>> reader =
      stub.ExportModel(&context, request);
  nbo::v1::PublishModelRequest message;
  bool first = true;
  bool last_was_commit = false;
  absl::Status handled;
  while (handled.ok() && reader->Read(&message)) {
    if (first && !message.has_header()) {
      handled = absl::FailedPreconditionError(
          "the export did not start with a header");
      break;
    }
    first = false;
    last_was_commit = message.has_commit();
    handled = on_message(message);
    message.Clear();
  }
  if (!handled.ok()) {
    context.TryCancel();
    const grpc::Status ignored = reader->Finish();
    (void)ignored;
    return handled;
  }
  NBO_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  if (!last_was_commit) {
    return absl::FailedPreconditionError(
        "the export did not end with a commit");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<nbo::v1::PublishModelRequest>> ExportModelMessages(
    nbo::v1::ModelService::Stub& stub,
    const nbo::v1::ExportModelRequest& request,
    const StreamCallOptions& options) {
  std::vector<nbo::v1::PublishModelRequest> messages;
  NBO_RETURN_IF_ERROR(ExportModel(stub, request, options,
                                  [&messages](nbo::v1::PublishModelRequest& m) {
                                    messages.push_back(std::move(m));
                                    return absl::OkStatus();
                                  }));
  return messages;
}

}  // namespace nbo::services
