// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_TRAINER_SERVE_H_
#define NBO_SERVICES_TRAINER_SERVE_H_

namespace nbo::trainer {

// `nbo-trainer serve`: runs TrainerService over gRPC (with health and
// reflection) until SIGTERM/SIGINT. Flags are already parsed. Returns the
// process exit code.
int RunServe();

}  // namespace nbo::trainer

#endif  // NBO_SERVICES_TRAINER_SERVE_H_
