// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/gateway.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "lib/common/status_macros.h"
#include "lib/gateway/http_status.h"
#include "lib/gateway/openapi.h"
#include "lib/gateway/route_table.h"
#include "lib/gateway/transcoder.h"
#include "nbo/v1/ingest_service.pb.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"
#include "nbo/v1/trainer_service.pb.h"
#include "services/common/http_server.h"
#include "services/gateway/api_descriptions.h"
#include "services/gateway/call_metadata.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/legacy_api.h"
#include "services/gateway/static_files.h"

namespace nbo::gateway {
namespace {

// How long /readyz waits for the upstream's health.
constexpr absl::Duration kReadyzDeadline = absl::Seconds(2);

using services::HttpExchange;
using services::HttpHeaders;
using services::HttpRequest;
using services::HttpResponse;

constexpr char kJson[] = "application/json";
constexpr char kNdjson[] = "application/x-ndjson";

// The full name of service `name` in the proto file that defines
// `message`. Naming a message of each file links its descriptors in.
std::string ServiceIn(const google::protobuf::Descriptor* message,
                      const std::string& name) {
  return message->file()->FindServiceByName(name)->full_name();
}

// The services whose annotated methods are routed.
const std::vector<std::string>& RoutedServices() {
  static const std::vector<std::string> kServices = {
      ServiceIn(nbo::v1::RecommendRequest::descriptor(), "NBOService"),
      ServiceIn(nbo::v1::ListModelsRequest::descriptor(), "ModelService"),
      ServiceIn(nbo::v1::UpsertCustomersRequest::descriptor(), "IngestService"),
      ServiceIn(nbo::v1::StartTrainingRequest::descriptor(), "TrainerService"),
  };
  return kServices;
}

// The OpenAPI document, with the protos' comments as descriptions when the
// embedded descriptors load (they always should); else from `routes`.
std::string DescribedOpenApi(const RouteTable& routes, bool proto_names) {
  OpenApiOptions options;
  options.proto_names = proto_names;
  absl::StatusOr<std::unique_ptr<google::protobuf::DescriptorPool>> pool =
      DescribedApiPool();
  if (pool.ok()) {
    absl::StatusOr<std::unique_ptr<RouteTable>> described =
        RouteTable::Create(pool->get(), RoutedServices());
    if (described.ok()) return OpenApiJson(**described, options);
    pool = described.status();
  }
  std::fprintf(stderr, "nbo-gateway: OpenAPI without descriptions: %s\n",
               pool.status().ToString().c_str());
  return OpenApiJson(routes, options);
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", kJson);
  // RFC 7235 section 3.1: a 401 says which scheme would do (RFC 6750's).
  if (status == 401) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"nbo\"");
  }
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  return JsonResponse(HttpStatusFor(status.code()),
                      ErrorJson(status.code(), status.message()));
}

HttpResponse ErrorResponse(int http_status, absl::StatusCode code,
                           absl::string_view message) {
  return JsonResponse(http_status, ErrorJson(code, message));
}

// Whether a request body is declared as JSON (or not declared at all).
bool IsJsonContentType(absl::string_view type) {
  if (type.empty()) return true;
  const absl::string_view media =
      absl::StripAsciiWhitespace(type.substr(0, type.find(';')));
  return absl::EqualsIgnoreCase(media, "application/json") ||
         (absl::StartsWithIgnoreCase(media, "application/") &&
          absl::EndsWithIgnoreCase(media, "+json"));
}

}  // namespace

// Owns the routes, the upstream, the metrics and the HTTP server. The
// handler runs on the HTTP loops; upstream answers on gRPC's threads.
class Gateway::Impl {
 public:
  Impl(const GatewayOptions& options, std::unique_ptr<RouteTable> routes,
       std::shared_ptr<Upstream> upstream)
      : options_(options),
        routes_(std::move(routes)),
        upstream_(std::move(upstream)),
        static_files_(options.static_dir) {
    openapi_json_ = DescribedOpenApi(*routes_, options.proto_names);
    transcode_.strict = options.strict;
    transcode_.proto_names = options.proto_names;
    transcode_.protobuf_printer = options.protobuf_printer;
    for (const Route& route : routes_->routes()) {
      route_metrics_[&route] = metrics_.ForRoute(
          absl::StrCat(route.http_method, " ", route.path_template));
    }
    fixed_.preflight = metrics_.ForRoute("preflight");
    fixed_.healthz = metrics_.ForRoute("/healthz");
    fixed_.readyz = metrics_.ForRoute("/readyz");
    fixed_.metrics = metrics_.ForRoute("/metrics");
    fixed_.openapi = metrics_.ForRoute("/openapi.json");
    fixed_.legacy = metrics_.ForRoute(kLegacyRecommendPath);
    fixed_.static_files = metrics_.ForRoute("static");
    fixed_.unmatched = metrics_.ForRoute("unmatched");
  }

