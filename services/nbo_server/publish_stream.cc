// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/publish_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/serving/names.h"

namespace nbo::server {

PublishStream::PublishStream(serving::ModelManager* manager,
                             store::ModelStore* store,
                             serving::CatalogRegistry* catalogs,
                             ServerMetrics* metrics,
                             const serving::PublishLimits& limits,
                             std::unique_ptr<ConcurrencyLimit::Permit> permit)
    : manager_(manager),
      catalogs_(catalogs),
      metrics_(metrics),
      call_(metrics, Method::kPublishModel),
      permit_(std::move(permit)),
      session_(
          std::make_unique<serving::PublishSession>(manager, store, limits)) {}

absl::Status PublishStream::Apply(const nbo::v1::PublishModelRequest& message,
                                  int64_t /*index*/) {
  if (message.has_header()) {
    for (const nbo::v1::Product& product : message.header().catalog()) {
      // The rules are checked now, so a bad catalog fails the publish
      // before any factor is written.
      absl::Status rules = serving::ToProductRule(product).status();
      if (rules.ok()) {
        rules = serving::ContactPolicyOf(product, decision::ContactPolicy{})
                    .status();
      }
      if (!rules.ok()) return rules;
    }
    header_ = message.header();
    header_.clear_popularity();
  }
  const absl::Status added = session_->Add(message);
  ++messages_;
  metrics_->RecordPublishBytes(session_->bytes_received() - bytes_recorded_);
  bytes_recorded_ = session_->bytes_received();
  return added;
}

absl::StatusOr<grpc::ByteBuffer> PublishStream::OnEnd(int64_t /*messages*/) {
  // The catalog goes first, so that the version serves with its products'
  // rules from its first request. Should the commit fail, the catalog only
  // lists products no version scores yet, which offers nothing.
  if (!header_.catalog().empty()) {
    const absl::Status applied = catalogs_->ApplyPublishedCatalog(
        manager_->ResolveName(header_.model_name()), header_.catalog());
    if (!applied.ok()) return applied;
  }
  absl::StatusOr<nbo::v1::PublishModelResponse> done = session_->Finish();
  if (!done.ok()) return done.status();
  return SerializeResponse(*done);
}

absl::Status PublishStream::OnAbort(absl::Status why) {
  session_.reset();
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
