// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace nbo::gateway {
namespace {

namespace fs = std::filesystem;

constexpr char kBuiltInPage[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>nbo</title></head><body><h1>nbo</h1>"
    "<p>The dashboard is not installed on this gateway. The HTTP/JSON API "
    "is described at <a href=\"/openapi.json\">/openapi.json</a>.</p>"
    "</body></html>\n";

std::string ContentType(const fs::path& path) {
  static const std::vector<std::pair<std::string, std::string>> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const std::string ext = path.extension().string();
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

void AddSecurityHeaders(services::HttpResponse* response) {
  response->headers.emplace_back("X-Content-Type-Options", "nosniff");
  response->headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  response->headers.emplace_back("X-Frame-Options", "DENY");
  response->headers.emplace_back("Referrer-Policy", "no-referrer");
}

// The path's segments if every one is a plain name: not empty (except a
// trailing one), not "." or "..", not hidden, no '\\' or NUL; else nullopt.
// Percent-encoding is refused rather than decoded: our files need none.
std::optional<std::vector<std::string>> SafeSegments(absl::string_view path) {
  if (!absl::StartsWith(path, "/")) return std::nullopt;
  std::vector<std::string> segments =
      absl::StrSplit(path.substr(1), '/', absl::SkipEmpty());
  for (const std::string& s : segments) {
    if (s.front() == '.' || absl::StrContains(s, '\\') ||
        absl::StrContains(s, '%') || s.find('\0') != std::string::npos) {
      return std::nullopt;
    }
  }
  return segments;
}

}  // namespace

StaticFiles::StaticFiles(std::string dir) {
  if (dir.empty()) return;
  std::error_code ec;
  const fs::path canonical = fs::canonical(dir, ec);
  dir_ = ec ? dir : canonical.string();
}

std::optional<services::HttpResponse> StaticFiles::Serve(
    const services::HttpRequest& request) const {
  const absl::string_view path = request.Path();
  if (dir_.empty()) {
    if (path != "/" && path != "/index.html") return std::nullopt;
    services::HttpResponse response;
    response.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    AddSecurityHeaders(&response);
    response.body = kBuiltInPage;
    return response;
  }
  std::optional<std::vector<std::string>> segments = SafeSegments(path);
  if (!segments.has_value()) return std::nullopt;
  fs::path file(dir_);
  for (const std::string& s : *segments) file /= s;
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "index.html";
  // Symlinks may point anywhere: serve only what resolves inside dir_.
  const fs::path real = fs::canonical(file, ec);
  if (ec || !fs::is_regular_file(real, ec) ||
      !absl::StartsWith(real.string(), dir_ + "/")) {
    return std::nullopt;
  }
  const uintmax_t size = fs::file_size(real, ec);
  if (ec) return std::nullopt;
  const auto mtime = fs::last_write_time(real, ec).time_since_epoch().count();
  const std::string etag = absl::StrFormat("\"%x-%x\"", size, mtime);
  services::HttpResponse response;
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", "no-cache");
  AddSecurityHeaders(&response);
  if (request.Header("if-none-match") == etag) {
    response.status = 304;
    return response;
  }
  std::ifstream in(real, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in.good() && !in.eof()) return std::nullopt;
  response.headers.emplace_back("Content-Type", ContentType(real));
  response.body = std::move(content).str();
  return response;
}

}  // namespace nbo::gateway
