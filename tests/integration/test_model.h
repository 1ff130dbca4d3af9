// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Synthetic models for the integration tests, built in memory as the
// PublishModelRequest stream a trainer would send, and the client calls that
// send them.

#ifndef NBO_TESTS_INTEGRATION_TEST_MODEL_H_
#define NBO_TESTS_INTEGRATION_TEST_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "lib/common/status_macros.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"

namespace nbo::integration {

// A model with customers C0000001.., products P01.. and factors drawn
// uniformly from [-1, 1) by a generator seeded with (seed, version), so the
// same options always give the same model and different versions differ.
//
// Immutable after construction; thread-safe.
class SyntheticModel {
 public:
  struct Options {
    // Model name in the header; "" means the server's default model.
    // Default: "".
    std::string model_name;
    // Version in the header; positive.
    // Default: 1.
    int64_t version = 1;
    // Customer rows.
    // Default: 100.
    int customers = 100;
    // Catalog size.
    // Default: 12.
    int products = 12;
    // Factor length.
    // Default: 8.
    int32_t rank = 8;
    // Seed of the factor generator (mixed with the version).
    // Default: 1.
    uint64_t seed = 1;
    // Customer rows per customer_factors chunk.
    // Default: 1000.
    int rows_per_chunk = 1000;
    // Whether the commit states the expected row counts.
    // Default: true.
    bool commit_counts = true;
  };

  explicit SyntheticModel(Options options);

  // "C0000001" for i = 0.
  static std::string CustomerId(int i);
  // "P01" for j = 0.
  static std::string ProductId(int j);

  const Options& options() const { return options_; }

  // The whole stream: header, one item_factors chunk, the customer_factors
  // chunks, commit.
  std::vector<nbo::v1::PublishModelRequest> Messages() const;

  // Score of product j for customer i (their factors' dot product).
  double Score(int customer, int product) const;
  // The `n` products customer i should be offered, best first.
  std::vector<std::string> ExpectedTopN(int customer, int n) const;
  // Mean score of product j over all customers: its popularity when the
  // header gives none.
  double MeanScore(int product) const;
  // The `n` most popular products by MeanScore, best first.
  std::vector<std::string> ExpectedPopular(int n) const;
  // Cosine similarity of products a and b's item factors.
  double Cosine(int a, int b) const;

 private:
  Options options_;
  // customers x rank and products x rank, row-major.
  std::vector<float> customer_factors_;
  std::vector<float> item_factors_;
};

// One unary call `(stub.*method)(request)` with a deadline and, when `token`
// is not empty, the "authorization: Bearer <token>" metadata that
// --admin_token asks for. The response, or the call's status.
//
//   Unary(*ingest, &nbo::v1::IngestService::Stub::UpsertCustomers, request);
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Unary(
    Stub& stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Request& request, const std::string& token = "",
    absl::Duration timeout = absl::Seconds(30)) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  services::AddBearerToken(token, &context);
  Response response;
  NBO_RETURN_IF_ERROR(
      services::FromGrpcStatus((stub.*method)(&context, request, &response)));
  return response;
}

// Streams `messages` to ModelService.PublishModel, half-closes, and returns
// the server's answer or its status.
absl::StatusOr<nbo::v1::PublishModelResponse> Publish(
    nbo::v1::ModelService::Stub& stub,
    const std::vector<nbo::v1::PublishModelRequest>& messages,
    absl::Duration timeout = absl::Seconds(120));

// One NBOService.Recommend call.
absl::StatusOr<nbo::v1::RecommendResponse> Recommend(
    nbo::v1::NBOService::Stub& stub, const nbo::v1::RecommendRequest& request,
    absl::Duration timeout = absl::Seconds(30));

// Recommend for `customer_id` with num_offers and an optional selector: a
// positive `version` selects it, else a non-empty `label` does.
absl::StatusOr<nbo::v1::RecommendResponse> Recommend(
    nbo::v1::NBOService::Stub& stub, const std::string& customer_id,
    int num_offers = 3, int64_t version = 0, const std::string& label = "");

// ModelService.SetVersionLabel on the default model.
absl::StatusOr<nbo::v1::SetVersionLabelResponse> SetLabel(
    nbo::v1::ModelService::Stub& stub, const std::string& label,
    int64_t version);

// ModelService.GetModelStatus; "" is the default model.
absl::StatusOr<nbo::v1::ModelStatus> GetModelStatus(
    nbo::v1::ModelService::Stub& stub, const std::string& model_name = "");

// ModelService.ListModels.
absl::StatusOr<nbo::v1::ListModelsResponse> ListModels(
    nbo::v1::ModelService::Stub& stub);

}  // namespace nbo::integration

#endif  // NBO_TESTS_INTEGRATION_TEST_MODEL_H_
