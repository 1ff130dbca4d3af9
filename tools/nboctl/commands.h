// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl subcommands. Each takes the arguments after the subcommand name
// (absl flags already parsed into the process's flags) and returns the
// process exit code: 0 success, 1 the operation failed, 2 bad usage.

#ifndef NBO_TOOLS_NBOCTL_COMMANDS_H_
#define NBO_TOOLS_NBOCTL_COMMANDS_H_

#include <string>
#include <vector>

namespace nbo::nboctl {

// gen-factors: synthetic Spark-format factors with planted structure.
int GenFactors(const std::vector<std::string>& args);
// datagen: synthetic customers.csv, products.csv and transactions.csv.
int Datagen(const std::vector<std::string>& args);
// publish: Spark-format factors + products.csv -> ModelService.PublishModel.
int Publish(const std::vector<std::string>& args);
// models list|status|label|split|delete.
int Models(const std::vector<std::string>& args);
// recommend: one NBOService.Recommend call, printed as JSON.
int Recommend(const std::vector<std::string>& args);
// bench: closed-loop load (Recommend vs Health/Check), swaps, JSON report.
int Bench(const std::vector<std::string>& args);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_COMMANDS_H_
