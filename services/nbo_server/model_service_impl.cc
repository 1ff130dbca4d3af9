// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/model_service_impl.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/quote.h"
#include "lib/serving/names.h"
#include "services/common/access_control.h"
#include "services/common/grpc_status.h"
#include "services/nbo_server/client_stream_reactor.h"
#include "services/nbo_server/publish_stream.h"

namespace nbo::server {
namespace {

constexpr int kDefaultExportRows = 1024;
constexpr int kMaxExportRows = 65536;

}  // namespace

ModelServiceImpl::ModelServiceImpl(serving::ModelManager* manager,
                                   store::ModelStore* store,
                                   serving::CatalogRegistry* catalogs,
                                   const serving::Recommender* recommender,
                                   const serving::CustomerService* customers,
                                   ServerMetrics* metrics, Options options)
    : manager_(manager),
      store_(store),
      catalogs_(catalogs),
      recommender_(recommender),
      customers_(customers),
      metrics_(metrics),
      options_(std::move(options)),
      publishes_(options_.max_concurrent_publishes) {}

grpc::Status ModelServiceImpl::Authorize(const grpc::ServerContextBase* context,
                                         absl::string_view method) const {
  return options_.access->Check(*context, method);
}

grpc::ServerReadReactor<grpc::ByteBuffer>* ModelServiceImpl::PublishModel(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  grpc::Status refused =
      Authorize(context, "/nbo.v1.ModelService/PublishModel");
  std::unique_ptr<ConcurrencyLimit::Permit> permit;
  if (refused.ok()) {
    permit = publishes_.TryAcquire();
    if (permit == nullptr) {
      refused = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat(publishes_.limit(),
                       " publishes are in progress, the most this server "
                       "takes at once (--max_concurrent_publishes); retry "
                       "when one has finished"));
    }
  }
  if (!refused.ok()) {
    CallRecorder call(metrics_, Method::kPublishModel);
    return RejectClientStream(call.Done(refused));
  }
  return ClientStreamReactor::Start(
      context, response,
      std::make_unique<PublishStream>(manager_, store_, catalogs_, metrics_,
                                      options_.publish_limits,
                                      std::move(permit)),
      options_.publish_idle_timeout);
}

grpc::Status ModelServiceImpl::ListModels(
    grpc::ServerContext* context, const nbo::v1::ListModelsRequest* /*request*/,
    nbo::v1::ListModelsResponse* response) {
  CallRecorder call(metrics_, Method::kListModels);
  if (grpc::Status auth = Authorize(context, "/nbo.v1.ModelService/ListModels");
      !auth.ok()) {
    return call.Done(auth);
  }
  for (nbo::v1::ModelStatus& model : manager_->ListModels()) {
    *response->add_models() = std::move(model);
  }
  return call.Done(grpc::Status::OK);
}

grpc::Status ModelServiceImpl::GetModelStatus(
    grpc::ServerContext* context, const nbo::v1::GetModelStatusRequest* request,
    nbo::v1::GetModelStatusResponse* response) {
  CallRecorder call(metrics_, Method::kGetModelStatus);
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.ModelService/GetModelStatus");
      !auth.ok()) {
    return call.Done(auth);
  }
  absl::StatusOr<nbo::v1::ModelStatus> status =
      manager_->GetModelStatus(manager_->ResolveName(request->model_name()));
  if (!status.ok()) return call.Done(services::ToGrpcStatus(status.status()));
  *response->mutable_model() = *std::move(status);
  return call.Done(grpc::Status::OK);
}

grpc::Status ModelServiceImpl::SetVersionLabel(
    grpc::ServerContext* context,
    const nbo::v1::SetVersionLabelRequest* request,
    nbo::v1::SetVersionLabelResponse* response) {
  CallRecorder call(metrics_, Method::kSetVersionLabel);
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.ModelService/SetVersionLabel");
      !auth.ok()) {
    return call.Done(auth);
  }
  absl::StatusOr<nbo::v1::ModelStatus> status =
      manager_->SetLabel(manager_->ResolveName(request->model_name()),
                         request->label(), request->version());
  if (!status.ok()) return call.Done(services::ToGrpcStatus(status.status()));
  *response->mutable_model() = *std::move(status);
  return call.Done(grpc::Status::OK);
}

grpc::Status ModelServiceImpl::SetTrafficSplit(
    grpc::ServerContext* context,
    const nbo::v1::SetTrafficSplitRequest* request,
    nbo::v1::SetTrafficSplitResponse* response) {
  CallRecorder call(metrics_, Method::kSetTrafficSplit);
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.ModelService/SetTrafficSplit");
      !auth.ok()) {
    return call.Done(auth);
  }
  std::vector<store::SplitArm> arms;
  for (const nbo::v1::TrafficArm& arm : request->arms()) {
    store::SplitArm out;
    out.weight = arm.weight();
    if (arm.has_label()) {
      if (absl::Status s = serving::ValidateLabel(arm.label()); !s.ok()) {
        return call.Done(services::ToGrpcStatus(s));
      }
      out.label = arm.label();
    } else {
      out.version = arm.version();
    }
    arms.push_back(std::move(out));
  }
  absl::StatusOr<nbo::v1::ModelStatus> status = manager_->SetTrafficSplit(
      manager_->ResolveName(request->model_name()), arms, request->salt());
  if (!status.ok()) return call.Done(services::ToGrpcStatus(status.status()));
  *response->mutable_model() = *std::move(status);
  return call.Done(grpc::Status::OK);
}

