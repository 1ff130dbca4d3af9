// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_ALS_INTERACTION_MATRIX_H_
#define NBO_LIB_ALS_INTERACTION_MATRIX_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace nbo::als {

// One observed (user, item, value) cell. For implicit feedback the value is
// an interaction strength (a count, an amount); for explicit feedback it is
// a rating.
struct Interaction {
  int64_t user = 0;
  int64_t item = 0;
  float value = 0;
};

// A sparse matrix in compressed sparse row form: row r's nonzeros are
// indices()[offsets()[r] .. offsets()[r + 1]) with the matching values(),
// column indices strictly increasing within a row.
//
// A plain value; const methods may be called from any number of threads.
class CsrMatrix {
 public:
  CsrMatrix() = default;

  int64_t num_rows() const { return static_cast<int64_t>(offsets_.size()) - 1; }
  int64_t num_cols() const { return num_cols_; }
  int64_t nnz() const { return static_cast<int64_t>(indices_.size()); }

  // Column indices and values of row `row`. REQUIRES: 0 <= row < num_rows().
  absl::Span<const int32_t> RowIndices(int64_t row) const {
    return absl::MakeConstSpan(indices_.data() + offsets_[row],
                               offsets_[row + 1] - offsets_[row]);
  }
  absl::Span<const float> RowValues(int64_t row) const {
    return absl::MakeConstSpan(values_.data() + offsets_[row],
                               offsets_[row + 1] - offsets_[row]);
  }

  const std::vector<int64_t>& offsets() const { return offsets_; }
  const std::vector<int32_t>& indices() const { return indices_; }
  const std::vector<float>& values() const { return values_; }

 private:
  friend class InteractionMatrix;

  int64_t num_cols_ = 0;
  std::vector<int64_t> offsets_ = {0};
  std::vector<int32_t> indices_;
  std::vector<float> values_;
};

// The users x items interaction matrix ALS trains on, held twice: by user
// (CSR) for the user half-iteration and by item (the transpose, also CSR) for
// the item half-iteration.
//
// Immutable after Create(); any number of threads may read it at once.
class InteractionMatrix {
 public:
  // Builds the matrix from `interactions`. Duplicate (user, item) cells are
  // summed (in input order, so the result is reproducible).
  //
  // INVALID_ARGUMENT when num_users or num_items is negative or above
  // 2^31 - 1, an index is negative or not below its dimension, or a value is
  // NaN or infinite.
  static absl::StatusOr<InteractionMatrix> Create(
      int64_t num_users, int64_t num_items,
      absl::Span<const Interaction> interactions);

  InteractionMatrix() = default;

  int64_t num_users() const { return by_user_.num_rows(); }
  int64_t num_items() const { return by_item_.num_rows(); }
  int64_t nnz() const { return by_user_.nnz(); }

  // Rows are users, columns items.
  const CsrMatrix& by_user() const { return by_user_; }
  // The transpose: rows are items, columns users.
  const CsrMatrix& by_item() const { return by_item_; }

 private:
  CsrMatrix by_user_;
  CsrMatrix by_item_;
};

}  // namespace nbo::als

#endif  // NBO_LIB_ALS_INTERACTION_MATRIX_H_
