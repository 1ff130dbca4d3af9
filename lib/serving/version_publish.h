// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_SERVING_VERSION_PUBLISH_H_
#define NBO_LIB_SERVING_VERSION_PUBLISH_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "lib/serving/catalog_registry.h"
#include "lib/serving/model_manager.h"
#include "lib/serving/publish_session.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::serving {

// One version published with its catalog: a PublishSession, plus the
// header's catalog, whose rules are checked when the header arrives (so a
// bad catalog fails the publish before any factor is written) and which is
// applied to the CatalogRegistry just before the commit. Every way a
// version enters a server goes through it: the PublishModel RPC and a new
// replica's bootstrap from a peer, so both get the same validation,
// checksums and commit.
//
// Not thread-safe: the stream that owns it drives it. The pointers are not
// owned and must outlive it.
class VersionPublish {
 public:
  VersionPublish(ModelManager* manager, store::ModelStore* store,
                 CatalogRegistry* catalogs, const PublishLimits& limits);
  // Deletes the partial version unless Finish() committed it.
  ~VersionPublish();
  VersionPublish(const VersionPublish&) = delete;
  VersionPublish& operator=(const VersionPublish&) = delete;

  // PublishSession::Add's codes, and INVALID_ARGUMENT for a header's
  // catalog product whose rules are malformed.
  absl::Status Add(const nbo::v1::PublishModelRequest& message);

  // Applies the header's catalog (when it has one), then
  // PublishSession::Finish: the version's state, or its codes.
  absl::StatusOr<nbo::v1::PublishModelResponse> Finish();

  // Drops the partial version now rather than at destruction, so that its
  // version number is free again before the caller reports the failure.
  // REQUIRES: Finish() has not been called.
  void Abandon();

  // Serialized bytes received so far.
  uint64_t bytes_received() const { return bytes_received_; }

 private:
  ModelManager* const manager_;
  CatalogRegistry* const catalogs_;
  // Null once abandoned.
  std::unique_ptr<PublishSession> session_;
  std::string model_name_;
  google::protobuf::RepeatedPtrField<nbo::v1::Product> catalog_;
  uint64_t bytes_received_ = 0;
};

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_VERSION_PUBLISH_H_
