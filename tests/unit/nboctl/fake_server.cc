// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tests/unit/nboctl/fake_server.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nbo::nboctl::testing {
namespace {

class FakeIngest final : public v1::IngestService::CallbackService {
 public:
  explicit FakeIngest(FakeState* state) : state_(state) {}

  grpc::ServerUnaryReactor* UpsertCustomers(
      grpc::CallbackServerContext* context,
      const v1::UpsertCustomersRequest* request,
      v1::UpsertCustomersResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(state_->Upsert(*request, response));
    return reactor;
  }

  grpc::ServerUnaryReactor* RecordTransactions(
      grpc::CallbackServerContext* context,
      const v1::RecordTransactionsRequest* request,
      v1::RecordTransactionsResponse* response) override {
    state_->Record(*request, 0, response);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerReadReactor<v1::RecordTransactionsRequest>* StreamTransactions(
      grpc::CallbackServerContext* /*context*/,
      v1::RecordTransactionsResponse* response) override {
    // Applies each batch as it arrives and answers once the client is done.
    class Reader
        : public grpc::ServerReadReactor<v1::RecordTransactionsRequest> {
     public:
      Reader(FakeState* state, v1::RecordTransactionsResponse* response)
          : state_(state), response_(response) {
        StartRead(&request_);
      }
      void OnReadDone(bool ok) override {
        if (!ok) {
          Finish(grpc::Status::OK);
          return;
        }
        state_->Record(request_, base_, response_);
        base_ += request_.transactions_size();
        StartRead(&request_);
      }
      void OnDone() override { delete this; }

     private:
      FakeState* const state_;
      v1::RecordTransactionsResponse* const response_;
      v1::RecordTransactionsRequest request_;
      int32_t base_ = 0;
    };
    return new Reader(state_, response);
  }

 private:
  FakeState* const state_;
};

class FakeNbo final : public v1::NBOService::CallbackService {
 public:
  explicit FakeNbo(FakeState* state) : state_(state) {}

