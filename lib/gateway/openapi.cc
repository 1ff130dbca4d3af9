// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/openapi.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "lib/gateway/field_path.h"
#include "lib/gateway/field_value.h"
#include "lib/gateway/json_text.h"
#include "lib/gateway/path_template.h"
#include "lib/gateway/query_binding.h"

namespace nbo::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

constexpr char kStatusSchema[] = "google.rpc.Status";

// A JSON object written in insertion order; values are JSON text.
class Object {
 public:
  Object& Raw(absl::string_view key, std::string json) {
    members_.emplace_back(std::string(key), std::move(json));
    return *this;
  }
  Object& Str(absl::string_view key, absl::string_view text) {
    return Raw(key, JsonQuote(text));
  }
  // Adds "description" unless `text` is empty.
  Object& Description(absl::string_view text) {
    return text.empty() ? *this : Str("description", text);
  }
  bool empty() const { return members_.empty(); }
  std::string Json() const {
    std::string out = "{";
    for (size_t i = 0; i < members_.size(); ++i) {
      absl::StrAppend(&out, i == 0 ? "" : ",", JsonQuote(members_[i].first),
                      ":", members_[i].second);
    }
    return out + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

std::string Array(const std::vector<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, ","), "]");
}

std::string Ref(absl::string_view schema) {
  return Object()
      .Str("$ref", absl::StrCat("#/components/schemas/", schema))
      .Json();
}

// The comment above a proto element, when its pool has source info.
template <typename D>
std::string Comment(const D* descriptor) {
  google::protobuf::SourceLocation location;
  if (!descriptor->GetSourceLocation(&location)) return "";
  return std::string(absl::StripAsciiWhitespace(location.leading_comments));
}

// Schemas of the scalar types, proto3 JSON mapping: 64-bit integers are
// strings.
std::string ScalarSchema(const FieldDescriptor* field) {
  Object schema;
  switch (field->type()) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SFIXED32:
      schema.Str("type", "integer").Str("format", "int32");
      break;
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32:
      schema.Str("type", "integer").Str("format", "int64");
      schema.Raw("minimum", "0").Raw("maximum", "4294967295");
      break;
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_SFIXED64:
      schema.Str("type", "string").Str("format", "int64");
      break;
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED64:
      schema.Str("type", "string").Str("format", "uint64");
      break;
    case FieldDescriptor::TYPE_DOUBLE:
      schema.Str("type", "number").Str("format", "double");
      break;
    case FieldDescriptor::TYPE_FLOAT:
      schema.Str("type", "number").Str("format", "float");
      break;
    case FieldDescriptor::TYPE_BOOL:
      schema.Str("type", "boolean");
      break;
    case FieldDescriptor::TYPE_BYTES:
      schema.Str("type", "string").Str("format", "byte");
      break;
    default:
      schema.Str("type", "string");
      break;
  }
  return schema.Json();
}

// Inline schemas of the well-known types with a JSON form of their own;
// "" for other messages.
std::string WellKnownSchema(const Descriptor* type) {
  const std::string& name = type->full_name();
  if (name == "google.protobuf.Timestamp") {
    return R"({"type":"string","format":"date-time"})";
  }
  if (name == "google.protobuf.Duration") {
    return R"({"type":"string","format":"duration","example":"1.5s"})";
  }
  if (name == "google.protobuf.FieldMask") return R"({"type":"string"})";
  if (name == "google.protobuf.Struct") {
    return R"({"type":"object","additionalProperties":true})";
  }
  if (name == "google.protobuf.Value") return "{}";
  if (name == "google.protobuf.ListValue") {
    return R"({"type":"array","items":{}})";
  }
  if (name == "google.protobuf.Empty") return R"({"type":"object"})";
  if (name == "google.protobuf.Any") {
    return R"({"type":"object","properties":{"@type":{"type":"string"}},)"
           R"("additionalProperties":true})";
  }
  if (type->file()->name() == "google/protobuf/wrappers.proto") {
    std::string scalar = ScalarSchema(type->FindFieldByName("value"));
    scalar.pop_back();
    return scalar + R"(,"nullable":true})";
  }
  return "";
}