  absl::Status Start() {
    services::HttpServer::Options http;
    http.address = options_.http_addr;
    http.handler = [this](std::shared_ptr<HttpExchange> exchange) {
      Handle(std::move(exchange));
    };
    http.error_body = [](int status, absl::string_view reason) {
      (void)status;  // Every one of them is the client's mistake.
      return ErrorJson(absl::StatusCode::kInvalidArgument, reason);
    };
    http.error_content_type = kJson;
    http.threads =
        options_.threads > 0
            ? options_.threads
            : std::max(1,
                       static_cast<int>(std::thread::hardware_concurrency()));
    http.max_connections = options_.max_connections;
    http.max_body_bytes = options_.max_body_bytes;
    http.max_header_bytes = options_.max_header_bytes;
    http.max_target_bytes = options_.max_target_bytes;
    http.request_timeout = options_.request_timeout;
    http.idle_timeout = options_.idle_timeout;
    http.write_timeout = options_.write_timeout;
    http.tls_cert_file = options_.tls_cert_file;
    http.tls_key_file = options_.tls_key_file;
    http.tls_client_ca_file = options_.tls_client_ca_file;
    NBO_ASSIGN_OR_RETURN(http_, services::HttpServer::Create(std::move(http)));
    if (!options_.metrics_addr.empty()) {
      NBO_ASSIGN_OR_RETURN(metrics_http_, StartMetricsListener());
    }
    return absl::OkStatus();
  }

  int port() const { return http_->port(); }
  int metrics_port() const {
    return metrics_http_ == nullptr ? 0 : metrics_http_->port();
  }
  bool Shutdown(absl::Duration deadline) {
    // Probes and scrapes answer while the API drains. Then the metrics
    // listener's own requests finish: a /readyz in flight waits up to
    // kReadyzDeadline for the upstream, and its callback needs this object.
    const bool drained = http_->Shutdown(deadline);
    if (metrics_http_ != nullptr) {
      metrics_http_->Shutdown(kReadyzDeadline + absl::Seconds(1));
    }
    return drained;
  }

 private:
  // Everything an answer needs to be finished and counted.
  struct Context {
    std::shared_ptr<HttpExchange> exchange;
    RouteMetrics* route = nullptr;  // a template's or an endpoint's series
    std::string request_id;
    HttpHeaders extra;  // CORS, request id, cache control
    absl::Time start;
  };

  void Handle(std::shared_ptr<HttpExchange> exchange) {
    const HttpRequest& request = exchange->request();
    auto ctx = std::make_shared<Context>();
    ctx->exchange = exchange;
    ctx->start = absl::Now();
    ctx->request_id = RequestIdFor(request);
    ctx->extra.emplace_back("X-Request-Id", ctx->request_id);
    const bool cors_ok = AddCors(request, &ctx->extra);
    if (request.method == "OPTIONS" &&
        !request.Header("access-control-request-method").empty()) {
      ctx->route = fixed_.preflight;
      return Preflight(*ctx, cors_ok);
    }
    const absl::string_view path = request.Path();
    if (HandleFixed(ctx, path)) return;
    RouteMatch match = routes_->Find(request.method, path);
    if (match.route == nullptr) return NoRoute(ctx, match);
    ctx->route = route_metrics_.at(match.route);
    ctx->extra.emplace_back("Cache-Control", "no-store");
    CallRoute(ctx, match);
  }

