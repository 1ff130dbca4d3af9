// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_DATA_FACTOR_ROW_H_
#define NBO_LIB_DATA_FACTOR_ROW_H_

#include <string>
#include <vector>

namespace nbo::data {

// One row of an ALS factor matrix as stored on disk: a customer or a product
// and its latent vector. Readers reuse a row's storage from one call to the
// next, so a loop over millions of rows allocates only once.
struct FactorRow {
  // Customer id for user factors, product id for item factors. Spark's
  // integer ids are kept in their decimal spelling ("123").
  std::string id;
  // The latent vector; its length is the model's rank.
  std::vector<float> features;
};

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_FACTOR_ROW_H_