grpc::Status ModelServiceImpl::DeleteVersion(
    grpc::ServerContext* context, const nbo::v1::DeleteVersionRequest* request,
    nbo::v1::DeleteVersionResponse* /*response*/) {
  CallRecorder call(metrics_, Method::kDeleteVersion);
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.ModelService/DeleteVersion");
      !auth.ok()) {
    return call.Done(auth);
  }
  return call.Done(services::ToGrpcStatus(manager_->DeleteVersion(
      manager_->ResolveName(request->model_name()), request->version())));
}

grpc::Status ModelServiceImpl::ExportModel(
    grpc::ServerContext* context, const nbo::v1::ExportModelRequest* request,
    grpc::ServerWriter<nbo::v1::PublishModelRequest>* writer) {
  CallRecorder call(metrics_, Method::kExportModel);
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.ModelService/ExportModel");
      !auth.ok()) {
    return call.Done(auth);
  }
  return call.Done(DoExport(*request, writer));
}

grpc::Status ModelServiceImpl::DoExport(
    const nbo::v1::ExportModelRequest& request,
    grpc::ServerWriter<nbo::v1::PublishModelRequest>* writer) {
  const int rows_per_chunk = request.rows_per_chunk() == 0
                                 ? kDefaultExportRows
                                 : request.rows_per_chunk();
  if (rows_per_chunk < 0 || rows_per_chunk > kMaxExportRows) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("rows_per_chunk must be in [0, ", kMaxExportRows, "]"));
  }
  const std::string name = manager_->ResolveName(request.model_name());
  absl::StatusOr<store::VersionRecord> record =
      store_->GetVersion(name, request.version());
  if (!record.ok()) return services::ToGrpcStatus(record.status());
  absl::StatusOr<std::vector<float>> items =
      store_->ReadItemFactors(name, request.version());
  if (!items.ok()) return services::ToGrpcStatus(items.status());

  nbo::v1::PublishModelRequest message;
  nbo::v1::PublishHeader* header = message.mutable_header();
  header->set_model_name(name);
  header->set_version(record->version);
  header->set_rank(record->rank);
  // As stored: a replica bootstrapping from this export serves the same
  // kind (or refuses it, if it is older than the kind).
  header->set_model_kind(static_cast<nbo::v1::ModelKind>(record->model_kind));
  // header.customer_count stays undeclared: a version published before
  // duplicate customer rows were refused counted them twice, so its record
  // may count more rows than the export carries.
  // The version's products with the model's current rules, so that a
  // replica bootstrapping from this export decides as this server does.
  std::shared_ptr<const serving::DecisionConfig> catalog = catalogs_->Get(name);
  for (size_t i = 0; i < record->catalog.size(); ++i) {
    const store::ProductRow& p = record->catalog[i];
    nbo::v1::Product* out = header->add_catalog();
    if (const nbo::v1::Product* listed =
            catalog != nullptr ? catalog->Find(p.product_id) : nullptr;
        listed != nullptr) {
      *out = *listed;
    }
    out->set_product_id(p.product_id);
    out->set_name(p.name);
    out->set_category(p.category);
    (*header->mutable_popularity())[p.product_id] = record->popularity[i];
  }
  nbo::v1::ModelMetadata* meta = header->mutable_metadata();
  meta->set_description(record->description);
  meta->mutable_labels()->insert(record->labels.begin(), record->labels.end());
  meta->mutable_metrics()->insert(record->metrics.begin(),
                                  record->metrics.end());
  meta->set_calibration_a(record->calibration_a);
  meta->set_calibration_b(record->calibration_b);
  if (!record->propensity_model.empty() &&
      !meta->mutable_propensity()->ParseFromString(record->propensity_model)) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "the version's propensity model is unreadable");
  }
  if (!writer->Write(message)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }

  message.Clear();
  const int rank = record->rank;
  for (size_t i = 0; i < record->catalog.size(); ++i) {
    nbo::v1::FactorRow* row = message.mutable_item_factors()->add_rows();
    row->set_id(record->catalog[i].product_id);
    row->mutable_values()->Add(items->begin() + i * rank,
                               items->begin() + (i + 1) * rank);
  }
  if (!writer->Write(message)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }

  message.Clear();
  int64_t customers = 0;
  const absl::Status scanned = store_->ScanCustomerFactors(
      name, request.version(),
      [&](absl::string_view id, absl::Span<const float> factor) {
        nbo::v1::FactorRow* row =
            message.mutable_customer_factors()->add_rows();
        row->set_id(std::string(id));
        row->mutable_values()->Add(factor.begin(), factor.end());
        ++customers;
        if (message.customer_factors().rows_size() >= rows_per_chunk) {
          if (!writer->Write(message)) {
            return absl::CancelledError("the client went away");
          }
          message.Clear();
        }
        return absl::OkStatus();
      });
  if (!scanned.ok()) return services::ToGrpcStatus(scanned);
  if (message.has_customer_factors() && !writer->Write(message)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }
  message.Clear();
  message.mutable_commit()->set_expected_product_count(
      static_cast<int64_t>(record->catalog.size()));
  message.mutable_commit()->set_expected_customer_count(customers);
  if (!writer->Write(message)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }
  return grpc::Status::OK;
}