  // The plain-HTTP listener of /healthz, /readyz and /metrics
  // (GatewayOptions::metrics_addr): one loop, small limits, no TLS.
  absl::StatusOr<std::unique_ptr<services::HttpServer>> StartMetricsListener() {
    services::HttpServer::Options http;
    http.address = options_.metrics_addr;
    http.handler = [this](std::shared_ptr<HttpExchange> exchange) {
      HandleMetricsListener(std::move(exchange));
    };
    http.error_content_type = kJson;
    http.threads = 1;
    http.max_connections = 64;
    http.max_body_bytes = 0;
    http.request_timeout = options_.request_timeout;
    http.idle_timeout = options_.idle_timeout;
    http.write_timeout = options_.write_timeout;
    return services::HttpServer::Create(std::move(http));
  }

  void HandleMetricsListener(std::shared_ptr<HttpExchange> exchange) {
    auto ctx = std::make_shared<Context>();
    ctx->exchange = std::move(exchange);
    ctx->start = absl::Now();
    ctx->request_id = RequestIdFor(ctx->exchange->request());
    ctx->extra.emplace_back("X-Request-Id", ctx->request_id);
    const absl::string_view path = ctx->exchange->request().Path();
    if ((path == "/healthz" || path == "/readyz" || path == "/metrics") &&
        HandleFixed(ctx, path)) {
      return;
    }
    ctx->route = fixed_.unmatched;
    Finish(*ctx, ErrorResponse(404, absl::StatusCode::kNotFound,
                               "this port serves only GET /healthz, /readyz "
                               "and /metrics"));
  }

  // The gateway's own endpoints. False if `path` is none of them.
  bool HandleFixed(const std::shared_ptr<Context>& ctx,
                   absl::string_view path) {
    const HttpRequest& request = ctx->exchange->request();
    const bool get = request.method == "GET" || request.method == "HEAD";
    if (path == "/healthz" && get) {
      ctx->route = fixed_.healthz;
      Finish(*ctx, JsonResponse(200, "{\"status\":\"ok\"}"));
    } else if (path == "/readyz" && get) {
      ctx->route = fixed_.readyz;
      upstream_->CheckHealth(kReadyzDeadline, [this, ctx](bool serving) {
        Finish(*ctx, serving
                         ? JsonResponse(200, "{\"status\":\"ready\"}")
                         : ErrorResponse(503, absl::StatusCode::kUnavailable,
                                         "upstream is not serving"));
      });
    } else if (path == "/metrics" && get) {
      ctx->route = fixed_.metrics;
      HttpResponse response;
      response.headers.emplace_back("Content-Type",
                                    "text/plain; version=0.0.4; charset=utf-8");
      metrics_.SetInFlight(http_->InFlight());
      response.body = metrics_.Scrape();
      Finish(*ctx, std::move(response));
    } else if (path == "/openapi.json" && get) {
      ctx->route = fixed_.openapi;
      Finish(*ctx, JsonResponse(200, openapi_json_));
    } else if (path == kLegacyRecommendPath && get) {
      ctx->route = fixed_.legacy;
      ctx->extra.emplace_back("Cache-Control", "no-store");
      LegacyRecommend(ctx);
    } else {
      return false;
    }
    return true;
  }

  // 405 with Allow when other methods match the path; the dashboard's files
  // for GET; else 404.
  void NoRoute(const std::shared_ptr<Context>& ctx, const RouteMatch& match) {
    const HttpRequest& request = ctx->exchange->request();
    if (!match.allowed_methods.empty()) {
      ctx->route = fixed_.unmatched;
      HttpResponse response = ErrorResponse(
          405, absl::StatusCode::kUnimplemented,
          absl::StrCat("method ", request.method, " is not allowed here; use ",
                       absl::StrJoin(match.allowed_methods, ", ")));
      response.headers.emplace_back("Allow",
                                    absl::StrJoin(match.allowed_methods, ", "));
      return Finish(*ctx, std::move(response));
    }
    if (request.method == "GET" || request.method == "HEAD") {
      std::optional<HttpResponse> file = static_files_.Serve(request);
      if (file.has_value()) {
        ctx->route = fixed_.static_files;
        return Finish(*ctx, *std::move(file));
      }
    }
    ctx->route = fixed_.unmatched;
    Finish(*ctx, ErrorResponse(404, absl::StatusCode::kNotFound,
                               "no route for this path"));
  }

