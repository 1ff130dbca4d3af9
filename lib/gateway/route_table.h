// Copyright (c) 2026 The nbo Authors. MIT License.
//
// RouteTable is the gateway's map from HTTP (method, path) to gRPC method,
// built once at start-up from the `google.api.http` options of the services'
// descriptors (additional_bindings included): nothing is listed by hand, so
// an RPC added to a proto with an annotation is routed with no gateway change.
//
// Path templates follow the google.api.http grammar (google/api/http.proto):
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
// Matching works on the path's segments before percent-decoding, so "%2F"
// inside one segment stays a literal '/' in the bound value. A literal
// segment wins over a variable at the same position; a template with a verb
// matches only paths with that verb. One trailing '/' is ignored.
//
// Socket-free and gRPC-free: tests use it alone. Immutable after Create();
// every const method may be called from any thread.

#ifndef NBO_LIB_GATEWAY_ROUTE_TABLE_H_
#define NBO_LIB_GATEWAY_ROUTE_TABLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace nbo::gateway {

// One HTTP binding of one RPC.
struct Route {
  // "GET", "POST", "PUT", "PATCH", "DELETE", or a custom rule's kind.
  std::string http_method;
  // The template as written in the proto ("/v1/customers/{customer_id}").
  std::string path_template;
  // The RPC. Points into the pool given to Create(), which outlives the table.
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "/nbo.v1.NBOService/Recommend": the gRPC path to call.
  std::string grpc_path;
  // "" (no body), "*" (the whole request) or a top-level field name.
  std::string body;
  // "" (the whole response) or a top-level field of the response.
  std::string response_body;
  // Field paths bound by the template, in template order ("customer_id",
  // "a.b").
  std::vector<std::string> path_fields;
  // True if the RPC streams responses (sent as NDJSON).
  bool server_streaming = false;
};

// A variable of the template and the percent-decoded text it matched. A
// variable of one segment ("{id}") decodes "%2F" to '/' like any escape; one
// of several segments ("{name=projects/*}", "{path=**}") keeps "%2F" encoded,
// as google/api/http.proto specifies, so that its '/'s are the path's.
struct PathBinding {
  std::string field_path;  // "customer_id", "a.b"
  std::string value;
};

// What Find() found for a request.
struct RouteMatch {
  // The route, or null: no route matches (method, path).
  const Route* route = nullptr;
  std::vector<PathBinding> bindings;
  // When route is null but the path matches other methods' templates: those
  // methods, sorted, for a 405's Allow header. Empty means 404.
  std::vector<std::string> allowed_methods;
};

class RouteTable {
 public:
  // Routes of every method of `services` (full names, "nbo.v1.NBOService")
  // that carries a google.api.http option. Methods without one are not
  // routed (client streams such as StreamTransactions stay gRPC-only unless
  // annotated). INVALID_ARGUMENT naming the method if a template does not
  // parse, names a field the request does not have (or a repeated or message
  // field as a path variable), or `body` / `response_body` names a missing
  // field; NOT_FOUND if a service is not in `pool`; ALREADY_EXISTS if two
  // bindings have the same method and the same template (templates that
  // differ only in their variables' names, "/v1/{a}" and "/v1/{b}", are
  // the same).
  // REQUIRES: pool outlives the table.
  static absl::StatusOr<std::unique_ptr<RouteTable>> Create(
      const google::protobuf::DescriptorPool* pool,
      const std::vector<std::string>& services);

  // Every route, in the order of the services and their methods.
  const std::vector<Route>& routes() const;

  // The route for an HTTP method and a request path (the part before '?',
  // still percent-encoded). Among several matching templates the most
  // specific wins: more literal segments first, then fewer "**", then the
  // template with a literal at the first position where they differ. A path
  // with an empty segment ("/v1//x") or a malformed escape ("%zz") matches
  // no template.
  RouteMatch Find(absl::string_view http_method, absl::string_view path) const;

  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

 private:
  class Impl;
  explicit RouteTable(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_ROUTE_TABLE_H_
