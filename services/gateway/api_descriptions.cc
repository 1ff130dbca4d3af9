// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/api_descriptions.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"

namespace nbo {
// proto/nbo_api_descriptor_set.cc, generated.
extern const unsigned char kApiDescriptorSet[];
extern const unsigned long kApiDescriptorSet_size;
}  // namespace nbo

namespace nbo::gateway {

absl::StatusOr<std::unique_ptr<google::protobuf::DescriptorPool>>
DescribedApiPool() {
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(kApiDescriptorSet,
                          static_cast<int>(kApiDescriptorSet_size))) {
    return absl::InternalError(
        "the embedded API descriptor set does not parse");
  }
  auto pool = std::make_unique<google::protobuf::DescriptorPool>();
  // --include_imports lists every file after the files it imports.
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    if (pool->BuildFile(file) == nullptr) {
      return absl::InternalError(absl::StrCat("the embedded descriptor of ",
                                              file.name(), " does not build"));
    }
  }
  return pool;
}

}  // namespace nbo::gateway
