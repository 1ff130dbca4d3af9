// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tests/integration/test_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "services/common/model_stream_client.h"

namespace nbo::integration {
namespace {

constexpr const char* kCategories[] = {"cards", "loans", "savings",
                                       "insurance"};

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

}  // namespace

SyntheticModel::SyntheticModel(Options options) : options_(std::move(options)) {
  std::mt19937_64 gen(options_.seed * 1000003u +
                      static_cast<uint64_t>(options_.version));
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  const size_t rank = static_cast<size_t>(options_.rank);
  item_factors_.resize(static_cast<size_t>(options_.products) * rank);
  for (float& v : item_factors_) v = value(gen);
  customer_factors_.resize(static_cast<size_t>(options_.customers) * rank);
  for (float& v : customer_factors_) v = value(gen);
}

std::string SyntheticModel::CustomerId(int i) {
  return absl::StrFormat("C%07d", i + 1);
}

std::string SyntheticModel::ProductId(int j) {
  return absl::StrFormat("P%02d", j + 1);
}

std::vector<nbo::v1::PublishModelRequest> SyntheticModel::Messages() const {
  const int rank = options_.rank;
  std::vector<nbo::v1::PublishModelRequest> messages;
  messages.reserve(3 + options_.customers / options_.rows_per_chunk + 1);

  nbo::v1::PublishModelRequest header_message;
  nbo::v1::PublishHeader* header = header_message.mutable_header();
  header->set_model_name(options_.model_name);
  header->set_version(options_.version);
  header->set_rank(rank);
  for (int j = 0; j < options_.products; ++j) {
    nbo::v1::Product* product = header->add_catalog();
    product->set_product_id(ProductId(j));
    product->set_name(absl::StrFormat("Product %02d", j + 1));
    product->set_category(kCategories[j % std::size(kCategories)]);
  }
  header->mutable_metadata()->set_description(
      absl::StrFormat("synthetic v%d", options_.version));
  messages.push_back(std::move(header_message));

  nbo::v1::PublishModelRequest items;
  for (int j = 0; j < options_.products; ++j) {
    nbo::v1::FactorRow* row = items.mutable_item_factors()->add_rows();
    row->set_id(ProductId(j));
    row->mutable_values()->Add(item_factors_.begin() + j * rank,
                               item_factors_.begin() + (j + 1) * rank);
  }
  messages.push_back(std::move(items));

  for (int first = 0; first < options_.customers;
       first += options_.rows_per_chunk) {
    const int last =
        std::min(options_.customers, first + options_.rows_per_chunk);
    nbo::v1::PublishModelRequest chunk;
    nbo::v1::FactorChunk* rows = chunk.mutable_customer_factors();
    rows->mutable_rows()->Reserve(last - first);
    for (int i = first; i < last; ++i) {
      nbo::v1::FactorRow* row = rows->add_rows();
      row->set_id(CustomerId(i));
      row->mutable_values()->Add(
          customer_factors_.begin() + static_cast<size_t>(i) * rank,
          customer_factors_.begin() + static_cast<size_t>(i + 1) * rank);
    }
    messages.push_back(std::move(chunk));
  }

  nbo::v1::PublishModelRequest commit;
  commit.mutable_commit();
  if (options_.commit_counts) {
    commit.mutable_commit()->set_expected_product_count(options_.products);
    commit.mutable_commit()->set_expected_customer_count(options_.customers);
  }
  messages.push_back(std::move(commit));
  return messages;
}

double SyntheticModel::Score(int customer, int product) const {
  const size_t rank = static_cast<size_t>(options_.rank);
  double score = 0;
  for (size_t k = 0; k < rank; ++k) {
    score += static_cast<double>(customer_factors_[customer * rank + k]) *
             item_factors_[product * rank + k];
  }
  return score;
}

std::vector<std::string> SyntheticModel::ExpectedTopN(int customer,
                                                      int n) const {
  std::vector<int> order(options_.products);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return Score(customer, a) > Score(customer, b);
  });
  std::vector<std::string> ids;
  for (int j = 0; j < n && j < options_.products; ++j) {
    ids.push_back(ProductId(order[j]));
  }
  return ids;
}

