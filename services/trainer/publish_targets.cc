// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/trainer/publish_targets.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nbo::trainer {
namespace {

constexpr absl::string_view kDnsScheme = "dns:///";

// "a.b.c.d:port" or "[v6]:port" of one resolved address.
std::string AddressOf(const addrinfo& info, int port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (info.ai_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(info.ai_addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return absl::StrCat("[", text, "]:", port);
  }
  const auto* in4 = reinterpret_cast<const sockaddr_in*>(info.ai_addr);
  inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
  return absl::StrCat(text, ":", port);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ResolvePublishTarget(
    absl::string_view target) {
  if (!absl::StartsWith(target, kDnsScheme)) {
    return std::vector<std::string>{std::string(target)};
  }
  const absl::string_view rest = target.substr(kDnsScheme.size());
  const size_t colon = rest.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(rest.substr(colon + 1), &port) || port < 1 ||
      port > 65535 || absl::StrContains(rest, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("publish target '", target,
                     "': want dns:///NAME:PORT with a port in [1, 65535]"));
  }
  const std::string name = PublishTargetHost(target);
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int error = getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (error != 0) {
    return absl::UnavailableError(
        absl::StrCat("publish target '", target,
                     "' does not resolve: ", gai_strerror(error)));
  }
  std::vector<std::string> servers;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET || a->ai_family == AF_INET6) {
      servers.push_back(AddressOf(*a, port));
    }
  }
  freeaddrinfo(found);
  std::sort(servers.begin(), servers.end());
  servers.erase(std::unique(servers.begin(), servers.end()), servers.end());
  if (servers.empty()) {
    return absl::UnavailableError(absl::StrCat("publish target '", target,
                                               "' resolves to no IP address"));
  }
  return servers;
}

std::string PublishTargetHost(absl::string_view target) {
  if (!absl::StartsWith(target, kDnsScheme)) return "";
  absl::string_view rest = target.substr(kDnsScheme.size());
  rest = rest.substr(0, rest.rfind(':'));
  if (rest.size() > 2 && rest.front() == '[' && rest.back() == ']') {
    rest = rest.substr(1, rest.size() - 2);
  }
  return std::string(rest);
}

}  // namespace nbo::trainer
