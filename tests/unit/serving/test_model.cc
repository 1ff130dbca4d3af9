// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tests/unit/serving/test_model.h"

#include "absl/strings/str_format.h"
#include "lib/common/status_macros.h"
#include "lib/serving/publish_session.h"
#include "lib/testing/status_matchers.h"

namespace nbo::serving::testing {

std::string TestModel::CustomerId(int i) const {
  return absl::StrFormat("C%07d", i + 1);
}

std::string TestModel::ProductId(int j) const {
  return absl::StrFormat("P%02d", j + 1);
}

std::vector<nbo::v1::PublishModelRequest> TestModel::Stream() const {
  std::vector<nbo::v1::PublishModelRequest> stream;
  nbo::v1::PublishModelRequest msg;
  nbo::v1::PublishHeader* header = msg.mutable_header();
  header->set_model_name(model_name);
  header->set_version(version);
  header->set_rank(rank);
  header->set_model_kind(static_cast<nbo::v1::ModelKind>(model_kind));
  header->mutable_metadata()->set_description("test model");
  for (int j = 0; j < products; ++j) {
    nbo::v1::Product* p = header->add_catalog();
    p->set_product_id(ProductId(j));
    p->set_name(absl::StrFormat("Product %d", j + 1));
    p->set_category(j % 2 == 0 ? "cards" : "loans");
  }
  stream.push_back(msg);

  msg.Clear();
  for (int j = 0; j < products; ++j) {
    nbo::v1::FactorRow* row = msg.mutable_item_factors()->add_rows();
    row->set_id(ProductId(j));
    for (int k = 0; k < rank; ++k) {
      row->add_values(k == j % rank ? 1.0f + j : 0.0f);
    }
  }
  stream.push_back(msg);

  msg.Clear();
  for (int i = 0; i < customers; ++i) {
    nbo::v1::FactorRow* row = msg.mutable_customer_factors()->add_rows();
    row->set_id(CustomerId(i));
    for (int k = 0; k < rank; ++k) row->add_values(k == i % rank ? 1.0f : 0.0f);
    if (msg.customer_factors().rows_size() == rows_per_chunk ||
        i == customers - 1) {
      stream.push_back(msg);
      msg.Clear();
    }
  }
  msg.mutable_commit()->set_expected_product_count(products);
  msg.mutable_commit()->set_expected_customer_count(customers);
  stream.push_back(msg);
  return stream;
}

absl::StatusOr<nbo::v1::PublishModelResponse> Publish(
    ModelManager* manager, store::ModelStore* store,
    const std::vector<nbo::v1::PublishModelRequest>& stream) {
  PublishSession session(manager, store, PublishLimits());
  for (const nbo::v1::PublishModelRequest& msg : stream) {
    NBO_RETURN_IF_ERROR(session.Add(msg));
  }
  return session.Finish();
}

void ServingTest::Open(ModelManager::Options options) {
  manager_.reset();
  store_.reset();
  store::ModelStore::Options store_options;
  store_options.path = dir_.Sub("db");
  store_options.sync = false;
  ASSERT_OK_AND_ASSIGN(store_, store::ModelStore::Open(store_options));
  options.store = store_.get();
  ASSERT_OK_AND_ASSIGN(manager_, ModelManager::Create(std::move(options)));
  ASSERT_THAT(manager_->LoadFromStore(), nbo::testing::IsOk());
}

void DecisioningTest::SetUp() {
  ServingTest::SetUp();
  store::CustomerStore::Options customer_options;
  customer_options.path = dir_.Sub("customers");
  customer_options.sync = false;
  ASSERT_OK_AND_ASSIGN(customers_,
                       store::CustomerStore::Open(customer_options));
  CatalogRegistry::Options catalog_options;
  catalog_options.store = store_.get();
  ASSERT_OK_AND_ASSIGN(catalogs_, CatalogRegistry::Create(catalog_options));
}

}  // namespace nbo::serving::testing