  void CallRoute(const std::shared_ptr<Context>& ctx, const RouteMatch& match) {
    const HttpRequest& request = ctx->exchange->request();
    const Route& route = *match.route;
    if (!request.body.empty() &&
        !IsJsonContentType(request.Header("content-type"))) {
      return Finish(*ctx, ErrorResponse(415, absl::StatusCode::kInvalidArgument,
                                        "request body must be application/json "
                                        "(with curl: -H 'Content-Type: "
                                        "application/json')"));
    }
    absl::StatusOr<std::string> message =
        BuildRequest(match, request.Query(), request.body, transcode_);
    if (!message.ok()) return Finish(*ctx, ErrorResponse(message.status()));
    absl::StatusOr<CallOptions> call_options =
        CallOptionsFor(request, ctx->request_id, absl::Now(),
                       options_.default_deadline, options_.max_deadline);
    if (!call_options.ok()) {
      return Finish(*ctx, ErrorResponse(call_options.status()));
    }
    if (!Admit()) {
      return Finish(*ctx, ErrorResponse(503, absl::StatusCode::kUnavailable,
                                        "too many requests in progress"));
    }
    const std::string& service = route.method->service()->full_name();
    if (route.server_streaming) {
      return CallStream(ctx, route, service, *std::move(message),
                        *call_options);
    }
    std::shared_ptr<UpstreamCall> call = upstream_->Unary(
        service, route.grpc_path, *std::move(message), *call_options,
        [this, ctx, &route](absl::Status status, std::string response) {
          Release();
          if (!status.ok()) {
            metrics_.UpstreamError(status.code());
            return Finish(*ctx, ErrorResponse(status));
          }
          absl::StatusOr<std::string> json =
              ResponseToJson(route, response, transcode_);
          Finish(*ctx, json.ok() ? JsonResponse(200, *std::move(json))
                                 : ErrorResponse(json.status()));
        });
    ctx->exchange->OnCancel([call] { call->Cancel(); });
  }

  // A server stream as NDJSON. The header goes out with the first message,
  // so a call that fails before any message gets a plain error answer.
  void CallStream(const std::shared_ptr<Context>& ctx, const Route& route,
                  const std::string& service, std::string message,
                  const CallOptions& call_options) {
    auto started = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<UpstreamCall> call = upstream_->ServerStream(
        service, route.grpc_path, std::move(message), call_options,
        [this, ctx, &route, started](std::string bytes,
                                     std::function<void(bool)> next) {
          if (!started->exchange(true)) {
            HttpHeaders headers = ctx->extra;
            headers.emplace_back("Content-Type", kNdjson);
            ctx->exchange->StartStream(200, std::move(headers));
          }
          absl::StatusOr<std::string> json =
              ResponseToJson(route, bytes, transcode_);
          std::string line = json.ok()
                                 ? StreamResultJson(*json)
                                 : StreamErrorJson(json.status().code(),
                                                   json.status().message());
          line.push_back('\n');
          // `next` runs once the line is written, or with false if the
          // client is gone (which cancels the call).
          ctx->exchange->WriteChunk(std::move(line), std::move(next));
        },
        [this, ctx, started](absl::Status status) {
          Release();
          if (!status.ok()) metrics_.UpstreamError(status.code());
          if (!started->load()) {
            if (status.ok()) {
              HttpHeaders headers = ctx->extra;
              headers.emplace_back("Content-Type", kNdjson);
              ctx->exchange->StartStream(200, std::move(headers));
            } else {
              return Finish(*ctx, ErrorResponse(status));
            }
          } else if (!status.ok()) {
            ctx->exchange->WriteChunk(
                absl::StrCat(StreamErrorJson(status.code(), status.message()),
                             "\n"),
                nullptr);
          }
          ctx->exchange->FinishStream();
          ctx->route->Record(200, absl::Now() - ctx->start);
        });
    ctx->exchange->OnCancel([call] { call->Cancel(); });
  }

