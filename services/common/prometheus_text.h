// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A reader of Prometheus' text exposition format (version 0.0.4), enough to
// check what nbo-server's /metrics says: the bench reads its memory and CPU
// from it, tests read counters. Dependencies: Abseil only, so that clients
// and tests link it without pulling in a server.
//
//   NBO_ASSIGN_OR_RETURN(std::vector<PrometheusSample> samples,
//                        ParsePrometheusText(body));
//   NBO_ASSIGN_OR_RETURN(double rss, FindPrometheusSample(
//       samples, "process_resident_memory_bytes"));

#ifndef NBO_SERVICES_COMMON_PROMETHEUS_TEXT_H_
#define NBO_SERVICES_COMMON_PROMETHEUS_TEXT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nbo::services {

// One sample line: `name{label="value",...} value [timestamp]`.
struct PrometheusSample {
  std::string name;
  // In the order written, values unescaped (\\, \" and \n).
  std::vector<std::pair<std::string, std::string>> labels;
  // +Inf, -Inf and NaN as the doubles they name.
  double value = 0;
};

// The samples of `text` in order. Comment lines (# HELP, # TYPE, others) and
// blank lines are skipped; a timestamp after the value is ignored.
// INVALID_ARGUMENT naming the line number for a line that is not a sample.
absl::StatusOr<std::vector<PrometheusSample>> ParsePrometheusText(
    absl::string_view text);

// The value of the one sample called `name` whose labels include every pair
// of `labels` (other labels may be present). NOT_FOUND when no sample
// matches; FAILED_PRECONDITION when more than one does.
absl::StatusOr<double> FindPrometheusSample(
    const std::vector<PrometheusSample>& samples, absl::string_view name,
    const std::vector<std::pair<std::string, std::string>>& labels = {});

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_PROMETHEUS_TEXT_H_
