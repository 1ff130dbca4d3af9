// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The gateway's one gRPC client: calls any method by its path with
// serialized bytes through grpc::GenericStub, so no stub per service is
// needed. NBOService, ModelService and IngestService go to the main
// upstream (every nbo-server replica the name resolves to, round robin);
// TrainerService to the trainer upstream, if one is configured. NBOService
// may have a channel of its own to the same servers, one that balances over
// the SERVING replicas only and retries its reads (see main.cc).
//
// Thread-safe. Calls complete on gRPC's threads; an UpstreamCall may be
// cancelled from any thread.

#ifndef NBO_SERVICES_GATEWAY_UPSTREAM_H_
#define NBO_SERVICES_GATEWAY_UPSTREAM_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace nbo::gateway {

// What a call carries besides its request.
struct CallOptions {
  absl::Time deadline = absl::InfiniteFuture();
  // gRPC metadata (lower-case keys): authorization, x-request-id, and the
  // client's Grpc-Metadata-* headers.
  std::vector<std::pair<std::string, std::string>> metadata;
};

// A call in progress. Cancel() ends it with CANCELLED (its callbacks still
// run once); destroying the handle does not cancel it.
class UpstreamCall {
 public:
  virtual ~UpstreamCall() = default;
  virtual void Cancel() = 0;
};

class Upstream {
 public:
  // `main` and `trainer` are channels; `trainer` may be null (TrainerService
  // then answers UNAVAILABLE saying how to configure it). NBOService calls
  // go over `serving` while it has a SERVING replica to send them to (gRPC's
  // READY), else over `main`; a unary one that `serving` fails UNAVAILABLE
  // once it is no longer READY is sent again over `main`.
  Upstream(std::shared_ptr<grpc::Channel> main,
           std::shared_ptr<grpc::Channel> trainer,
           std::shared_ptr<grpc::Channel> serving = nullptr);

  // Calls the unary method `grpc_path` ("/nbo.v1.NBOService/Recommend") of
  // `service` ("nbo.v1.NBOService"). `done` gets the status and, if OK, the
  // serialized response.
  std::shared_ptr<UpstreamCall> Unary(
      const std::string& service, const std::string& grpc_path,
      std::string request, const CallOptions& options,
      std::function<void(absl::Status, std::string)> done);

  // Calls a server-streaming method. `on_message` gets each serialized
  // response and `next`, which must be called exactly once: next(true) when
  // ready for the next message (flow control: nothing more is read until
  // then), next(false) to give up (the call is cancelled). `done` runs last,
  // once, and not before `next` has been called for every message.
  std::shared_ptr<UpstreamCall> ServerStream(
      const std::string& service, const std::string& grpc_path,
      std::string request, const CallOptions& options,
      std::function<void(std::string message,
                         std::function<void(bool more)> next)>
          on_message,
      std::function<void(absl::Status)> done);

  // Whether some replica serves (true if the health-checked serving channel
  // is READY, else the gRPC health "" of one replica of the main channel is
  // SERVING), within `timeout`.
  void CheckHealth(absl::Duration timeout, std::function<void(bool)> done);

  ~Upstream();
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

 private:
  // The channel for `service`; null if none is configured.
  grpc::Channel* ChannelFor(const std::string& service) const;

  std::shared_ptr<grpc::Channel> main_;
  std::shared_ptr<grpc::Channel> trainer_;
  std::shared_ptr<grpc::Channel> serving_;
};

}  // namespace nbo::gateway

#endif  // NBO_SERVICES_GATEWAY_UPSTREAM_H_
