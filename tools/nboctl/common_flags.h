// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Flags shared by several nboctl subcommands. Subcommand-specific flags are
// defined in that subcommand's .cc file.

#ifndef NBO_TOOLS_NBOCTL_COMMON_FLAGS_H_
#define NBO_TOOLS_NBOCTL_COMMON_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(int64_t, version);
ABSL_DECLARE_FLAG(int64_t, customers);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(std::string, token);
ABSL_DECLARE_FLAG(std::string, ca_file);
ABSL_DECLARE_FLAG(std::string, cert_file);
ABSL_DECLARE_FLAG(std::string, key_file);
ABSL_DECLARE_FLAG(std::string, tls_server_name);
ABSL_DECLARE_FLAG(int, batch);
ABSL_DECLARE_FLAG(std::string, customer_id);
ABSL_DECLARE_FLAG(std::string, product_id);
ABSL_DECLARE_FLAG(std::string, channel);

#endif  // NBO_TOOLS_NBOCTL_COMMON_FLAGS_H_