  void LegacyRecommend(const std::shared_ptr<Context>& ctx) {
    const HttpRequest& request = ctx->exchange->request();
    const auto fail = [this, ctx](const absl::Status& status) {
      Finish(*ctx, ErrorResponse(LegacyHttpStatus(status.code()), status.code(),
                                 status.message()));
    };
    absl::StatusOr<std::string> message =
        LegacyRecommendRequest(request.Query());
    if (!message.ok()) return fail(message.status());
    absl::StatusOr<CallOptions> call_options =
        CallOptionsFor(request, ctx->request_id, absl::Now(),
                       options_.default_deadline, options_.max_deadline);
    if (!call_options.ok()) return fail(call_options.status());
    if (!Admit()) {
      return Finish(*ctx, ErrorResponse(503, absl::StatusCode::kUnavailable,
                                        "too many requests in progress"));
    }
    std::shared_ptr<UpstreamCall> call = upstream_->Unary(
        RoutedServices()[0], "/nbo.v1.NBOService/Recommend",
        *std::move(message), *call_options,
        [this, ctx, fail](absl::Status status, std::string response) {
          Release();
          if (!status.ok()) {
            metrics_.UpstreamError(status.code());
            return fail(status);
          }
          absl::StatusOr<std::string> json = LegacyRecommendJson(response);
          if (!json.ok()) return fail(json.status());
          Finish(*ctx, JsonResponse(200, *std::move(json)));
        });
    ctx->exchange->OnCancel([call] { call->Cancel(); });
  }

  void Preflight(const Context& ctx, bool cors_ok) {
    HttpResponse response;
    response.status = cors_ok ? 204 : 403;
    if (cors_ok) {
      response.headers.emplace_back("Access-Control-Allow-Methods",
                                    "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      response.headers.emplace_back(
          "Access-Control-Allow-Headers",
          "Authorization, Content-Type, X-Request-Id, Grpc-Timeout");
      response.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    Finish(ctx, std::move(response));
  }

  // Adds CORS headers for an allowed Origin. False if the request has an
  // Origin that is not allowed.
  bool AddCors(const HttpRequest& request, HttpHeaders* headers) const {
    const absl::string_view origin = request.Header("origin");
    if (origin.empty()) return true;
    const auto& allowed = options_.cors_origins;
    if (std::find(allowed.begin(), allowed.end(), "*") != allowed.end()) {
      headers->emplace_back("Access-Control-Allow-Origin", "*");
      return true;
    }
    if (std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
      return false;
    }
    headers->emplace_back("Access-Control-Allow-Origin", std::string(origin));
    headers->emplace_back("Access-Control-Allow-Credentials", "true");
    headers->emplace_back("Vary", "Origin");
    return true;
  }

  bool Admit() {
    if (inflight_.fetch_add(1) >= options_.max_inflight) {
      inflight_.fetch_sub(1);
      return false;
    }
    return true;
  }
  void Release() { inflight_.fetch_sub(1); }

  void Finish(const Context& ctx, HttpResponse response) {
    for (const auto& header : ctx.extra) response.headers.push_back(header);
    ctx.route->Record(response.status, absl::Now() - ctx.start);
    ctx.exchange->Respond(std::move(response));
  }

  const GatewayOptions options_;
  const std::unique_ptr<RouteTable> routes_;
  const std::shared_ptr<Upstream> upstream_;
  const StaticFiles static_files_;
  TranscodeOptions transcode_;
  std::string openapi_json_;
  GatewayMetrics metrics_;
  // Every route's series, made before the first request; read-only after.
  absl::flat_hash_map<const Route*, RouteMetrics*> route_metrics_;
  struct {
    RouteMetrics* preflight;
    RouteMetrics* healthz;
    RouteMetrics* readyz;
    RouteMetrics* metrics;
    RouteMetrics* openapi;
    RouteMetrics* legacy;
    RouteMetrics* static_files;
    RouteMetrics* unmatched;
  } fixed_;
  std::atomic<int> inflight_{0};
  std::unique_ptr<services::HttpServer> http_;
  std::unique_ptr<services::HttpServer> metrics_http_;  // null without one
};

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(
    const GatewayOptions& options, std::shared_ptr<Upstream> upstream) {
  if (options.max_inflight <= 0 ||
      options.default_deadline <= absl::ZeroDuration() ||
      options.max_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "max_inflight, default_deadline and max_deadline must be positive");
  }
  NBO_ASSIGN_OR_RETURN(
      std::unique_ptr<RouteTable> routes,
      RouteTable::Create(google::protobuf::DescriptorPool::generated_pool(),
                         RoutedServices()));
  auto impl =
      std::make_unique<Impl>(options, std::move(routes), std::move(upstream));
  NBO_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::~Gateway() = default;

int Gateway::metrics_port() const { return impl_->metrics_port(); }

int Gateway::port() const { return impl_->port(); }

bool Gateway::Shutdown(absl::Duration deadline) {
  return impl_->Shutdown(deadline);
}

}  // namespace nbo::gateway
