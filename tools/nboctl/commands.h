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
// ingest: customers.csv and transactions.csv -> IngestService.
int Ingest(const std::vector<std::string>& args);
// feedback: one NBOService.RecordFeedback call.
int Feedback(const std::vector<std::string>& args);
// customer: NBOService.GetCustomer, the compliance view of one customer.
int Customer(const std::vector<std::string>& args);
// customers: NBOService.ListCustomers, customer ids one per line.
int Customers(const std::vector<std::string>& args);
// similar: NBOService.SimilarProducts.
int Similar(const std::vector<std::string>& args);
int Health(const std::vector<std::string>& args);
// catalog get|update: ModelService.GetCatalog / UpdateCatalog.
int Catalog(const std::vector<std::string>& args);
// levers: show or replace a model's levers (ModelService.SetLevers).
int Levers(const std::vector<std::string>& args);
// experiment-stats: ModelService.GetExperimentStats.
int ExperimentStats(const std::vector<std::string>& args);
// export-feedback: ModelService.ExportFeedback -> a feedback CSV file for
// nbo-trainer train --feedback_path.
int ExportFeedback(const std::vector<std::string>& args);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_COMMANDS_H_
