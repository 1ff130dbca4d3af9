// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Publish targets as the trainer is given them, and the servers they stand
// for. "host:port" is one server. "dns:///name:port" (gRPC's naming) is
// every address `name` resolves to: behind a Kubernetes headless Service,
// each nbo-server pod, so that a publish reaches every replica and the
// result lists each one.
//
//   NBO_ASSIGN_OR_RETURN(std::vector<std::string> servers,
//                        ResolvePublishTarget("dns:///nbo-peers:50051"));
//   // {"10.0.1.7:50051", "10.0.2.9:50051"}

#ifndef NBO_SERVICES_TRAINER_PUBLISH_TARGETS_H_
#define NBO_SERVICES_TRAINER_PUBLISH_TARGETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nbo::trainer {

// The servers `target` names: itself for "host:port" (and any other gRPC
// target but dns:///); for "dns:///name:port" each distinct address of
// `name` (getaddrinfo, TCP), as "a.b.c.d:port" or "[v6]:port", sorted.
// INVALID_ARGUMENT for a dns:/// target without a name or a numeric port in
// [1, 65535] (an authority, dns://host/name, is not supported);
// UNAVAILABLE naming the target when the name does not resolve.
absl::StatusOr<std::vector<std::string>> ResolvePublishTarget(
    absl::string_view target);

// The host name of a "dns:///name:port" target ("name"), which a TLS
// server's certificate must carry when the target's addresses are dialled
// one by one; "" for any other target.
std::string PublishTargetHost(absl::string_view target);

}  // namespace nbo::trainer

#endif  // NBO_SERVICES_TRAINER_PUBLISH_TARGETS_H_
