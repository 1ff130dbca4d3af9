// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Dotted field paths ("model.version") over protobuf messages, and the
// request messages they are set in: the reflection helpers the route
// table, query binding and body transcoding share. Stateless.

#ifndef NBO_LIB_GATEWAY_FIELD_PATH_H_
#define NBO_LIB_GATEWAY_FIELD_PATH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace nbo::gateway {

using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

// A new, empty message of `type`: the generated class when `type` comes
// from the generated pool, otherwise a dynamic message (whose factory lives
// as long as the process).
std::unique_ptr<google::protobuf::Message> NewMessage(
    const google::protobuf::Descriptor* type);

// The same on `arena`, which owns it.
google::protobuf::Message* NewMessageOn(
    const google::protobuf::Descriptor* type, google::protobuf::Arena* arena);

// The fields `path` names from `type`, one per dotted component. Each
// component is a proto name ("num_offers") or, with `json_names`, also a
// JSON name ("numOffers"). NOT_FOUND if a component names no field;
// INVALID_ARGUMENT if a component other than the last is not a singular
// message field. Messages read "has no field 'x'" and "goes through
// repeated field 'a'", to follow the caller's subject.
absl::StatusOr<FieldPath> ResolveFieldPath(
    const google::protobuf::Descriptor* type, absl::string_view path,
    bool json_names);

// "a.b" with proto names.
std::string FieldPathName(const FieldPath& path);

// The message that holds the last field of `path` inside `root`, creating
// the messages on the way. REQUIRES: path resolved from root's type.
google::protobuf::Message* MutableParent(google::protobuf::Message* root,
                                         const FieldPath& path);

// Like MutableParent, but null if a message on the way is not set.
const google::protobuf::Message* FindParent(
    const google::protobuf::Message& root, const FieldPath& path);

// The first string field of `message` (depth first, into set messages,
// repeated fields and maps) that is not valid UTF-8, as "a.b"; "" if all
// are valid.
std::string FindInvalidUtf8(const google::protobuf::Message& message);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_FIELD_PATH_H_
