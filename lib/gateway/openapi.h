// Copyright (c) 2026 The nbo Authors. MIT License.
//
// An OpenAPI 3.0 document for a RouteTable, generated at run time from the
// same routes and descriptors the gateway serves: one operation per route
// (operationId "<Service>_<Method>" plus a suffix for additional bindings),
// path parameters, query parameters for every request field neither the
// path nor the body binds (nested fields as "a.b"), request and response
// schemas under components/schemas (messages, enums as their names,
// int64 as string, Timestamp/Duration as strings with formats, well-known
// wrappers), the error schema (google.rpc.Status shape) for non-2xx
// responses, NDJSON (application/x-ndjson) for server streams, and the
// protos' comments as descriptions (when the pool has source info).
//
// The generated pool (DescriptorPool::generated_pool()) carries no source
// info, so a table built on it gets no descriptions. For them, build the
// table on a pool made from a descriptor set that protoc wrote with
// --include_source_info --include_imports (tests/unit/gateway does).
// Variables of several segments ("{name=projects/*}") become one path
// parameter with a "pattern"; routes whose method OpenAPI cannot express
// (a custom kind other than HEAD, OPTIONS or TRACE), and a second route
// with the same OpenAPI path and method, are left out.
// Stateless.

#ifndef NBO_LIB_GATEWAY_OPENAPI_H_
#define NBO_LIB_GATEWAY_OPENAPI_H_

#include <string>

#include "lib/gateway/route_table.h"
#include "lib/gateway/transcoder.h"

namespace nbo::gateway {

struct OpenApiOptions {
  // info.title and info.version. Default: "nbo", "v1".
  std::string title = "nbo";
  std::string version = "v1";
  // Field names as the gateway prints them (see TranscodeOptions).
  // Default: false (lowerCamelCase).
  bool proto_names = false;
};

// The document as JSON text.
std::string OpenApiJson(const RouteTable& table, const OpenApiOptions& options);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_OPENAPI_H_
