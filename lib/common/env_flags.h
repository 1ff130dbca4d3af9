// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_COMMON_ENV_FLAGS_H_
#define NBO_LIB_COMMON_ENV_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace nbo::common {

// Gives every registered absl flag an environment-variable equivalent:
// --data_dir reads NBO_DATA_DIR, --grpc_addr NBO_GRPC_ADDR, and so on. A flag
// set on the command line wins over the environment.
//
// Call after absl::ParseCommandLine with the raw argv; `prefix` is "NBO_".
// Returns INVALID_ARGUMENT naming the variable when a value does not parse.
absl::Status ApplyEnvironmentToFlags(int argc, char** argv,
                                     const std::string& prefix = "NBO_");

// The environment variable that maps to `flag_name` ("data_dir" ->
// "NBO_DATA_DIR").
std::string EnvVarForFlag(const std::string& flag_name,
                          const std::string& prefix = "NBO_");

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_ENV_FLAGS_H_
