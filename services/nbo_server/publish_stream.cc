// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/publish_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace nbo::server {

PublishStream::PublishStream(serving::ModelManager* manager,
                             store::ModelStore* store,
                             serving::CatalogRegistry* catalogs,
                             ServerMetrics* metrics,
                             const serving::PublishLimits& limits,
                             std::unique_ptr<ConcurrencyLimit::Permit> permit)
    : metrics_(metrics),
      call_(metrics, Method::kPublishModel),
      permit_(std::move(permit)),
      publish_(manager, store, catalogs, limits) {}

absl::Status PublishStream::Apply(const nbo::v1::PublishModelRequest& message,
                                  int64_t /*index*/) {
  const absl::Status added = publish_.Add(message);
  ++messages_;
  metrics_->RecordPublishBytes(publish_.bytes_received() - bytes_recorded_);
  bytes_recorded_ = publish_.bytes_received();
  return added;
}

absl::StatusOr<grpc::ByteBuffer> PublishStream::OnEnd(int64_t /*messages*/) {
  absl::StatusOr<nbo::v1::PublishModelResponse> done = publish_.Finish();
  if (!done.ok()) return done.status();
  return SerializeResponse(*done);
}

absl::Status PublishStream::OnAbort(absl::Status why) {
  publish_.Abandon();
  const absl::string_view cause =
      why.code() == absl::StatusCode::kAborted
          ? "publish idle timeout (--publish_idle_timeout): "
          : "";
  return absl::Status(
      why.code(),
      absl::StrCat(cause, why.message(), "; nothing was published (", messages_,
                   " messages, ", bytes_recorded_,
                   " bytes received before it)"));
}

void PublishStream::OnFinish(const grpc::Status& status) { call_.Done(status); }

}  // namespace nbo::server
