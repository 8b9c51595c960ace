// SPDX-License-Identifier: BSD-3-Clause
// OpenBLAS (from the scipy-openblas32 wheel, symbols prefixed `scipy_`).
#pragma once
#include <string>

namespace ember {

std::string blas_info();  // "OpenBLAS 0.3.x ... (core Haswell)"

}  // namespace ember

namespace ember {

// Row-major C = alpha * op(A) @ op(B) + beta * C.
void blas_sgemm(bool ta, bool tb, int m, int n, int k, float alpha,
                const float* a, int lda, const float* b, int ldb, float beta,
                float* c, int ldc);
void blas_dgemm(bool ta, bool tb, int m, int n, int k, double alpha,
                const double* a, int lda, const double* b, int ldb,
                double beta, double* c, int ldc);

}  // namespace ember
