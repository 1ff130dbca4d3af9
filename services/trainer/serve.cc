// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/trainer/serve.h"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "lib/common/file_util.h"
#include "lib/common/status_macros.h"
#include "services/common/access_control.h"
#include "services/common/grpc_tls.h"
#include "services/common/malformed_request.h"
#include "services/common/server_reflection.h"
#include "services/common/tls_files.h"
#include "services/trainer/job_manager.h"
#include "services/trainer/trainer_service_impl.h"
#include "services/trainer/training_run.h"

ABSL_FLAG(std::string, grpc_addr, "0.0.0.0:50061",
          "serve: address TrainerService listens on");
ABSL_FLAG(std::string, port_file, "",
          "serve: once listening, write {\"grpc\":PORT} here (for tests "
          "that listen on port 0)");
ABSL_FLAG(std::string, admin_token, "",
          "Bearer token: jobs send it to the servers' ModelService when "
          "publishing, and serve accepts it as a token with role admin "
          "(combined with --tokens_file). Default: $NBO_ADMIN_TOKEN");
ABSL_FLAG(std::string, tokens_file, "",
          "serve: bearer tokens by role, one per line 'NAME ROLE[,ROLE...] "
          "sha256:HEX', re-read when it changes; TrainerService needs role "
          "admin. Default: $NBO_TOKENS_FILE");
ABSL_FLAG(std::string, upstream_ca, "",
          "PEM CA file: publish to the servers over TLS, verified against "
          "it (a dns:/// target's servers are checked against its name)");
ABSL_FLAG(std::string, upstream_cert, "",
          "PEM client certificate for mutual TLS to the servers (needs "
          "--upstream_key)");
ABSL_FLAG(std::string, upstream_key, "", "PEM private key of --upstream_cert");
ABSL_FLAG(std::string, tls_cert, "",
          "serve: PEM certificate chain: serve gRPC over TLS (needs "
          "--tls_key); re-read when the file changes");
ABSL_FLAG(std::string, tls_key, "", "serve: PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "serve: PEM CA file: clients must present a certificate it signed "
          "(mutual TLS; needs --tls_cert)");
ABSL_FLAG(bool, reflection, true,
          "serve: serve gRPC server reflection (it needs no token)");

namespace nbo::trainer {

absl::StatusOr<UpstreamTls> UpstreamTlsFromFlags() {
  UpstreamTls tls{absl::GetFlag(FLAGS_upstream_ca),
                  absl::GetFlag(FLAGS_upstream_cert),
                  absl::GetFlag(FLAGS_upstream_key)};
  NBO_RETURN_IF_ERROR(services::ValidateTlsFiles(
      services::TlsFileSet{tls.cert_file, tls.key_file, tls.ca_file},
      services::TlsFileNames{"upstream_cert", "upstream_key", "upstream_ca"}));
  return tls;
}

namespace {

constexpr char kServiceName[] = "nbo.v1.TrainerService";

void SetHealth(grpc::Server& server, bool serving) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
  health->SetServingStatus(kServiceName, serving);
}

}  // namespace

int RunServe() {
  // As in nbo-server: Debian's Abseil keeps the deadlock detector on, which
  // costs every lock a graph update; the tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the termination signals before any thread exists, so that every
  // thread inherits the mask and only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Checked at start, not when the first job publishes.
  absl::StatusOr<UpstreamTls> upstream_tls = UpstreamTlsFromFlags();
  if (!upstream_tls.ok()) {
    std::fprintf(stderr, "nbo-trainer: %s\n",
                 upstream_tls.status().ToString().c_str());
    return 2;
  }
  std::string admin_token = absl::GetFlag(FLAGS_admin_token);
  if (admin_token.empty()) {
    if (const char* env = std::getenv("NBO_ADMIN_TOKEN"); env != nullptr) {
      admin_token = env;
    }
  }

  std::string tokens_file = absl::GetFlag(FLAGS_tokens_file);
  if (tokens_file.empty()) {
    if (const char* env = std::getenv("NBO_TOKENS_FILE"); env != nullptr) {
      tokens_file = env;
    }
  }
  services::AccessControl::Options access_options;
  access_options.tokens_file = tokens_file;
  access_options.admin_token = admin_token;
  absl::StatusOr<std::unique_ptr<services::AccessControl>> access =
      services::AccessControl::Create(access_options);
  if (!access.ok()) {
    std::fprintf(stderr, "nbo-trainer: %s\n",
                 access.status().ToString().c_str());
    return 1;
  }

  JobManager manager(RunTraining, JobManager::Options());
  TrainerServiceImpl::Options service_options;
  service_options.access = access->get();
  service_options.publish_token = admin_token;
  service_options.publish_tls = *std::move(upstream_tls);
  TrainerServiceImpl service(&manager, service_options);

  const std::string addr = absl::GetFlag(FLAGS_grpc_addr);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(
      services::ServerReflectionOption(absl::GetFlag(FLAGS_reflection)));
  const services::TlsFiles tls{absl::GetFlag(FLAGS_tls_cert),
                               absl::GetFlag(FLAGS_tls_key),
                               absl::GetFlag(FLAGS_tls_client_ca)};
  absl::StatusOr<services::GrpcServerTls> credentials =
      services::MakeServerCredentials(tls);
  if (!credentials.ok()) {
    std::fprintf(stderr, "nbo-trainer: %s\n",
                 credentials.status().ToString().c_str());
    return 1;
  }
  int port = 0;
  builder.AddListeningPort(addr, credentials->credentials, &port);
  builder.RegisterService(&service);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(nbo::services::MalformedRequestInterceptorFactory(
      {"nbo.v1.TrainerService"}));
  interceptors.push_back((*access)->AuditInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "nbo-trainer: cannot listen on %s\n", addr.c_str());
    return 1;
  }
  SetHealth(*server, true);
  std::fprintf(stderr, "nbo-trainer: serving TrainerService%s on port %d\n",
               services::TlsDescription(tls), port);
  if ((*access)->open()) {
    std::fprintf(stderr,
                 "nbo-trainer: WARNING: OPEN MODE: no --tokens_file and no "
                 "--admin_token; any client that reaches this port can start "
                 "training jobs that read this host's files and publish to "
                 "production servers. For a local demo only.\n");
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    const absl::Status written = common::WriteFileAtomically(
        port_file, absl::StrCat("{\"grpc\":", port, "}\n"));
    if (!written.ok()) {
      std::fprintf(stderr, "nbo-trainer: %s\n", written.ToString().c_str());
      server->Shutdown();
      return 1;
    }
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "nbo-trainer: %s received; shutting down\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  SetHealth(*server, false);
  // Cancel first: watchers then see their jobs' terminal events and their
  // streams end on their own before the server stops.
  manager.Shutdown();
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  server->Wait();
  std::fprintf(stderr, "nbo-trainer: stopped\n");
  return 0;
}

}  // namespace nbo::trainer
