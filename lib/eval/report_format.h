// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Renders evaluation results for people (a fixed-width table in the trainer's
// log) and for machines (JSON stored next to the published version and shown
// by the admin UI). Pure functions of their arguments; thread-safe.

#ifndef NBO_LIB_EVAL_REPORT_FORMAT_H_
#define NBO_LIB_EVAL_REPORT_FORMAT_H_

#include <string>

#include "lib/eval/evaluator.h"
#include "lib/eval/publish_gate.h"

namespace nbo::eval {

// The model against the popularity baseline (and the serving version when
// `serving` is not null), one row per metric with the model's relative lift
// over popularity, then a line with the user and item counts:
//
//   metric               model  popularity      lift
//   precision@7         0.2857      0.1429   +100.00%
//   ...
//   brier               0.0512      0.0790         -
//   ece                 0.0101      0.0400         -
//   max propensity      0.9990      0.3000         -
//   users evaluated: 3 (auc over 3), items: 4, K: 7
//   reliability of model (24 pairs, 3 taken; equal-mass bins):
//          pairs  predicted   observed   propensities
//              3     0.0100     0.0000   0.005 .. 0.02
//   ...
//
// The calibration rows and reliability tables appear only for reports with
// calibration metrics (EvaluateWithCalibration); "-" marks a report without.
// REQUIRES: the reports share K.
std::string FormatEvaluationTable(const EvaluationReport& model,
                                  const EvaluationReport& popularity,
                                  const EvaluationReport* serving = nullptr);

// One report as a JSON object:
//   {"k":7,"num_users_evaluated":3,"num_users_auc":3,"num_items":4,
//    "precision@7":0.2857142857,...,"coverage@7":1,"elapsed_seconds":0.001}
// With calibration metrics, before "elapsed_seconds": "brier", "ece",
// "max_propensity", "calibration_pairs", "calibration_positives" and
// "bins":[{"count":3,"predicted":0.01,"observed":0,"min":0.005,"max":0.02},
// ...] (scripts read brier, ece and bins: keep the names).
// Non-finite numbers are written as null.
std::string EvaluationReportToJson(const EvaluationReport& report);

// The same table as FormatEvaluationTable as JSON:
//   {"k":7,"model":{...},"popularity":{...},"serving":{...}}
// with "serving" present only when `serving` is not null.
std::string EvaluationTableToJson(const EvaluationReport& model,
                                  const EvaluationReport& popularity,
                                  const EvaluationReport* serving = nullptr);

// A gate decision as a JSON object with every field of PublishDecision
// (absent optionals as null).
std::string PublishDecisionToJson(const PublishDecision& decision);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_REPORT_FORMAT_H_
