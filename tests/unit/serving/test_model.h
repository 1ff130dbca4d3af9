// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Builders of small, fully known models for the serving tests.

#ifndef NBO_TESTS_UNIT_SERVING_TEST_MODEL_H_
#define NBO_TESTS_UNIT_SERVING_TEST_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "lib/serving/catalog_registry.h"
#include "lib/serving/model_manager.h"
#include "lib/store/customer_store.h"
#include "lib/store/model_store.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::serving::testing {

// A model with `products` products P01.. and `customers` customers
// C0000001.., rank `rank`. Customer i's factor is e_(i % rank) (a unit
// vector), product j's is e_(j % rank) * (1 + j), so customer i's best
// product is the highest j with j % rank == i % rank.
struct TestModel {
  std::string model_name = "nbo";
  int64_t version = 1;
  int32_t rank = 4;
  int products = 6;
  int customers = 10;
  int rows_per_chunk = 4;
  // header.model_kind, a number so that tests can send unknown ones. An
  // EASE model needs rank == products.
  int model_kind = nbo::v1::MODEL_KIND_UNSPECIFIED;

  std::string CustomerId(int i) const;
  std::string ProductId(int j) const;
  // header, item chunk, customer chunks, commit.
  std::vector<nbo::v1::PublishModelRequest> Stream() const;
};

// Feeds `stream` to a PublishSession and finishes it.
absl::StatusOr<nbo::v1::PublishModelResponse> Publish(
    ModelManager* manager, store::ModelStore* store,
    const std::vector<nbo::v1::PublishModelRequest>& stream);

// A fresh store in a temp dir and a manager over it, for the serving tests.
class ServingTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // (Re)opens the store in the same directory and a new manager over it,
  // loading what the store holds. `options.store` is filled in.
  void Open(ModelManager::Options options = {});

  nbo::testing::TempDir dir_;
  std::unique_ptr<store::ModelStore> store_;
  std::unique_ptr<ModelManager> manager_;
};

// ServingTest and what a decision needs besides: a customer store (not
// synced: durability is the integration tests' business, with kill -9 of
// the real server) and a catalog registry over the model store.
class DecisioningTest : public ServingTest {
 protected:
  void SetUp() override;

  std::unique_ptr<store::CustomerStore> customers_;
  std::unique_ptr<CatalogRegistry> catalogs_;
};

}  // namespace nbo::serving::testing

#endif  // NBO_TESTS_UNIT_SERVING_TEST_MODEL_H_
