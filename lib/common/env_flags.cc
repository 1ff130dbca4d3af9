// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/env_flags.h"

#include <cstdlib>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace nbo::common {
namespace {

// Names of the flags given on the command line, in any of absl's spellings
// (--name=value, --name value, -name, --noname for booleans).
absl::flat_hash_set<std::string> FlagsOnCommandLine(int argc, char** argv) {
  absl::flat_hash_set<std::string> names;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    absl::string_view name = arg.substr(0, arg.find('='));
    names.emplace(name);
    if (absl::StartsWith(name, "no")) names.emplace(name.substr(2));
  }
  return names;
}

}  // namespace

std::string EnvVarForFlag(const std::string& flag_name,
                          const std::string& prefix) {
  return absl::StrCat(prefix, absl::AsciiStrToUpper(flag_name));
}

absl::Status ApplyEnvironmentToFlags(int argc, char** argv,
                                     const std::string& prefix) {
  const absl::flat_hash_set<std::string> explicit_flags =
      FlagsOnCommandLine(argc, argv);
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (explicit_flags.contains(name)) continue;
    const std::string var = EnvVarForFlag(std::string(name), prefix);
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("environment variable ", var, "=\"", value,
                       "\" is not a valid value for --", name, ": ", error));
    }
  }
  return absl::OkStatus();
}

}  // namespace nbo::common
