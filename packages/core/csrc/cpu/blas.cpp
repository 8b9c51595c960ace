// SPDX-License-Identifier: BSD-3-Clause
#include "blas.h"

#include <cblas.h>  // from scipy-openblas32: every symbol is prefixed

// The one place that names OpenBLAS's symbol prefix.
#define EMBER_BLAS(name) scipy_##name

extern "C" {
void EMBER_BLAS(openblas_set_num_threads)(int);
int EMBER_BLAS(openblas_get_num_threads)(void);
char* EMBER_BLAS(openblas_get_config)(void);
char* EMBER_BLAS(openblas_get_corename)(void);
}

namespace ember {

namespace {
// OpenBLAS always runs on the calling thread: our pool parallelizes GEMM
// (Note [One pool for GEMM] in ops/matmul.cpp). Set at load, and again
// before a GEMM whenever something else in the process raised it (as
// threadpoolctl's limits do for every OpenBLAS loaded): OpenBLAS's threads
// then fought our pool's and small products ran ten times slower.
void keep_single_threaded() {
  if (EMBER_BLAS(openblas_get_num_threads)() != 1) EMBER_BLAS(openblas_set_num_threads)(1);
}

[[maybe_unused]] const bool kSingleThreaded = [] {
  EMBER_BLAS(openblas_set_num_threads)(1);
  return true;
}();
}  // namespace

std::string blas_info() {
  return std::string(EMBER_BLAS(openblas_get_config)()) + " (core " +
         EMBER_BLAS(openblas_get_corename)() + ")";
}

void blas_sgemm(bool ta, bool tb, int m, int n, int k, float alpha,
                const float* a, int lda, const float* b, int ldb, float beta,
                float* c, int ldc) {
  keep_single_threaded();
  EMBER_BLAS(cblas_sgemm)(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                          tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
                          lda, b, ldb, beta, c, ldc);
}

void blas_dgemm(bool ta, bool tb, int m, int n, int k, double alpha,
                const double* a, int lda, const double* b, int ldb,
                double beta, double* c, int ldc) {
  keep_single_threaded();
  EMBER_BLAS(cblas_dgemm)(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                          tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
                          lda, b, ldb, beta, c, ldc);
}

}  // namespace ember
