// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/server_main.h"

#include <pthread.h>

#include <cstdio>
#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/env_flags.h"

namespace nbo::common {

bool InitServerMain(int argc, char** argv, const char* program,
                    const char* usage, sigset_t* signals) {
  absl::SetProgramUsageMessage(usage);
  absl::ParseCommandLine(argc, argv);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (absl::Status env = ApplyEnvironmentToFlags(argc, argv); !env.ok()) {
    std::fprintf(stderr, "%s: %s\n", program,
                 std::string(env.message()).c_str());
    return false;
  }
  sigemptyset(signals);
  sigaddset(signals, SIGTERM);
  sigaddset(signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, signals, nullptr);
  return true;
}

}  // namespace nbo::common
