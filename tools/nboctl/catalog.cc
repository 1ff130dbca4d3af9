// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl catalog get|update: ModelService.GetCatalog and UpdateCatalog.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "tools/nboctl/catalog_csv.h"
#include "tools/nboctl/cli_format.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

// Defined in publish.cc.
ABSL_DECLARE_FLAG(std::string, products);

namespace nbo::nboctl {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

void Prepare(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
}

const char* ModelName(const std::string& name) {
  return name.empty() ? "(default)" : name.c_str();
}

int Get(v1::ModelService::Stub* stub) {
  v1::GetCatalogRequest request;
  request.set_model_name(absl::GetFlag(FLAGS_model));
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetCatalogResponse response;
  const grpc::Status status = stub->GetCatalog(&context, request, &response);
  if (!status.ok()) return ReportRpcError("catalog get", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::printf("model %s catalog revision %lld, %d products\n",
              ModelName(response.model_name()),
              static_cast<long long>(response.revision()),
              response.catalog_size());
  PrintTable(CatalogTable(response));
  return 0;
}

int Update(v1::ModelService::Stub* stub) {
  const std::string path = absl::GetFlag(FLAGS_products);
  if (path.empty()) {
    return UsageError("catalog update", "--products=products.csv is required");
  }
  absl::StatusOr<std::vector<v1::Product>> catalog = ReadCatalogCsv(path);
  if (!catalog.ok()) return ReportError("catalog update", catalog.status());
  v1::UpdateCatalogRequest request;
  request.set_model_name(absl::GetFlag(FLAGS_model));
  for (v1::Product& product : *catalog) {
    *request.add_catalog() = std::move(product);
  }
  grpc::ClientContext context;
  Prepare(&context);
  v1::UpdateCatalogResponse response;
  const grpc::Status status = stub->UpdateCatalog(&context, request, &response);
  if (!status.ok()) return ReportRpcError("catalog update", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::printf("model %s catalog is now revision %lld (%d products from %s)\n",
              ModelName(response.model_name()),
              static_cast<long long>(response.revision()),
              request.catalog_size(), path.c_str());
  return 0;
}

}  // namespace

int Catalog(const std::vector<std::string>& args) {
  if (args.size() != 1 || (args[0] != "get" && args[0] != "update")) {
    return UsageError("catalog", "want `catalog get` or `catalog update`");
  }
  std::unique_ptr<v1::ModelService::Stub> stub =
      NewServerStub<v1::ModelService>("catalog");
  if (stub == nullptr) return 1;
  return args[0] == "get" ? Get(stub.get()) : Update(stub.get());
}

}  // namespace nbo::nboctl
