// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/route_table.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/gateway/field_path.h"
#include "lib/gateway/path_template.h"

namespace nbo::gateway {
namespace {

using google::api::HttpRule;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

absl::Status MethodError(const MethodDescriptor* method,
                         absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("method ", method->full_name(), ": ", what));
}

// The rule's HTTP method and path template.
absl::Status RulePattern(const MethodDescriptor* method, const HttpRule& rule,
                         std::string* http_method, std::string* path) {
  switch (rule.pattern_case()) {
    case HttpRule::kGet:
      *http_method = "GET";
      *path = rule.get();
      break;
    case HttpRule::kPut:
      *http_method = "PUT";
      *path = rule.put();
      break;
    case HttpRule::kPost:
      *http_method = "POST";
      *path = rule.post();
      break;
    case HttpRule::kDelete:
      *http_method = "DELETE";
      *path = rule.delete_();
      break;
    case HttpRule::kPatch:
      *http_method = "PATCH";
      *path = rule.patch();
      break;
    case HttpRule::kCustom:
      if (rule.custom().kind().empty()) {
        return MethodError(method, "a custom rule has an empty kind");
      }
      *http_method = rule.custom().kind();
      *path = rule.custom().path();
      break;
    case HttpRule::PATTERN_NOT_SET:
      return MethodError(method, "an http rule has no pattern");
  }
  return absl::OkStatus();
}

// Checks that every variable names a singular scalar field of the request.
absl::Status CheckPathFields(const MethodDescriptor* method,
                             const PathTemplate& path_template,
                             std::vector<std::string>* path_fields) {
  for (const PathTemplate::Variable& variable : path_template.variables()) {
    const std::string subject =
        absl::StrCat("path variable ", variable.field_path);
    absl::StatusOr<FieldPath> fields = ResolveFieldPath(
        method->input_type(), variable.field_path, /*json_names=*/false);
    if (!fields.ok()) {
      return MethodError(method,
                         absl::StrCat(subject, " ", fields.status().message()));
    }
    const FieldDescriptor* leaf = fields->back();
    if (leaf->is_repeated()) {
      return MethodError(method, absl::StrCat(subject, " is a repeated field"));
    }
    if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return MethodError(method, absl::StrCat(subject, " is a message field"));
    }
    path_fields->push_back(variable.field_path);
  }
  return absl::OkStatus();
}

// "" or a top-level field of `type`.
absl::Status CheckTopLevelField(const MethodDescriptor* method,
                                const Descriptor* type, absl::string_view role,
                                const std::string& name) {
  if (name.empty() || (role == "body" && name == "*")) return absl::OkStatus();
  if (type->FindFieldByName(name) == nullptr) {
    return MethodError(method,
                       absl::StrCat(role, " ", common::QuoteForError(name),
                                    " is not a field of ", type->full_name()));
  }
  return absl::OkStatus();
}

struct Binding {
  Route route;
  PathTemplate path_template;
};

absl::StatusOr<Binding> BindingFor(const MethodDescriptor* method,
                                   const HttpRule& rule) {
  std::string http_method, path;
  NBO_RETURN_IF_ERROR(RulePattern(method, rule, &http_method, &path));
  absl::StatusOr<PathTemplate> path_template = PathTemplate::Parse(path);
  if (!path_template.ok()) {
    return MethodError(method, path_template.status().message());
  }
  Route route;
  route.http_method = std::move(http_method);
  route.path_template = std::move(path);
  route.method = method;
  route.grpc_path =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());
  route.body = rule.body();
  route.response_body = rule.response_body();
  route.server_streaming = method->server_streaming();
  NBO_RETURN_IF_ERROR(
      CheckPathFields(method, *path_template, &route.path_fields));
  NBO_RETURN_IF_ERROR(
      CheckTopLevelField(method, method->input_type(), "body", route.body));
  NBO_RETURN_IF_ERROR(CheckTopLevelField(method, method->output_type(),
                                         "response_body", route.response_body));
  return Binding{std::move(route), *std::move(path_template)};
}

}  // namespace

class RouteTable::Impl {
 public:
  absl::Status Add(const MethodDescriptor* method) {
    if (!method->options().HasExtension(google::api::http)) {
      return absl::OkStatus();
    }
    const HttpRule& rule = method->options().GetExtension(google::api::http);
    NBO_RETURN_IF_ERROR(AddRule(method, rule));
    for (const HttpRule& additional : rule.additional_bindings()) {
      if (additional.additional_bindings_size() > 0) {
        return MethodError(method, "additional_bindings do not nest");
      }
      NBO_RETURN_IF_ERROR(AddRule(method, additional));
    }
    return absl::OkStatus();
  }

  RouteMatch Find(absl::string_view http_method, absl::string_view path) const {
    const RequestPath request(path);
    RouteMatch match;
    const PathTemplate* best = nullptr;
    std::vector<PathBinding> bindings;
    for (size_t i = 0; i < routes_.size(); ++i) {
      if (!templates_[i].Match(request, &bindings)) continue;
      if (routes_[i].http_method != http_method) {
        match.allowed_methods.push_back(routes_[i].http_method);
      } else if (best == nullptr || templates_[i].MoreSpecificThan(*best)) {
        best = &templates_[i];
        match.route = &routes_[i];
        match.bindings = bindings;
      }
    }
    if (match.route != nullptr) {
      match.allowed_methods.clear();
    } else {
      std::sort(match.allowed_methods.begin(), match.allowed_methods.end());
      match.allowed_methods.erase(std::unique(match.allowed_methods.begin(),
                                              match.allowed_methods.end()),
                                  match.allowed_methods.end());
    }
    return match;
  }

  const std::vector<Route>& routes() const { return routes_; }

 private:
  absl::Status AddRule(const MethodDescriptor* method, const HttpRule& rule) {
    NBO_ASSIGN_OR_RETURN(Binding binding, BindingFor(method, rule));
    const std::string key = absl::StrCat(binding.route.http_method, " ",
                                         binding.path_template.Shape());
    auto [it, inserted] = owners_.emplace(key, method->full_name());
    if (!inserted) {
      return absl::AlreadyExistsError(absl::StrCat(
          "methods ", it->second, " and ", method->full_name(), " both bind ",
          binding.route.http_method, " ", binding.route.path_template));
    }
    routes_.push_back(std::move(binding.route));
    templates_.push_back(std::move(binding.path_template));
    return absl::OkStatus();
  }

  std::vector<Route> routes_;
  // templates_[i] is routes_[i]'s, parsed.
  std::vector<PathTemplate> templates_;
  // "GET /v1/*/x" -> the method that binds it, for duplicates.
  absl::flat_hash_map<std::string, std::string> owners_;
};

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::Create(
    const google::protobuf::DescriptorPool* pool,
    const std::vector<std::string>& services) {
  auto impl = std::make_unique<Impl>();
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service =
        pool->FindServiceByName(name);
    if (service == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "service ", common::QuoteForError(name), " is not in the pool"));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      NBO_RETURN_IF_ERROR(impl->Add(service->method(i)));
    }
  }
  return std::unique_ptr<RouteTable>(new RouteTable(std::move(impl)));
}

RouteTable::RouteTable(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RouteTable::~RouteTable() = default;

const std::vector<Route>& RouteTable::routes() const { return impl_->routes(); }

RouteMatch RouteTable::Find(absl::string_view http_method,
                            absl::string_view path) const {
  return impl_->Find(http_method, path);
}

}  // namespace nbo::gateway