  grpc::ServerUnaryReactor* Recommend(
      grpc::CallbackServerContext* context, const v1::RecommendRequest* request,
      v1::RecommendResponse* response) override {
    state_->Recommend(*request, response);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* RecordFeedback(
      grpc::CallbackServerContext* context,
      const v1::RecordFeedbackRequest* request,
      v1::RecordFeedbackResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(state_->Feedback(*request, response));
    return reactor;
  }

 private:
  FakeState* const state_;
};

class FakeModels final : public v1::ModelService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetCatalog(
      grpc::CallbackServerContext* context,
      const v1::GetCatalogRequest* /*request*/,
      v1::GetCatalogResponse* response) override {
    for (const std::string& id : FakeState::Catalog()) {
      response->add_catalog()->set_product_id(id);
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

const std::vector<std::string>& FakeState::Catalog() {
  static const std::vector<std::string>* const kCatalog =
      new std::vector<std::string>{"P01", "P02", "P03", "P04", "P05"};
  return *kCatalog;
}

grpc::Status FakeState::Upsert(const v1::UpsertCustomersRequest& request,
                               v1::UpsertCustomersResponse* response) {
  absl::MutexLock lock(&mu_);
  if (!upsert_status_.ok()) return upsert_status_;
  upsert_batches_.push_back(request.customers_size());
  for (int i = 0; i < request.customers_size(); ++i) {
    const v1::CustomerProfile& profile = request.customers(i);
    if (profile.has_age() && profile.age() > 150) {
      v1::RecordError* error = response->add_rejected();
      error->set_index(i);
      error->set_field("age");
      error->set_reason("must be in 0..150");
      continue;
    }
    profiles_.push_back(profile);
    response->set_accepted(response->accepted() + 1);
  }
  return grpc::Status::OK;
}

void FakeState::Record(const v1::RecordTransactionsRequest& request,
                       int32_t base, v1::RecordTransactionsResponse* response) {
  absl::MutexLock lock(&mu_);
  transaction_batches_.push_back(request.transactions_size());
  const std::vector<std::string>& catalog = Catalog();
  for (int i = 0; i < request.transactions_size(); ++i) {
    const v1::Transaction& t = request.transactions(i);
    if (std::find(catalog.begin(), catalog.end(), t.product_id()) ==
        catalog.end()) {
      v1::RecordError* error = response->add_rejected();
      error->set_index(base + i);
      error->set_field("product_id");
      error->set_reason("not in the model's catalog");
      continue;
    }
    if (!transaction_keys_
             .insert(absl::StrCat(t.customer_id(), "/", t.transaction_id()))
             .second) {
      response->set_duplicates(response->duplicates() + 1);
      continue;
    }
    transactions_.push_back(t);
    customers_with_transactions_.insert(t.customer_id());
    response->set_accepted(response->accepted() + 1);
  }
}

void FakeState::Recommend(const v1::RecommendRequest& request,
                          v1::RecommendResponse* response) {
  absl::MutexLock lock(&mu_);
  const std::string decision = absl::StrCat("d", ++decisions_);
  response->set_customer_id(request.customer_id());
  response->set_decision_id(decision);
  response->set_model_version(1);
  if (absl::StartsWith(request.customer_id(), "bench-foldin-")) {
    response->set_strategy(
        customers_with_transactions_.contains(request.customer_id())
            ? v1::STRATEGY_FOLD_IN
            : v1::STRATEGY_POPULARITY);
  } else {
    response->set_strategy(v1::STRATEGY_PERSONALIZED);
  }
  const int n = request.has_num_offers() ? request.num_offers() : 3;
  auto& [customer, products] = offered_[decision];
  customer = request.customer_id();
  for (int i = 0; i < n && i < static_cast<int>(Catalog().size()); ++i) {
    v1::Offer* offer = response->add_offers();
    offer->set_product_id(Catalog()[i]);
    offer->set_rank(i + 1);
    products.insert(Catalog()[i]);
  }
}

grpc::Status FakeState::Feedback(const v1::RecordFeedbackRequest& request,
                                 v1::RecordFeedbackResponse* response) {
  absl::MutexLock lock(&mu_);
  auto it = offered_.find(request.decision_id());
  if (it == offered_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown decision");
  }
  if (it->second.first != request.customer_id()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "not the decision's customer");
  }
  if (!it->second.second.contains(request.product_id())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "product not offered");
  }
  if (request.outcome() != v1::FEEDBACK_OUTCOME_IMPRESSION &&
      !feedback_.contains({request.decision_id(), request.product_id(),
                           v1::FEEDBACK_OUTCOME_IMPRESSION})) {
    ++answers_before_impression_;
  }
  const bool fresh = feedback_
                         .insert({request.decision_id(), request.product_id(),
                                  request.outcome()})
                         .second;
  if (!fresh) ++feedback_duplicates_;
  response->set_duplicate(!fresh);
  return grpc::Status::OK;
}

void FakeState::FailUpserts(grpc::Status status) {
  absl::MutexLock lock(&mu_);
  upsert_status_ = std::move(status);
}

std::vector<int> FakeState::upsert_batch_sizes() const {
  absl::MutexLock lock(&mu_);
  return upsert_batches_;
}

std::vector<v1::CustomerProfile> FakeState::profiles() const {
  absl::MutexLock lock(&mu_);
  return profiles_;
}

std::vector<int> FakeState::transaction_batch_sizes() const {
  absl::MutexLock lock(&mu_);
  return transaction_batches_;
}

std::vector<v1::Transaction> FakeState::transactions() const {
  absl::MutexLock lock(&mu_);
  return transactions_;
}

int64_t FakeState::recommend_calls() const {
  absl::MutexLock lock(&mu_);
  return decisions_;
}

int64_t FakeState::feedback_records() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(feedback_.size());
}

int64_t FakeState::feedback_duplicates() const {
  absl::MutexLock lock(&mu_);
  return feedback_duplicates_;
}

int64_t FakeState::answers_before_impression() const {
  absl::MutexLock lock(&mu_);
  return answers_before_impression_;
}

FakeServer::FakeServer()
    : ingest_(std::make_unique<FakeIngest>(&state_)),
      nbo_(std::make_unique<FakeNbo>(&state_)),
      models_(std::make_unique<FakeModels>()) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(ingest_.get());
  builder.RegisterService(nbo_.get());
  builder.RegisterService(models_.get());
  server_ = builder.BuildAndStart();
  address_ = absl::StrCat("127.0.0.1:", port);
}

FakeServer::~FakeServer() { server_->Shutdown(); }

}  // namespace nbo::nboctl::testing