// The document, built in one pass over the routes; the messages and enums
// they reach are collected on the way and written under components.
class DocumentBuilder {
 public:
  explicit DocumentBuilder(const OpenApiOptions& options) : options_(options) {}

  std::string Build(const RouteTable& table) {
    std::vector<std::string> paths;  // in order of first appearance
    std::map<std::string, Object> operations;
    std::vector<std::string> tags;
    absl::flat_hash_set<std::string> tagged;
    absl::flat_hash_map<std::string, int> bindings_per_method;
    absl::flat_hash_set<std::string> taken;  // "path method"
    for (const Route& route : table.routes()) {
      const std::string verb = absl::AsciiStrToLower(route.http_method);
      const std::string path = OpenApiPath(route);
      if (!IsOpenApiMethod(verb) || path.empty() ||
          !taken.insert(absl::StrCat(path, " ", verb)).second) {
        continue;
      }
      const int binding = ++bindings_per_method[route.grpc_path];
      const google::protobuf::ServiceDescriptor* service =
          route.method->service();
      if (tagged.insert(service->name()).second) {
        tags.push_back(Object()
                           .Str("name", service->name())
                           .Description(Comment(service))
                           .Json());
      }
      if (!operations.contains(path)) paths.push_back(path);
      operations[path].Raw(verb, Operation(route, binding));
    }
    Object path_items;
    for (const std::string& path : paths) {
      path_items.Raw(path, operations[path].Json());
    }
    return Object()
        .Str("openapi", "3.0.3")
        .Raw("info", Object()
                         .Str("title", options_.title)
                         .Str("version", options_.version)
                         .Json())
        .Raw("tags", Array(tags))
        .Raw("paths", path_items.Json())
        .Raw("components", Object().Raw("schemas", Components()).Json())
        .Json();
  }

 private:
  static bool IsOpenApiMethod(absl::string_view verb) {
    for (absl::string_view known : {"get", "put", "post", "delete", "options",
                                    "head", "patch", "trace"}) {
      if (verb == known) return true;
    }
    return false;
  }

  // The template in OpenAPI's form: variables as "{field.path}", whatever
  // segments they match; wildcards and the verb as written. "" if the
  // template does not parse (RouteTable::Create parsed it already).
  static std::string OpenApiPath(const Route& route) {
    absl::StatusOr<PathTemplate> parsed =
        PathTemplate::Parse(route.path_template);
    if (!parsed.ok()) return "";
    std::string path;
    const auto& segments = parsed->segments();
    const auto& variables = parsed->variables();
    size_t next_variable = 0;
    for (size_t i = 0; i < segments.size(); ++i) {
      if (next_variable < variables.size() &&
          variables[next_variable].begin == i) {
        absl::StrAppend(&path, "/{", variables[next_variable].field_path, "}");
        i = variables[next_variable++].end - 1;
        continue;
      }
      switch (segments[i].kind) {
        case PathTemplate::Kind::kLiteral:
          absl::StrAppend(&path, "/", segments[i].literal);
          break;
        case PathTemplate::Kind::kAny:
          path += "/*";
          break;
        case PathTemplate::Kind::kAnyPath:
          path += "/**";
          break;
      }
    }
    if (!parsed->verb().empty()) absl::StrAppend(&path, ":", parsed->verb());
    return path;
  }

  std::string Operation(const Route& route, int binding) {
    const google::protobuf::MethodDescriptor* method = route.method;
    Object operation;
    operation.Str("operationId",
                  absl::StrCat(method->service()->name(), "_", method->name(),
                               binding > 1 ? absl::StrCat(binding) : ""));
    operation.Raw("tags", Array({JsonQuote(method->service()->name())}));
    operation.Description(Comment(method));
    std::vector<std::string> parameters = PathParameters(route);
    std::vector<const Descriptor*> stack;
    QueryParameters(route, method->input_type(), "", "", &stack, &parameters);
    if (!parameters.empty()) operation.Raw("parameters", Array(parameters));
    if (!route.body.empty()) operation.Raw("requestBody", RequestBody(route));
    return operation.Raw("responses", Responses(route)).Json();
  }

