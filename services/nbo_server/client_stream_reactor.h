// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Client streams on gRPC's raw callback API. gRPC's typed C++ API reports a
// message that does not parse as the end of the stream, so a corrupt message
// would end the call as if the client had finished: the messages after it
// silently dropped, and the call answered OK. Read as bytes, each message is
// parsed here, and a corrupt one fails the call with INVALID_ARGUMENT naming
// its index.

#ifndef NBO_SERVICES_NBO_SERVER_CLIENT_STREAM_REACTOR_H_
#define NBO_SERVICES_NBO_SERVER_CLIENT_STREAM_REACTOR_H_

#include <cstdint>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "grpcpp/support/server_callback.h"

namespace nbo::server {

// What one client stream does with its messages. Every method runs on the
// stream's own worker thread (never on gRPC's callback threads, so it may
// block on disk), one at a time, in stream order.
class ClientStreamHandler {
 public:
  virtual ~ClientStreamHandler() = default;

  // Applies message `index` (0-based), which `message` holds serialized; it
  // may consume `message`. A non-OK status ends the call with that status.
  virtual absl::Status OnMessage(grpc::ByteBuffer* message, int64_t index) = 0;

  // The client closed its side after `messages` messages: the serialized
  // response, or the status the call fails with.
  virtual absl::StatusOr<grpc::ByteBuffer> OnEnd(int64_t messages) = 0;

  // The call ends before the client closed its side: `why` is CANCELLED (the
  // client cancelled, or the server is shutting down) or ABORTED (no message
  // within the idle timeout). Undoes what must not outlive the call and
  // returns the status the client is sent.
  virtual absl::Status OnAbort(absl::Status why) = 0;

  // The call's final status, just before it is sent. Default: nothing.
  virtual void OnFinish(const grpc::Status& /*status*/) {}
};

// A ClientStreamHandler for streams of `Request` messages: parses each one
// and hands it to Apply(); a message that does not parse goes to OnAbort as
// INVALID_ARGUMENT "message <index> of the stream is not a valid <type>".
template <typename Request>
class TypedClientStreamHandler : public ClientStreamHandler {
 public:
  // Applies message `index`; a non-OK status ends the call with it.
  virtual absl::Status Apply(const Request& message, int64_t index) = 0;

  absl::Status OnMessage(grpc::ByteBuffer* bytes, int64_t index) final {
    Request message;
    grpc::ProtoBufferReader reader(bytes);
    if (!message.ParseFromZeroCopyStream(&reader)) {
      return OnAbort(absl::InvalidArgumentError(
          absl::StrCat("message ", index, " of the stream is not a valid ",
                       Request::descriptor()->full_name())));
    }
    return Apply(message, index);
  }
};

// `message` serialized for a raw callback method's response.
template <typename Response>
absl::StatusOr<grpc::ByteBuffer> SerializeResponse(const Response& message) {
  grpc::ByteBuffer bytes;
  grpc::ProtoBufferWriter writer(&bytes,
                                 grpc::kProtoBufferWriterMaxBufferLength,
                                 static_cast<int>(message.ByteSizeLong()));
  if (!message.SerializeToZeroCopyStream(&writer)) {
    return absl::InternalError(
        absl::StrCat("cannot serialize ", Response::descriptor()->full_name()));
  }
  return bytes;
}

// Runs one client stream: sends the initial metadata at once (so that a
// client can tell an admitted stream from a refused one), reads each message
// as bytes and hands it to a
// ClientStreamHandler on a worker thread of its own, reading the next one
// only after the handler is done with it (so each message is applied before
// the next is read, and a slow disk slows the client down rather than
// queueing its messages in memory). Ends the call with the handler's answer,
// or OnAbort's when the client cancels or sends nothing for `idle_timeout`.
//
// Owns the handler and the worker; deletes itself once gRPC is done with the
// call. Thread-safe: gRPC's reactions and the worker share state under mu_.
class ClientStreamReactor final
    : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  // Starts the stream. `response` is the method's response buffer.
  // `idle_timeout` bounds the wait for each message (InfiniteDuration():
  // unbounded).
  // REQUIRES: handler != nullptr, idle_timeout > 0.
  static ClientStreamReactor* Start(
      grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
      std::unique_ptr<ClientStreamHandler> handler,
      absl::Duration idle_timeout);

  void OnReadDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_);
  void OnCancel() override ABSL_LOCKS_EXCLUDED(mu_);
  void OnDone() override;

 private:
  enum class ReadResult { kMessage, kEnd, kCancelled, kIdle };

  ClientStreamReactor(grpc::CallbackServerContext* context,
                      grpc::ByteBuffer* response,
                      std::unique_ptr<ClientStreamHandler> handler,
                      absl::Duration idle_timeout);

  // The worker: serves the stream, then finishes the call.
  void Run();
  // Reads and applies messages until the stream ends; the call's status.
  absl::Status Serve();
  // Starts a read into incoming_ and waits for it (at most idle_timeout_).
  ReadResult Read() ABSL_LOCKS_EXCLUDED(mu_);

  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  std::unique_ptr<ClientStreamHandler> handler_;
  const absl::Duration idle_timeout_;
  // Filled by gRPC during a read; read by the worker once it has completed.
  grpc::ByteBuffer incoming_;
  std::thread worker_;

  absl::Mutex mu_;
  bool read_done_ ABSL_GUARDED_BY(mu_) = false;
  bool read_ok_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// A reactor that ends the call with `status` without reading anything (an
// unauthenticated caller, a limit reached).
// REQUIRES: !status.ok().
grpc::ServerReadReactor<grpc::ByteBuffer>* RejectClientStream(
    grpc::Status status);

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_CLIENT_STREAM_REACTOR_H_
