// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The public API's descriptors with their proto comments, from the
// descriptor set embedded at build time (proto/CMakeLists.txt). The
// generated pool the gateway routes with has no comments; the OpenAPI
// document is generated from this pool instead, so that every operation,
// schema and field carries its proto comment as its description.

#ifndef NBO_SERVICES_GATEWAY_API_DESCRIPTIONS_H_
#define NBO_SERVICES_GATEWAY_API_DESCRIPTIONS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

namespace nbo::gateway {

// A new pool holding the embedded files. INTERNAL if the embedded bytes do
// not parse or a file does not build (a build defect).
absl::StatusOr<std::unique_ptr<google::protobuf::DescriptorPool>>
DescribedApiPool();

}  // namespace nbo::gateway

#endif  // NBO_SERVICES_GATEWAY_API_DESCRIPTIONS_H_