  std::vector<std::string> PathParameters(const Route& route) {
    std::vector<std::string> parameters;
    absl::StatusOr<PathTemplate> parsed =
        PathTemplate::Parse(route.path_template);
    if (!parsed.ok()) return parameters;
    for (const PathTemplate::Variable& variable : parsed->variables()) {
      absl::StatusOr<FieldPath> fields =
          ResolveFieldPath(route.method->input_type(), variable.field_path,
                           /*json_names=*/false);
      if (!fields.ok()) continue;
      const FieldDescriptor* field = fields->back();
      std::string schema = ScalarOrEnumSchema(field);
      const std::string pattern = VariablePattern(*parsed, variable);
      if (!pattern.empty()) {
        schema.pop_back();
        absl::StrAppend(&schema, ",\"pattern\":", JsonQuote(pattern), "}");
      }
      parameters.push_back(Object()
                               .Str("name", variable.field_path)
                               .Str("in", "path")
                               .Raw("required", "true")
                               .Description(Comment(field))
                               .Raw("schema", schema)
                               .Json());
    }
    return parameters;
  }

  // A regular expression for what a variable of several segments (or of
  // one that is not "*") matches; "" for the plain "{field}".
  static std::string VariablePattern(const PathTemplate& parsed,
                                     const PathTemplate::Variable& variable) {
    const auto& segments = parsed.segments();
    if (variable.end - variable.begin == 1 &&
        segments[variable.begin].kind == PathTemplate::Kind::kAny) {
      return "";
    }
    std::vector<std::string> parts;
    for (size_t i = variable.begin; i < variable.end; ++i) {
      switch (segments[i].kind) {
        case PathTemplate::Kind::kLiteral: {
          std::string literal;
          for (char c : segments[i].literal) {
            if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
              literal += '\\';
            }
            literal += c;
          }
          parts.push_back(literal);
          break;
        }
        case PathTemplate::Kind::kAny:
          parts.push_back("[^/]+");
          break;
        case PathTemplate::Kind::kAnyPath:
          parts.push_back(".*");
          break;
      }
    }
    return absl::StrCat("^", absl::StrJoin(parts, "/"), "$");
  }

  // One parameter per field the path and body leave to the query, nested
  // messages flattened to "a.b" (a message that contains itself is not
  // followed into).
  void QueryParameters(const Route& route, const Descriptor* type,
                       const std::string& proto_prefix,
                       const std::string& name_prefix,
                       std::vector<const Descriptor*>* stack,
                       std::vector<std::string>* parameters) {
    stack->push_back(type);
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      const std::string proto_path = absl::StrCat(proto_prefix, field->name());
      const std::string name = absl::StrCat(name_prefix, FieldName(field));
      if (!FieldBinder(route, proto_path).empty() || field->is_map()) continue;
      if (IsTextField(field)) {
        parameters->push_back(Object()
                                  .Str("name", name)
                                  .Str("in", "query")
                                  .Description(Comment(field))
                                  .Raw("schema", FieldSchema(field))
                                  .Json());
      } else if (!field->is_repeated() &&
                 std::find(stack->begin(), stack->end(),
                           field->message_type()) == stack->end()) {
        QueryParameters(route, field->message_type(), proto_path + ".",
                        name + ".", stack, parameters);
      }
    }
    stack->pop_back();
  }

  std::string RequestBody(const Route& route) {
    std::string schema;
    if (route.body == "*") {
      schema = MessageSchemaRef(route.method->input_type());
    } else {
      schema =
          FieldSchema(route.method->input_type()->FindFieldByName(route.body));
    }
    return Object()
        .Raw("required", "true")
        .Raw("content",
             Object()
                 .Raw("application/json", Object().Raw("schema", schema).Json())
                 .Json())
        .Json();
  }

  std::string Responses(const Route& route) {
    const Descriptor* output = route.method->output_type();
    std::string schema =
        route.response_body.empty()
            ? MessageSchemaRef(output)
            : FieldSchema(output->FindFieldByName(route.response_body));
    std::string content;
    if (route.server_streaming) {
      // One JSON object per line; the last may carry the error instead.
      const std::string line =
          Object()
              .Str("type", "object")
              .Raw("properties", Object()
                                     .Raw("result", schema)
                                     .Raw("error", Ref(kStatusSchema))
                                     .Json())
              .Json();
      content =
          Object()
              .Raw("application/x-ndjson", Object().Raw("schema", line).Json())
              .Json();
    } else {
      content =
          Object()
              .Raw("application/json", Object().Raw("schema", schema).Json())
              .Json();
    }
    const std::string error =
        Object()
            .Str("description", "An error, in the google.rpc.Status shape.")
            .Raw("content",
                 Object()
                     .Raw("application/json",
                          Object().Raw("schema", Ref(kStatusSchema)).Json())
                     .Json())
            .Json();
    const std::string description =
        route.server_streaming
            ? "A stream of responses, one JSON object a line."
            : "OK";
    return Object()
        .Raw("200", Object()
                        .Str("description", description)
                        .Raw("content", content)
                        .Json())
        .Raw("default", error)
        .Json();
  }

  std::string FieldName(const FieldDescriptor* field) const {
    return options_.proto_names ? field->name() : field->json_name();
  }

  // A field's schema: arrays for repeated fields, objects for maps.
  std::string FieldSchema(const FieldDescriptor* field) {
    if (field->is_map()) {
      return Object()
          .Str("type", "object")
          .Raw("additionalProperties",
               FieldSchema(field->message_type()->FindFieldByName("value")))
          .Json();
    }
    std::string value = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                            ? MessageSchemaRef(field->message_type())
                            : ScalarOrEnumSchema(field);
    if (!field->is_repeated()) return value;
    return Object().Str("type", "array").Raw("items", value).Json();
  }

  std::string ScalarOrEnumSchema(const FieldDescriptor* field) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_ENUM) {
      return ScalarSchema(field);
    }
    const EnumDescriptor* type = field->enum_type();
    enums_.emplace(type->full_name(), type);
    return Ref(type->full_name());
  }

  // A well-known type inline, any other message by reference.
  std::string MessageSchemaRef(const Descriptor* type) {
    std::string inline_schema = WellKnownSchema(type);
    if (!inline_schema.empty()) return inline_schema;
    if (messages_.emplace(type->full_name(), type).second) {
      pending_.push_back(type);
    }
    return Ref(type->full_name());
  }

  std::string MessageSchema(const Descriptor* type) {
    Object properties;
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      std::string schema = FieldSchema(field);
      const std::string comment = Comment(field);
      if (!comment.empty()) {
        // A $ref takes no siblings in OpenAPI 3.0: wrap it.
        schema =
            Object().Raw("allOf", Array({schema})).Description(comment).Json();
      }
      properties.Raw(FieldName(field), schema);
    }
    return Object()
        .Str("type", "object")
        .Description(Comment(type))
        .Raw("properties", properties.Json())
        .Json();
  }

  static std::string EnumSchema(const EnumDescriptor* type) {
    std::vector<std::string> names;
    for (int i = 0; i < type->value_count(); ++i) {
      names.push_back(JsonQuote(type->value(i)->name()));
    }
    return Object()
        .Str("type", "string")
        .Description(Comment(type))
        .Raw("enum", Array(names))
        .Json();
  }

  std::string Components() {
    // Writing a message can reach more messages: drain them all first.
    std::map<std::string, std::string> schemas;
    while (!pending_.empty()) {
      const Descriptor* type = pending_.back();
      pending_.pop_back();
      schemas[type->full_name()] = MessageSchema(type);
    }
    for (const auto& [name, type] : enums_) schemas[name] = EnumSchema(type);
    schemas[kStatusSchema] =
        R"({"type":"object","description":"An error: a gRPC status code, )"
        R"(a message for people, and details (always empty).",)"
        R"("properties":{"code":{"type":"integer","format":"int32"},)"
        R"("message":{"type":"string"},)"
        R"("details":{"type":"array","items":{"type":"object"}}}})";
    Object object;
    for (auto& [name, schema] : schemas) object.Raw(name, std::move(schema));
    return object.Json();
  }

  const OpenApiOptions& options_;
  std::map<std::string, const Descriptor*> messages_;
  std::map<std::string, const EnumDescriptor*> enums_;
  // Referenced messages whose schema is not written yet.
  std::vector<const Descriptor*> pending_;
};

}  // namespace

std::string OpenApiJson(const RouteTable& table,
                        const OpenApiOptions& options) {
  return DocumentBuilder(options).Build(table);
}

}  // namespace nbo::gateway
