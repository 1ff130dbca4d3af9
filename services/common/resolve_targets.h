// Copyright (c) 2026 The nbo Authors. MIT License.
//
// gRPC targets as our binaries are given them, and the servers they stand
// for. "host:port" is one server. "dns:///name:port" (gRPC's naming) is
// every address `name` resolves to: behind a Kubernetes headless Service,
// each nbo-server pod. nbo-trainer publishes to each of them
// (--publish_to), so that every replica gets the version and the result
// lists each one; nbo-server bootstraps from one of them (--bootstrap_from).
//
//   NBO_ASSIGN_OR_RETURN(std::vector<std::string> servers,
//                        ResolveTarget("dns:///nbo-peers:50051"));
//   // {"10.0.1.7:50051", "10.0.2.9:50051"}

#ifndef NBO_SERVICES_COMMON_RESOLVE_TARGETS_H_
#define NBO_SERVICES_COMMON_RESOLVE_TARGETS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nbo::services {

// The servers `target` names: itself for "host:port" (and any other gRPC
// target but dns:///); for "dns:///name:port" each distinct address of
// `name` (getaddrinfo, TCP), as "a.b.c.d:port" or "[v6]:port", sorted.
// INVALID_ARGUMENT for a dns:/// target without a name or a numeric port in
// [1, 65535] (an authority, dns://host/name, is not supported);
// UNAVAILABLE naming the target when the name does not resolve.
absl::StatusOr<std::vector<std::string>> ResolveTarget(
    absl::string_view target);

// The host name of a "dns:///name:port" target ("name", without the
// brackets of a v6 literal), which a TLS server's certificate must carry
// when the target's addresses are dialled one by one; "" for any other
// target.
std::string DnsTargetName(absl::string_view target);

// Whether `target` is "dns:///NAME:PORT" or "HOST:PORT" ("[v6]:PORT" too)
// with a port in [1, 65535], without resolving anything. OK, or
// INVALID_ARGUMENT quoting the target and saying what is wanted. For flags
// that take servers one by one, where gRPC's other schemes (ipv4:, unix:)
// make no sense.
absl::Status ValidateServerTarget(absl::string_view target);

// Whether `address`, as ResolveTarget returns it ("a.b.c.d:port" or
// "[v6]:port"), is one of this host's own interface addresses (loopback
// included) with port `port`: this very server, when it is one of the
// addresses its peers' name resolves to. False for a host name.
bool IsOwnAddress(absl::string_view address, int port);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_RESOLVE_TARGETS_H_
