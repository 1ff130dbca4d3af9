// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/field_path.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/dynamic_message.h"
#include "lib/common/quote.h"
#include "lib/gateway/json_text.h"

namespace nbo::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const FieldDescriptor* FindField(const Descriptor* type, absl::string_view name,
                                 bool json_names) {
  const std::string key(name);
  if (const FieldDescriptor* field = type->FindFieldByName(key)) return field;
  if (!json_names) return nullptr;
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == key) return type->field(i);
  }
  return nullptr;
}

std::string Join(absl::string_view prefix, absl::string_view name) {
  return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
}

std::string FindInvalidUtf8In(const Message& message,
                              absl::string_view prefix) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  std::string scratch;
  for (const FieldDescriptor* field : fields) {
    const std::string name = Join(prefix, field->name());
    const int count =
        field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      if (field->type() == FieldDescriptor::TYPE_STRING) {
        const std::string& value =
            field->is_repeated()
                ? reflection->GetRepeatedStringReference(message, field, i,
                                                         &scratch)
                : reflection->GetStringReference(message, field, &scratch);
        if (!IsValidUtf8(value)) return name;
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const Message& child =
            field->is_repeated()
                ? reflection->GetRepeatedMessage(message, field, i)
                : reflection->GetMessage(message, field);
        std::string found = FindInvalidUtf8In(child, name);
        if (!found.empty()) return found;
      }
    }
  }
  return "";
}

const Message* Prototype(const Descriptor* type) {
  if (type->file()->pool() == DescriptorPool::generated_pool()) {
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            type);
    if (prototype != nullptr) return prototype;
  }
  // GetPrototype is thread-safe; the factory must outlive every message.
  static auto* const factory = new google::protobuf::DynamicMessageFactory();
  return factory->GetPrototype(type);
}

}  // namespace

std::unique_ptr<Message> NewMessage(const Descriptor* type) {
  return std::unique_ptr<Message>(Prototype(type)->New());
}

Message* NewMessageOn(const Descriptor* type, google::protobuf::Arena* arena) {
  return Prototype(type)->New(arena);
}

absl::StatusOr<FieldPath> ResolveFieldPath(const Descriptor* type,
                                           absl::string_view path,
                                           bool json_names) {
  FieldPath fields;
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (!fields.empty()) {
      const FieldDescriptor* last = fields.back();
      if (last->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return absl::NotFoundError(
            absl::StrCat("has no field ", common::QuoteForError(name), " (",
                         last->name(), " is not a message)"));
      }
      if (last->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat("goes through repeated field ", last->name()));
      }
      type = last->message_type();
    }
    const FieldDescriptor* field = FindField(type, name, json_names);
    if (field == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("has no field ", common::QuoteForError(name)));
    }
    fields.push_back(field);
  }
  return fields;
}

std::string FieldPathName(const FieldPath& path) {
  return absl::StrJoin(path, ".",
                       [](std::string* out, const FieldDescriptor* field) {
                         out->append(field->name());
                       });
}

Message* MutableParent(Message* root, const FieldPath& path) {
  Message* message = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, path[i]);
  }
  return message;
}

const Message* FindParent(const Message& root, const FieldPath& path) {
  const Message* message = &root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const Reflection* reflection = message->GetReflection();
    if (!reflection->HasField(*message, path[i])) return nullptr;
    message = &reflection->GetMessage(*message, path[i]);
  }
  return message;
}

std::string FindInvalidUtf8(const Message& message) {
  return FindInvalidUtf8In(message, "");
}

}  // namespace nbo::gateway
