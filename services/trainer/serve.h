// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_TRAINER_SERVE_H_
#define NBO_SERVICES_TRAINER_SERVE_H_

#include "absl/status/statusor.h"
#include "services/trainer/training_run.h"

namespace nbo::trainer {

// The --upstream_ca, --upstream_cert and --upstream_key flags: how runs,
// from the command line or TrainerService, reach the servers they publish
// to. Checked (services::ValidateTlsFiles): INVALID_ARGUMENT naming the
// flag and file that cannot be read or parsed, or a key that does not
// match its certificate.
absl::StatusOr<UpstreamTls> UpstreamTlsFromFlags();

// `nbo-trainer serve`: runs TrainerService over gRPC (with health and
// reflection) until SIGTERM/SIGINT. Flags are already parsed. Returns the
// process exit code.
int RunServe();

}  // namespace nbo::trainer

#endif  // NBO_SERVICES_TRAINER_SERVE_H_
