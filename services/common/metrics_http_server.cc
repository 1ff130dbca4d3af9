// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/metrics_http_server.h"

#include <iterator>
#include <utility>

#include "lib/common/status_macros.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"
#include "services/common/http_server.h"

namespace nbo::services {
namespace {

using Collectables = std::vector<std::shared_ptr<prometheus::Collectable>>;

constexpr char kExpositionType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kTextType[] = "text/plain; charset=utf-8";

// The text exposition of everything `collectables` hold right now.
std::string Scrape(const Collectables& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const std::shared_ptr<prometheus::Collectable>& c : collectables) {
    std::vector<prometheus::MetricFamily> some = c->Collect();
    families.insert(families.end(), std::make_move_iterator(some.begin()),
                    std::make_move_iterator(some.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", kTextType);
  response.body = std::move(body);
  return response;
}

// The answer to one well-formed request.
HttpResponse Answer(const HttpRequest& request,
                    const Collectables& collectables) {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response = TextResponse(405, "only GET and HEAD\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  if (request.Path() != "/metrics") {
    return TextResponse(404, "metrics are at /metrics\n");
  }
  HttpResponse response;
  response.headers.emplace_back("Content-Type", kExpositionType);
  response.body = Scrape(collectables);
  return response;
}

}  // namespace

class MetricsHttpServer::Impl {
 public:
  explicit Impl(std::unique_ptr<HttpServer> http) : http_(std::move(http)) {}
  int port() const { return http_->port(); }

 private:
  std::unique_ptr<HttpServer> http_;
};

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Create(
    Options options) {
  HttpServer::Options http;
  http.address = std::move(options.address);
  http.request_timeout = options.request_timeout;
  http.idle_timeout = options.idle_timeout;
  http.write_timeout = options.write_timeout;
  http.max_connections = options.max_connections;
  http.max_header_bytes = options.max_header_bytes;
  http.max_target_bytes = options.max_header_bytes;
  http.max_body_bytes = 0;  // A scrape has no body.
  http.handler = [collectables = std::move(options.collectables)](
                     std::shared_ptr<HttpExchange> exchange) {
    exchange->Respond(Answer(exchange->request(), collectables));
  };
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<HttpServer> server,
                       HttpServer::Create(std::move(http)));
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(std::make_unique<Impl>(std::move(server))));
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

MetricsHttpServer::~MetricsHttpServer() = default;

int MetricsHttpServer::port() const { return impl_->port(); }

}  // namespace nbo::services
