// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/method_roles.h"

namespace nbo::services {
namespace {

using auth::Role;

// Issue 14's roles. Reads of model state, the catalog and aggregate
// experiment figures hold no personal data and are `read`; everything that
// changes what is served, or copies models or feedback out in bulk, is
// `admin`; a customer's own profile, holdings and decisions are `customer`.
constexpr MethodRole kTable[] = {
    {"/nbo.v1.NBOService/Recommend", Role::kRead},
    {"/nbo.v1.NBOService/BatchRecommend", Role::kRead},
    {"/nbo.v1.NBOService/SimilarProducts", Role::kRead},
    {"/nbo.v1.NBOService/RecordFeedback", Role::kAct},
    {"/nbo.v1.NBOService/GetCustomer", Role::kCustomer},
    {"/nbo.v1.NBOService/ListCustomers", Role::kCustomer},

    {"/nbo.v1.IngestService/UpsertCustomers", Role::kIngest},
    {"/nbo.v1.IngestService/RecordTransactions", Role::kIngest},
    {"/nbo.v1.IngestService/StreamTransactions", Role::kIngest},

    {"/nbo.v1.ModelService/ListModels", Role::kRead},
    {"/nbo.v1.ModelService/GetModelStatus", Role::kRead},
    {"/nbo.v1.ModelService/GetCatalog", Role::kRead},
    {"/nbo.v1.ModelService/GetExperimentStats", Role::kRead},
    {"/nbo.v1.ModelService/PublishModel", Role::kAdmin},
    {"/nbo.v1.ModelService/SetVersionLabel", Role::kAdmin},
    {"/nbo.v1.ModelService/SetTrafficSplit", Role::kAdmin},
    {"/nbo.v1.ModelService/DeleteVersion", Role::kAdmin},
    {"/nbo.v1.ModelService/ExportModel", Role::kAdmin},
    {"/nbo.v1.ModelService/UpdateCatalog", Role::kAdmin},
    {"/nbo.v1.ModelService/SetLevers", Role::kAdmin},
    {"/nbo.v1.ModelService/ScoreCustomer", Role::kAdmin},
    {"/nbo.v1.ModelService/ExportFeedback", Role::kAdmin},

    // Training reads the trainer host's files and publishes to production
    // servers; watching or listing jobs is part of operating it.
    {"/nbo.v1.TrainerService/StartTraining", Role::kAdmin},
    {"/nbo.v1.TrainerService/GetJob", Role::kAdmin},
    {"/nbo.v1.TrainerService/ListJobs", Role::kAdmin},
    {"/nbo.v1.TrainerService/WatchJob", Role::kAdmin},
    {"/nbo.v1.TrainerService/CancelJob", Role::kAdmin},
};

}  // namespace

absl::Span<const MethodRole> MethodRoles() { return kTable; }

std::optional<auth::Role> RequiredRole(absl::string_view method) {
  for (const MethodRole& row : kTable) {
    if (row.method == method) return row.role;
  }
  return std::nullopt;
}

}  // namespace nbo::services