grpc::Status ModelServiceImpl::UpdateCatalog(
    grpc::ServerContext* context, const nbo::v1::UpdateCatalogRequest* request,
    nbo::v1::UpdateCatalogResponse* response) {
  CallRecorder call(metrics_, Method::kUpdateCatalog);
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.ModelService/UpdateCatalog");
      !auth.ok()) {
    return call.Done(auth);
  }
  const std::string name = manager_->ResolveName(request->model_name());
  absl::StatusOr<int64_t> revision =
      catalogs_->UpdateCatalog(name, request->catalog());
  if (!revision.ok()) {
    return call.Done(services::ToGrpcStatus(revision.status()));
  }
  response->set_model_name(name);
  response->set_revision(*revision);
  return call.Done(grpc::Status::OK);
}

grpc::Status ModelServiceImpl::GetCatalog(
    grpc::ServerContext* context, const nbo::v1::GetCatalogRequest* request,
    nbo::v1::GetCatalogResponse* response) {
  CallRecorder call(metrics_, Method::kGetCatalog);
  if (grpc::Status auth = Authorize(context, "/nbo.v1.ModelService/GetCatalog");
      !auth.ok()) {
    return call.Done(auth);
  }
  const std::string name = manager_->ResolveName(request->model_name());
  std::shared_ptr<const serving::DecisionConfig> config = catalogs_->Get(name);
  if (config == nullptr) {
    return call.Done(
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     absl::StrCat("model ", common::QuoteForError(name),
                                  " has no catalog")));
  }
  *response = config->record;
  return call.Done(grpc::Status::OK);
}

grpc::Status ModelServiceImpl::SetLevers(
    grpc::ServerContext* context, const nbo::v1::SetLeversRequest* request,
    nbo::v1::SetLeversResponse* response) {
  CallRecorder call(metrics_, Method::kSetLevers);
  if (grpc::Status auth = Authorize(context, "/nbo.v1.ModelService/SetLevers");
      !auth.ok()) {
    return call.Done(auth);
  }
  const std::string name = manager_->ResolveName(request->model_name());
  const absl::Status set = catalogs_->SetLevers(name, request->levers());
  if (!set.ok()) return call.Done(services::ToGrpcStatus(set));
  *response->mutable_levers() = catalogs_->Get(name)->record.levers();
  return call.Done(grpc::Status::OK);
}

grpc::Status ModelServiceImpl::GetExperimentStats(
    grpc::ServerContext* context,
    const nbo::v1::GetExperimentStatsRequest* request,
    nbo::v1::GetExperimentStatsResponse* response) {
  CallRecorder call(metrics_, Method::kGetExperimentStats);
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.ModelService/GetExperimentStats");
      !auth.ok()) {
    return call.Done(auth);
  }
  nbo::v1::GetExperimentStatsRequest resolved = *request;
  resolved.set_model_name(manager_->ResolveName(request->model_name()));
  return call.Done(services::ToGrpcStatus(
      customers_->GetExperimentStats(resolved, response)));
}

grpc::ServerUnaryReactor* ModelServiceImpl::ScoreCustomer(
    grpc::CallbackServerContext* context,
    const nbo::v1::ScoreCustomerRequest* request,
    nbo::v1::ScoreCustomerResponse* response) {
  grpc::Status status;
  {
    CallRecorder call(metrics_, Method::kScoreCustomer);
    status = Authorize(context, "/nbo.v1.ModelService/ScoreCustomer");
    if (status.ok()) {
      status = services::ToGrpcStatus(recommender_->Score(*request, response));
    }
    call.Done(status);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::Status ModelServiceImpl::ExportFeedback(
    grpc::ServerContext* context, const nbo::v1::ExportFeedbackRequest* request,
    grpc::ServerWriter<nbo::v1::ExportFeedbackResponse>* writer) {
  CallRecorder call(metrics_, Method::kExportFeedback);
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.ModelService/ExportFeedback");
      !auth.ok()) {
    return call.Done(auth);
  }
  return call.Done(services::ToGrpcStatus(customers_->ExportFeedback(
      *request, [writer](const nbo::v1::ExportFeedbackResponse& chunk) {
        return writer->Write(chunk);
      })));
}

}  // namespace nbo::server
