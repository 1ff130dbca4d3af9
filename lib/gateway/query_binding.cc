// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/query_binding.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/gateway/field_path.h"
#include "lib/gateway/field_value.h"
#include "lib/gateway/query_string.h"

namespace nbo::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

class QueryBinder {
 public:
  QueryBinder(const Route& route, bool strict, Message* request)
      : route_(route), strict_(strict), request_(request) {}

  // `key` and `value` are percent-decoded.
  absl::Status Bind(const std::string& key, const std::string& value) {
    const std::string subject =
        absl::StrCat("query parameter ", common::QuoteForError(key));
    absl::StatusOr<FieldPath> fields =
        ResolveFieldPath(request_->GetDescriptor(), key, /*json_names=*/true);
    if (absl::IsNotFound(fields.status())) {
      if (!strict_) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat("unknown query parameter ", common::QuoteForError(key)));
    }
    if (!fields.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject, " ", fields.status().message()));
    }
    const std::string name = FieldPathName(*fields);
    const absl::string_view bound_by = FieldBinder(route_, name);
    if (!bound_by.empty()) {
      if (!strict_) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(
          subject, " sets ", name, ", which ", bound_by, " binds"));
    }
    NBO_RETURN_IF_ERROR(CheckLeaf(*fields, name, subject));
    Message* parent = MutableParent(request_, *fields);
    return SetFieldFromText(parent, fields->back(), value, subject);
  }

 private:
  absl::Status CheckLeaf(const FieldPath& fields, const std::string& name,
                         absl::string_view subject) {
    const FieldDescriptor* leaf = fields.back();
    if (leaf->is_map()) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject, " names a map field"));
    }
    if (!IsTextField(leaf)) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject, " names a message field; set its fields (",
                       name, ".<field>=...)"));
    }
    if (!leaf->is_repeated() && !singular_set_.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject, " is repeated, but ", name, " is singular"));
    }
    const google::protobuf::OneofDescriptor* oneof =
        leaf->real_containing_oneof();
    if (oneof == nullptr) return absl::OkStatus();
    const Message* parent = FindParent(*request_, fields);
    if (parent == nullptr) return absl::OkStatus();
    const FieldDescriptor* set =
        parent->GetReflection()->GetOneofFieldDescriptor(*parent, oneof);
    if (set != nullptr && set != leaf) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject, " sets ", leaf->name(), ", but ", set->name(),
                       " of the same oneof is already set"));
    }
    return absl::OkStatus();
  }

  const Route& route_;
  const bool strict_;
  Message* const request_;
  // Singular fields the query set, by proto name path.
  absl::flat_hash_set<std::string> singular_set_;
};

}  // namespace

bool BodyBinds(const Route& route, absl::string_view field_path) {
  if (route.body == "*") return true;
  return !route.body.empty() && absl::ConsumePrefix(&field_path, route.body) &&
         (field_path.empty() || field_path[0] == '.');
}

absl::string_view FieldBinder(const Route& route,
                              absl::string_view field_path) {
  for (const std::string& path_field : route.path_fields) {
    if (path_field == field_path) return "the path";
  }
  return BodyBinds(route, field_path) ? "the body" : "";
}

absl::Status BindQuery(const Route& route, absl::string_view query, bool strict,
                       Message* request) {
  QueryBinder binder(route, strict, request);
  NBO_ASSIGN_OR_RETURN(std::vector<QueryParameter> parameters,
                       ParseQueryString(query));
  for (const QueryParameter& p : parameters) {
    NBO_RETURN_IF_ERROR(binder.Bind(p.name, p.value));
  }
  return absl::OkStatus();
}

}  // namespace nbo::gateway