double SyntheticModel::MeanScore(int product) const {
  double sum = 0;
  for (int i = 0; i < options_.customers; ++i) sum += Score(i, product);
  return options_.customers == 0 ? 0 : sum / options_.customers;
}

std::vector<std::string> SyntheticModel::ExpectedPopular(int n) const {
  std::vector<double> mean(options_.products);
  for (int j = 0; j < options_.products; ++j) mean[j] = MeanScore(j);
  std::vector<int> order(options_.products);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return mean[a] > mean[b]; });
  std::vector<std::string> ids;
  for (int j = 0; j < n && j < options_.products; ++j) {
    ids.push_back(ProductId(order[j]));
  }
  return ids;
}

double SyntheticModel::Cosine(int a, int b) const {
  const size_t rank = static_cast<size_t>(options_.rank);
  double dot = 0, norm_a = 0, norm_b = 0;
  for (size_t k = 0; k < rank; ++k) {
    const double x = item_factors_[a * rank + k];
    const double y = item_factors_[b * rank + k];
    dot += x * y;
    norm_a += x * x;
    norm_b += y * y;
  }
  if (norm_a == 0 || norm_b == 0) return 0;
  return dot / std::sqrt(norm_a * norm_b);
}

absl::StatusOr<nbo::v1::PublishModelResponse> Publish(
    nbo::v1::ModelService::Stub& stub,
    const std::vector<nbo::v1::PublishModelRequest>& messages,
    absl::Duration timeout) {
  services::StreamCallOptions options;
  options.timeout = timeout;
  return services::PublishModel(stub, messages, options);
}

absl::StatusOr<nbo::v1::RecommendResponse> Recommend(
    nbo::v1::NBOService::Stub& stub, const nbo::v1::RecommendRequest& request,
    absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  nbo::v1::RecommendResponse response;
  const grpc::Status status = stub.Recommend(&context, request, &response);
  NBO_RETURN_IF_ERROR(services::FromGrpcStatus(status));
  return response;
}

absl::StatusOr<nbo::v1::RecommendResponse> Recommend(
    nbo::v1::NBOService::Stub& stub, const std::string& customer_id,
    int num_offers, int64_t version, const std::string& label) {
  nbo::v1::RecommendRequest request;
  request.set_customer_id(customer_id);
  request.set_num_offers(num_offers);
  if (version > 0) {
    request.mutable_model()->set_version(version);
  } else if (!label.empty()) {
    request.mutable_model()->set_label(label);
  }
  return Recommend(stub, request);
}

absl::StatusOr<nbo::v1::SetVersionLabelResponse> SetLabel(
    nbo::v1::ModelService::Stub& stub, const std::string& label,
    int64_t version) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(60));
  nbo::v1::SetVersionLabelRequest request;
  request.set_label(label);
  request.set_version(version);
  nbo::v1::SetVersionLabelResponse response;
  const grpc::Status status =
      stub.SetVersionLabel(&context, request, &response);
  NBO_RETURN_IF_ERROR(services::FromGrpcStatus(status));
  return response;
}

absl::StatusOr<nbo::v1::ModelStatus> GetModelStatus(
    nbo::v1::ModelService::Stub& stub, const std::string& model_name) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(30));
  nbo::v1::GetModelStatusRequest request;
  request.set_model_name(model_name);
  nbo::v1::GetModelStatusResponse response;
  const grpc::Status status = stub.GetModelStatus(&context, request, &response);
  NBO_RETURN_IF_ERROR(services::FromGrpcStatus(status));
  return response.model();
}

absl::StatusOr<nbo::v1::ListModelsResponse> ListModels(
    nbo::v1::ModelService::Stub& stub) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(30));
  nbo::v1::ListModelsResponse response;
  const grpc::Status status =
      stub.ListModels(&context, nbo::v1::ListModelsRequest(), &response);
  NBO_RETURN_IF_ERROR(services::FromGrpcStatus(status));
  return response;
}

}  // namespace nbo::integration
