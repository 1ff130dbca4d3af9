// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The client side of ModelService's two streams, once for every caller
// (nboctl publish, nbo-trainer, the bench, tests): PublishModel, a client
// stream of header, item chunks, customer chunks and commit; and ExportModel,
// the server stream of the same messages.
//
//   NBO_ASSIGN_OR_RETURN(auto stream, PublishStream::Start(*stub, options));
//   for (const auto& message : messages) {
//     NBO_RETURN_IF_ERROR(stream->Write(message));
//   }
//   NBO_ASSIGN_OR_RETURN(v1::PublishModelResponse response, stream->Finish());

#ifndef NBO_SERVICES_COMMON_MODEL_STREAM_CLIENT_H_
#define NBO_SERVICES_COMMON_MODEL_STREAM_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "nbo/v1/model_service.grpc.pb.h"

namespace nbo::services {

struct StreamCallOptions {
  // Deadline of the whole call, from its start; absl::InfiniteDuration()
  // for none.
  // Default: 10 minutes (a large model over a slow link).
  absl::Duration timeout = absl::Minutes(10);

  // Sent as "authorization: Bearer <token>" on this call when non-empty; for
  // stubs whose channel carries no token (see ClientOptions::bearer_token).
  // Default: "".
  std::string bearer_token;

  // Called with the call's context as the call starts, on the calling
  // thread, for a caller that may have to cancel the call from another
  // thread (ClientContext::TryCancel is thread-safe); called again with
  // nullptr before the context is destroyed (as ExportModel returns, or as
  // the PublishStream is destroyed), so the caller never cancels a freed
  // one.
  // Default: none.
  std::function<void(grpc::ClientContext*)> on_context;
};

// One ModelService.PublishModel call, written message by message, so that a
// caller can produce a model larger than memory while it streams.
//
// Not thread-safe: one thread writes and finishes.
class PublishStream {
 public:
  // Starts the call on `stub`, which must outlive the stream. Never fails
  // today; a StatusOr so that it may validate options later.
  static absl::StatusOr<std::unique_ptr<PublishStream>> Start(
      nbo::v1::ModelService::Stub& stub, const StreamCallOptions& options);

  PublishStream(const PublishStream&) = delete;
  PublishStream& operator=(const PublishStream&) = delete;
  ~PublishStream();

  // Sends `message`. Once the server has ended the call (it refused the
  // model, the token or the deadline passed), returns the call's status and
  // the stream is over: UNAVAILABLE when the server ended it with OK before
  // the commit.
  // REQUIRES: Finish() and Cancel() have not been called.
  absl::Status Write(const nbo::v1::PublishModelRequest& message);

  // Half-closes and waits for the server's answer, which comes once the
  // version is AVAILABLE or FAILED (a FAILED load is still an OK call).
  // Returns the answer, or the call's status.
  // REQUIRES: Finish() and Cancel() have not been called.
  absl::StatusOr<nbo::v1::PublishModelResponse> Finish();

  // Abandons the call, for an error on the caller's side: the server
  // discards what it has received.
  // REQUIRES: Finish() and Cancel() have not been called.
  void Cancel();

  // Serialized bytes of the messages written so far.
  uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  PublishStream() = default;

  // Finishes a call the server has ended and says why.
  absl::Status Broken();

  grpc::ClientContext context_;
  // StreamCallOptions::on_context, told when context_ goes.
  std::function<void(grpc::ClientContext*)> on_context_;
  nbo::v1::PublishModelResponse response_;
  std::unique_ptr<grpc::ClientWriter<nbo::v1::PublishModelRequest>> writer_;
  bool done_ = false;
  uint64_t bytes_sent_ = 0;
};

// Sends `messages` as one PublishModel call and returns the server's answer
// or the call's status (see PublishStream).
absl::StatusOr<nbo::v1::PublishModelResponse> PublishModel(
    nbo::v1::ModelService::Stub& stub,
    const std::vector<nbo::v1::PublishModelRequest>& messages,
    const StreamCallOptions& options);

// Streams ModelService.ExportModel(request), handing each message to
// `on_message` in order (it may move from it). Returns OK once a whole
// version has arrived; the call's status when it fails; `on_message`'s first
// error (the call is then cancelled); FAILED_PRECONDITION when the stream
// does not start with a header or does not end with a commit.
absl::Status ExportModel(
    nbo::v1::ModelService::Stub& stub,
    const nbo::v1::ExportModelRequest& request,
    const StreamCallOptions& options,
    const std::function<absl::Status(nbo::v1::PublishModelRequest&)>&
        on_message);

// The whole exported version in memory, header first and commit last; the
// errors of ExportModel above.
absl::StatusOr<std::vector<nbo::v1::PublishModelRequest>> ExportModelMessages(
    nbo::v1::ModelService::Stub& stub,
    const nbo::v1::ExportModelRequest& request,
    const StreamCallOptions& options);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_MODEL_STREAM_CLIENT_H_
