// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The dashboard's files, served from a directory: GET and HEAD only, "/"
// is index.html, content types by extension, a strong ETag (size and
// modification time) with If-None-Match (304), security headers
// (nosniff, a same-origin Content-Security-Policy, no framing, no
// referrer), no directory listings, and nothing outside the directory (no
// "..", no hidden files, no symlinks out). Without a directory, "/" is a
// small built-in page pointing at the API. Thread-safe; reads the disk on
// each request (files are small and the OS caches them).

#ifndef NBO_SERVICES_GATEWAY_STATIC_FILES_H_
#define NBO_SERVICES_GATEWAY_STATIC_FILES_H_

#include <optional>
#include <string>

#include "services/common/http_server.h"

namespace nbo::gateway {

class StaticFiles {
 public:
  // `dir` may be empty (the built-in page only).
  explicit StaticFiles(std::string dir);

  // The answer for a GET or HEAD of `request`'s path, or nullopt if there is
  // no such file (the caller answers 404).
  std::optional<services::HttpResponse> Serve(
      const services::HttpRequest& request) const;

 private:
  std::string dir_;  // canonical, or empty
};

}  // namespace nbo::gateway

#endif  // NBO_SERVICES_GATEWAY_STATIC_FILES_H_
