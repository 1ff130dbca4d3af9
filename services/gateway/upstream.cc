// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/upstream.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_callback.h"
#include "services/common/grpc_status.h"

namespace nbo::gateway {
namespace {

constexpr char kTrainerService[] = "nbo.v1.TrainerService";
constexpr char kNboService[] = "nbo.v1.NBOService";

grpc::ByteBuffer ToByteBuffer(std::string bytes) {
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

void Prepare(const CallOptions& options, grpc::ClientContext* context) {
  if (options.deadline != absl::InfiniteFuture()) {
    context->set_deadline(absl::ToChronoTime(options.deadline));
  }
  for (const auto& [key, value] : options.metadata) {
    context->AddMetadata(key, value);
  }
}

absl::Status NotConfigured(const std::string& service) {
  return absl::UnavailableError(
      absl::StrCat(service,
                   " is not configured on this gateway: start nbo-gateway with "
                   "--trainer_upstream=dns:///HOST:PORT"));
}

// A unary call, sent over one channel and, when that one had no server to
// send it to, once more over `fallback`: the serving channel's view of
// health can turn from READY to none between ChannelFor and the pick (the
// last SERVING replica starts draining), and the plain channel still reaches
// a replica that answers. Owns itself until `done` has run.
class UnaryCall : public UpstreamCall,
                  public std::enable_shared_from_this<UnaryCall> {
 public:
  UnaryCall(std::string grpc_path, std::string request, CallOptions options,
            std::function<void(absl::Status, std::string)> done)
      : grpc_path_(std::move(grpc_path)),
        request_(std::move(request)),
        options_(std::move(options)),
        done_(std::move(done)) {}

  // Sends the call over `channel`; over `fallback` (which may be null) as
  // well if it fails UNAVAILABLE while `channel` is not READY.
  void Start(grpc::Channel* channel, grpc::Channel* fallback) {
    channel_ = channel;
    fallback_ = fallback;
    Send(channel, &first_);
  }

  void Cancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (current_ != nullptr) current_->context.TryCancel();
  }

 private:
  // One attempt's context and buffers; each lives as long as the call.
  struct Attempt {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
  };

  void Send(grpc::Channel* channel, Attempt* attempt) {
    Prepare(options_, &attempt->context);
    attempt->request = ToByteBuffer(request_);
    {
      absl::MutexLock lock(&mu_);
      current_ = attempt;
      if (cancelled_) attempt->context.TryCancel();
    }
    grpc::GenericStub stub(channel->shared_from_this());
    stub.UnaryCall(&attempt->context, grpc_path_, grpc::StubOptions(),
                   &attempt->request, &attempt->response,
                   [self = shared_from_this(), attempt](grpc::Status status) {
                     self->OnDone(attempt, status);
                   });
  }

  void OnDone(Attempt* attempt, const grpc::Status& status) {
    if (attempt == &first_ && fallback_ != nullptr &&
        status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        channel_->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) {
      Send(fallback_, &second_);
      return;
    }
    absl::Status s = services::FromGrpcStatus(status);
    done_(s, s.ok() ? ToString(attempt->response) : std::string());
  }

  const std::string grpc_path_;
  const std::string request_;
  const CallOptions options_;
  const std::function<void(absl::Status, std::string)> done_;
  grpc::Channel* channel_ = nullptr;
  grpc::Channel* fallback_ = nullptr;
  Attempt first_;
  Attempt second_;
  absl::Mutex mu_;
  Attempt* current_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// A server stream over the generic bidi call: writes the one request, then
// reads a message each time the consumer asks for the next. Owns itself
// from Start() until OnDone.
class StreamCall
    : public UpstreamCall,
      public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(
      std::function<void(std::string, std::function<void(bool)>)> on_message,
      std::function<void(absl::Status)> done)
      : on_message_(std::move(on_message)), done_(std::move(done)) {}

  void Start(std::shared_ptr<StreamCall> self, grpc::GenericStub* stub,
             const std::string& grpc_path, std::string request,
             const CallOptions& options) {
    self_ = std::move(self);
    Prepare(options, &context_);
    request_ = ToByteBuffer(std::move(request));
    stub->PrepareBidiStreamingCall(&context_, grpc_path, grpc::StubOptions(),
                                   this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&message_);
    StartCall();
  }

  void Cancel() override { context_.TryCancel(); }

  // The hold keeps OnDone (and this object's end) from coming while the
  // consumer still has `next` to call, e.g. when the deadline expires
  // between two messages.
  void OnReadDone(bool ok) override {
    if (!ok) return;  // The stream ended; OnDone follows.
    AddHold();
    on_message_(ToString(message_), [this](bool more) {
      if (more) {
        StartRead(&message_);
      } else {
        context_.TryCancel();
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& status) override {
    done_(services::FromGrpcStatus(status));
    self_.reset();  // May destroy this.
  }

 private:
  std::function<void(std::string, std::function<void(bool)>)> on_message_;
  std::function<void(absl::Status)> done_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer message_;
  std::shared_ptr<StreamCall> self_;
};

// A call that never started: nothing to cancel.
class NoCall : public UpstreamCall {
 public:
  void Cancel() override {}
};

}  // namespace

Upstream::Upstream(std::shared_ptr<grpc::Channel> main,
                   std::shared_ptr<grpc::Channel> trainer,
                   std::shared_ptr<grpc::Channel> serving)
    : main_(std::move(main)),
      trainer_(std::move(trainer)),
      serving_(std::move(serving)) {}

Upstream::~Upstream() = default;

grpc::Channel* Upstream::ChannelFor(const std::string& service) const {
  if (service == kTrainerService) return trainer_.get();
  // Only while the serving channel has a SERVING replica to send to. With
  // none (the only replica draining, none with a model yet, or not known
  // yet: the channel connects on first use), any replica's own answer is
  // better than failing at once: a draining one still serves, an empty one
  // says why it cannot.
  if (service == kNboService && serving_ != nullptr &&
      serving_->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY) {
    return serving_.get();
  }
  return main_.get();
}

std::shared_ptr<UpstreamCall> Upstream::Unary(
    const std::string& service, const std::string& grpc_path,
    std::string request, const CallOptions& options,
    std::function<void(absl::Status, std::string)> done) {
  grpc::Channel* channel = ChannelFor(service);
  if (channel == nullptr) {
    done(NotConfigured(service), std::string());
    return std::make_shared<NoCall>();
  }
  auto call = std::make_shared<UnaryCall>(grpc_path, std::move(request),
                                          options, std::move(done));
  call->Start(channel, channel == serving_.get() ? main_.get() : nullptr);
  return call;
}

std::shared_ptr<UpstreamCall> Upstream::ServerStream(
    const std::string& service, const std::string& grpc_path,
    std::string request, const CallOptions& options,
    std::function<void(std::string, std::function<void(bool)>)> on_message,
    std::function<void(absl::Status)> done) {
  grpc::Channel* channel = ChannelFor(service);
  if (channel == nullptr) {
    done(NotConfigured(service));
    return std::make_shared<NoCall>();
  }
  auto call =
      std::make_shared<StreamCall>(std::move(on_message), std::move(done));
  grpc::GenericStub stub(channel->shared_from_this());
  call->Start(call, &stub, grpc_path, std::move(request), options);
  return call;
}

void Upstream::CheckHealth(absl::Duration timeout,
                           std::function<void(bool)> done) {
  // The serving channel is READY exactly while some replica's health is
  // SERVING: with several replicas one Check over round robin would land on
  // a draining or bootstrapping one now and then, and the gateway would
  // flap out of its Service.
  if (serving_ != nullptr &&
      serving_->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY) {
    done(true);
    return;
  }
  // Not connected yet (it connects on first use), or no replica SERVING:
  // ask one.
  CallOptions options;
  options.deadline = absl::Now() + timeout;
  grpc::health::v1::HealthCheckRequest request;  // service "": the server
  Unary("grpc.health.v1.Health", "/grpc.health.v1.Health/Check",
        request.SerializeAsString(), options,
        [done = std::move(done)](absl::Status status, std::string bytes) {
          grpc::health::v1::HealthCheckResponse response;
          done(status.ok() && response.ParseFromString(bytes) &&
               response.status() ==
                   grpc::health::v1::HealthCheckResponse::SERVING);
        });
}

}  // namespace nbo::gateway
