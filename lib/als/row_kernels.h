// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Internal to lib/als: the per-row inner loops of implicit ALS on raw float
// pointers, compiled twice (AVX2+FMA and portable) and picked once per
// process by CPU detection, so that the hot loops are vectorized without
// building the whole project for one instruction set. Every caller in a
// process gets the same variant, which is what keeps SolveUserRow() equal to
// the trainer bit for bit.

#ifndef NBO_LIB_ALS_ROW_KERNELS_H_
#define NBO_LIB_ALS_ROW_KERNELS_H_

#include <cstdint>

namespace nbo::als::internal {

// One row's implicit-feedback least-squares problem (Hu, Koren, Volinsky):
//   minimize sum_i c_i (p_i - x.y_i)^2 + lambda ||x||^2
// over all columns i, with c_i = 1 + alpha * |value_i| on the row's
// nonzeros, p_i = 1 where value_i > 0 and 0 where value_i <= 0 (a negative
// value is a confident "no", as in the `implicit` library), and c_i = 1,
// p_i = 0 elsewhere. Its normal equations are
//   (G + lambda I + sum_nz alpha |value_i| y_i y_i^T) x = sum_nz c_i p_i y_i
// where G = Y^T Y over all of the other side's rows.
struct ImplicitRow {
  const float* other = nullptr;      // Other side's factors, row-major, f wide.
  const float* gram = nullptr;       // G, f x f, row-major (symmetric).
  const int32_t* indices = nullptr;  // The row's nonzero columns.
  const float* values = nullptr;     // Their values (any sign, finite).
  int64_t nnz = 0;
  int f = 0;
  float alpha = 0;
  float lambda = 0;
};

// Runs up to `cg_steps` conjugate-gradient steps on the normal equations,
// starting from x (the row's previous factor) and leaving the result in x.
// `work` holds 3 * f floats of scratch. Allocation-free.
void ImplicitConjugateGradient(const ImplicitRow& row, int cg_steps, float* x,
                               float* work);

// sum over the row's nonzeros of c_i (p_i - s_i)^2 - s_i^2, s_i = x.y_i: the
// correction that turns x^T G x into the row's share of the implicit loss.
double ImplicitRowLossCorrection(const ImplicitRow& row, const float* x);

// sum over the row's nonzeros of (value_i - x.y_i)^2.
double SquaredErrorOnRow(const float* other, int f, const int32_t* indices,
                         const float* values, int64_t nnz, const float* x);

// Flops one ImplicitConjugateGradient call does when it runs all its steps.
double ImplicitConjugateGradientFlops(int64_t nnz, int f, int cg_steps);

// Name of the variant in use: "avx2+fma" or "portable".
const char* KernelVariant();

}  // namespace nbo::als::internal

#endif  // NBO_LIB_ALS_ROW_KERNELS_H_
