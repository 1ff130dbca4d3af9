// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/version_publish.h"

#include <utility>

#include "lib/common/status_macros.h"

namespace nbo::serving {

VersionPublish::VersionPublish(ModelManager* manager, store::ModelStore* store,
                               CatalogRegistry* catalogs,
                               const PublishLimits& limits)
    : manager_(manager),
      catalogs_(catalogs),
      session_(std::make_unique<PublishSession>(manager, store, limits)) {}

VersionPublish::~VersionPublish() = default;

absl::Status VersionPublish::Add(const nbo::v1::PublishModelRequest& message) {
  if (session_ == nullptr) {
    return absl::FailedPreconditionError("the publish was abandoned");
  }
  if (message.has_header()) {
    for (const nbo::v1::Product& product : message.header().catalog()) {
      NBO_RETURN_IF_ERROR(ToProductRule(product).status());
      NBO_RETURN_IF_ERROR(
          ContactPolicyOf(product, decision::ContactPolicy{}).status());
    }
    model_name_ = message.header().model_name();
    catalog_ = message.header().catalog();
  }
  const absl::Status added = session_->Add(message);
  bytes_received_ = session_->bytes_received();
  return added;
}

absl::StatusOr<nbo::v1::PublishModelResponse> VersionPublish::Finish() {
  if (session_ == nullptr) {
    return absl::FailedPreconditionError("the publish was abandoned");
  }
  // The catalog goes first, so that the version serves with its products'
  // rules from its first request. Should the commit fail, the catalog only
  // lists products no version scores yet, which offers nothing.
  if (!catalog_.empty()) {
    NBO_RETURN_IF_ERROR(catalogs_->ApplyPublishedCatalog(
        manager_->ResolveName(model_name_), catalog_));
  }
  return session_->Finish();
}

void VersionPublish::Abandon() { session_.reset(); }

}  // namespace nbo::serving
