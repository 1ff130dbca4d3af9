// Copyright (c) 2026 The nbo Authors. MIT License.
//
// How every nbo client (nboctl, nbo-trainer, the bench, the gateway, tests)
// reaches a gRPC server: one channel factory, so that credentials, the bearer
// token, load balancing and message limits are set up once.
//
//   ClientOptions options;
//   options.target = "dns:///nbo-server:50051";
//   options.bearer_token = token;
//   NBO_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
//                        MakeChannel(options));
//   auto stub = v1::ModelService::NewStub(channel);

#ifndef NBO_SERVICES_COMMON_CLIENT_CHANNEL_H_
#define NBO_SERVICES_COMMON_CLIENT_CHANNEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace nbo::services {

struct ClientOptions {
  // The server: "host:port", or "dns:///host:port". Either way the name is
  // resolved by DNS and calls are spread round robin over every address it
  // resolves to (a Kubernetes headless service names every replica).
  // Required.
  std::string target;

  // Sent as "authorization: Bearer <token>" on every call of the channel,
  // when non-empty.
  // Default: "" (no authorization header).
  std::string bearer_token;

  // PEM file of the root certificates the server's certificate must chain
  // to. Setting it (or cert_file/key_file) makes the channel use TLS; with
  // client certificates but no ca_file, gRPC's default roots are used.
  // Default: "" (plaintext).
  std::string ca_file;

  // PEM files of the client's certificate chain and private key, for mutual
  // TLS. Both or neither.
  // Default: "" (no client certificate).
  std::string cert_file;
  std::string key_file;

  // The name the server's certificate is checked against instead of the
  // target's host (tests, or addressing a server by IP). Needs TLS
  // (ca_file or cert_file).
  // Default: "" (the target's host).
  std::string authority_override;

  // Largest message the client accepts; exports and publish chunks are large.
  // -1 means no limit.
  // Default: 64 MiB.
  int max_receive_message_bytes = 64 << 20;

  // Channels made from equal options share one HTTP/2 connection (gRPC pools
  // them). Channels with distinct non-empty keys get a connection each, which
  // a load generator needs so that one connection's flow control is not what
  // it measures.
  // Default: "" (share).
  std::string connection_key;

  // gRPC's client-side health checking: round robin sends calls only to
  // the servers whose gRPC health (service "", what a readiness probe asks)
  // is SERVING, as each server's Health/Watch stream reports it, so a
  // draining or bootstrapping replica gets no new calls. A server without
  // the health service counts as healthy. Only for channels that need a
  // serving model: a server without one is NOT_SERVING, so a publish to it
  // over such a channel would find no server.
  // Default: false.
  bool health_checked = false;

  // Methods whose calls are tried again when they fail UNAVAILABLE before
  // any answer arrived (the server was gone, or went away mid-call): up to
  // kRetryAttempts attempts in all, kRetryBackoff apart and doubling, each
  // picked anew by round robin, so on another server when there is one.
  // Each entry is "package.Service/Method". Only for methods that are safe
  // to run twice; retries are throttled when most calls fail (gRPC's
  // retryThrottling), so a dead cluster is not hammered.
  // Default: none.
  std::vector<std::string> retry_unavailable;
};

// Attempts of a call named in ClientOptions::retry_unavailable, the first
// included, and the wait before the first retry.
inline constexpr int kRetryAttempts = 3;
inline constexpr absl::Duration kRetryBackoff = absl::Milliseconds(50);

// Returns a channel to options.target. It connects lazily: a server that is
// down shows as UNAVAILABLE on the first call, not here.
//
// The bearer token is added by a client interceptor on every call, on
// plaintext and TLS channels alike. (gRPC's call credentials,
// MetadataCredentialsFromPlugin, are refused on plaintext channels, and
// plaintext behind a NetworkPolicy is how the raw gRPC ports are deployed.)
//
// Over TLS the files are checked here and re-read when they change
// (services/common/tls_files.h), so a renewed certificate reaches a
// long-running client without a restart.
//
// INVALID_ARGUMENT for an empty target, for one of cert_file/key_file without
// the other, for authority_override on a plaintext channel, for a file
// that cannot be read or parsed or a key that does not match its
// certificate (the message names the file), and for a retry_unavailable
// entry that is not "package.Service/Method".
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options);

// Adds "authorization: Bearer <token>" to `context` when token is non-empty;
// does nothing otherwise. For calls on channels made without a token.
// REQUIRES: the call has not started.
void AddBearerToken(const std::string& token, grpc::ClientContext* context);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_CLIENT_CHANNEL_H_
