// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/resolve_targets.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"

namespace nbo::services {
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

// "a.b.c.d" or "v6" of an interface address; "" for other families.
std::string HostOf(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
  } else if (address->sa_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
  }
  return text;
}

// The port of "dns:///NAME:PORT", or INVALID_ARGUMENT as ResolveTarget
// says.
absl::StatusOr<int> DnsTargetPort(absl::string_view target) {
  const absl::string_view rest = target.substr(kDnsScheme.size());
  const size_t colon = rest.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(rest.substr(colon + 1), &port) || port < 1 ||
      port > 65535 || absl::StrContains(rest, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("target '", target,
                     "': want dns:///NAME:PORT with a port in [1, 65535]"));
  }
  return port;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ResolveTarget(
    absl::string_view target) {
  if (!absl::StartsWith(target, kDnsScheme)) {
    return std::vector<std::string>{std::string(target)};
  }
  NBO_ASSIGN_OR_RETURN(const int port, DnsTargetPort(target));
  const std::string name = DnsTargetName(target);
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int error = getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (error != 0) {
    return absl::UnavailableError(absl::StrCat(
        "target '", target, "' does not resolve: ", gai_strerror(error)));
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
    return absl::UnavailableError(
        absl::StrCat("target '", target, "' resolves to no IP address"));
  }
  return servers;
}

std::string DnsTargetName(absl::string_view target) {
  if (!absl::StartsWith(target, kDnsScheme)) return "";
  absl::string_view rest = target.substr(kDnsScheme.size());
  rest = rest.substr(0, rest.rfind(':'));
  if (rest.size() > 2 && rest.front() == '[' && rest.back() == ']') {
    rest = rest.substr(1, rest.size() - 2);
  }
  return std::string(rest);
}

absl::Status ValidateServerTarget(absl::string_view target) {
  if (absl::StartsWith(target, kDnsScheme)) {
    return DnsTargetPort(target).status();
  }
  const size_t colon = target.rfind(':');
  const absl::string_view host =
      target.substr(0, colon == absl::string_view::npos ? 0 : colon);
  const bool bracketed =
      absl::StartsWith(host, "[") && absl::EndsWith(host, "]");
  int port = 0;
  if (host.empty() || (!bracketed && absl::StrContains(host, ':')) ||
      !absl::SimpleAtoi(target.substr(colon + 1), &port) || port < 1 ||
      port > 65535 || absl::StrContains(target, '/') ||
      absl::StrContains(target, ',')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "target '", target,
        "': want HOST:PORT or dns:///NAME:PORT with a port in [1, 65535]"));
  }
  return absl::OkStatus();
}

bool IsOwnAddress(absl::string_view address, int port) {
  const size_t colon = address.rfind(':');
  int address_port = 0;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &address_port) ||
      address_port != port) {
    return false;
  }
  absl::string_view host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return false;
  bool own = false;
  for (const ifaddrs* i = interfaces; i != nullptr && !own; i = i->ifa_next) {
    own = i->ifa_addr != nullptr && HostOf(i->ifa_addr) == host;
  }
  freeifaddrs(interfaces);
  return own;
}

}  // namespace nbo::services
