// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/als/row_kernels.h"

#include <cmath>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NBO_ALS_HAVE_AVX2_VARIANT 1
#include <immintrin.h>
#endif

namespace nbo::als::internal {
namespace {

// CG stops once ||r||^2 falls below this, as the `implicit` library does.
constexpr float kConvergedResidual = 1e-20f;
// How many nonzeros ahead the first pass over a row prefetches a factor.
constexpr int64_t kPrefetchAhead = 8;

void PrefetchLines(const float* p, int f) {
  const char* c = reinterpret_cast<const char*>(p);
  for (int64_t b = 0; b < int64_t{f} * 4; b += 64) __builtin_prefetch(c + b);
}

namespace portable {

inline float Dot(const float* a, const float* b, int n) {
  float s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
inline void Axpy(float a, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}
// y = A x for symmetric row-major n x n A, as a sum of A's rows.
inline void SymMatVec(const float* a, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = 0;
  for (int j = 0; j < n; ++j) Axpy(x[j], a + int64_t{j} * n, y, n);
}
inline void Prefetch(const float* p, int f) { PrefetchLines(p, f); }

#include "lib/als/row_kernels_impl.inc"

}  // namespace portable

#ifdef NBO_ALS_HAVE_AVX2_VARIANT
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace avx2 {

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float Dot(const float* a, const float* b, int n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 =
        _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8),
                           _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 =
        _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  float s = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

inline void Axpy(float a, const float* x, float* y, int n) {
  const __m256 va = _mm256_set1_ps(a);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i),
                                            _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * x[i];
}

// y = A x for symmetric row-major n x n A: 32 outputs at a time stay in
// registers while A's rows stream past.
inline void SymMatVec(const float* a, const float* x, float* y, int n) {
  int b = 0;
  for (; b + 32 <= n; b += 32) {
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps();
    __m256 acc3 = _mm256_setzero_ps();
    for (int j = 0; j < n; ++j) {
      const __m256 xj = _mm256_set1_ps(x[j]);
      const float* row = a + int64_t{j} * n + b;
      acc0 = _mm256_fmadd_ps(xj, _mm256_loadu_ps(row), acc0);
      acc1 = _mm256_fmadd_ps(xj, _mm256_loadu_ps(row + 8), acc1);
      acc2 = _mm256_fmadd_ps(xj, _mm256_loadu_ps(row + 16), acc2);
      acc3 = _mm256_fmadd_ps(xj, _mm256_loadu_ps(row + 24), acc3);
    }
    _mm256_storeu_ps(y + b, acc0);
    _mm256_storeu_ps(y + b + 8, acc1);
    _mm256_storeu_ps(y + b + 16, acc2);
    _mm256_storeu_ps(y + b + 24, acc3);
  }
  for (; b + 8 <= n; b += 8) {
    __m256 acc = _mm256_setzero_ps();
    for (int j = 0; j < n; ++j) {
      acc = _mm256_fmadd_ps(_mm256_set1_ps(x[j]),
                            _mm256_loadu_ps(a + int64_t{j} * n + b), acc);
    }
    _mm256_storeu_ps(y + b, acc);
  }
  for (; b < n; ++b) {
    float s = 0;
    for (int j = 0; j < n; ++j) s += x[j] * a[int64_t{j} * n + b];
    y[b] = s;
  }
}

inline void Prefetch(const float* p, int f) { PrefetchLines(p, f); }

#include "lib/als/row_kernels_impl.inc"

}  // namespace avx2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // NBO_ALS_HAVE_AVX2_VARIANT

struct Variant {
  const char* name;
  void (*conjugate_gradient)(const ImplicitRow&, int, float*, float*);
  double (*loss_correction)(const ImplicitRow&, const float*);
  double (*squared_error)(const float*, int, const int32_t*, const float*,
                          int64_t, const float*);
};

Variant PickVariant() {
#ifdef NBO_ALS_HAVE_AVX2_VARIANT
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {"avx2+fma", &avx2::ConjugateGradient, &avx2::LossCorrection,
            &avx2::SquaredError};
  }
#endif
  return {"portable", &portable::ConjugateGradient, &portable::LossCorrection,
          &portable::SquaredError};
}

const Variant& GetVariant() {
  static const Variant variant = PickVariant();
  return variant;
}

}  // namespace

void ImplicitConjugateGradient(const ImplicitRow& row, int cg_steps, float* x,
                               float* work) {
  GetVariant().conjugate_gradient(row, cg_steps, x, work);
}

double ImplicitRowLossCorrection(const ImplicitRow& row, const float* x) {
  return GetVariant().loss_correction(row, x);
}

double SquaredErrorOnRow(const float* other, int f, const int32_t* indices,
                         const float* values, int64_t nnz, const float* x) {
  return GetVariant().squared_error(other, f, indices, values, nnz, x);
}

double ImplicitConjugateGradientFlops(int64_t nnz, int f, int cg_steps) {
  const double fd = f;
  // Residual: G x, lambda x, and a dot plus an axpy per nonzero.
  double flops = 2 * fd * fd + 2 * fd + 4 * fd * nnz + 2 * fd;
  // Each step: G p, lambda p, dot+axpy per nonzero, p.Ap, two axpys, r.r,
  // and the p update.
  flops += cg_steps * (2 * fd * fd + 2 * fd + 4 * fd * nnz + 10 * fd);
  return flops;
}

const char* KernelVariant() { return GetVariant().name; }

}  // namespace nbo::als::internal
