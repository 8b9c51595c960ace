// SPDX-License-Identifier: BSD-3-Clause
// LAPACK (OpenBLAS's) for float32/float64, batched over leading dims. Each
// returns LAPACK's per-matrix `info` so the Python front can raise PyTorch's
// errors (singular matrix, not positive-definite, no convergence).
#pragma once
#include <string>
#include <tuple>
#include <vector>

#include "../tensor/tensor_impl.h"

namespace ember {

// (LU, pivots (1-based, int32), info (int32)) for A [..., m, n].
std::tuple<Tensor, Tensor, Tensor> lu_factor(const Tensor& a);
// (X, info): A [..., n, n] X = B [..., n, k] (B batch dims equal A's).
std::tuple<Tensor, Tensor> solve(const Tensor& a, const Tensor& b);
// (A^-1, info)
std::tuple<Tensor, Tensor> inv(const Tensor& a);
// (L or U, info): the other triangle is zero.
std::tuple<Tensor, Tensor> cholesky(const Tensor& a, bool upper);
// (Q, R) with mode "reduced", "complete" or "r" (Q is empty then).
std::tuple<Tensor, Tensor> qr(const Tensor& a, const std::string& mode);
// (U, S, Vh, info); U/Vh empty without compute_uv.
std::tuple<Tensor, Tensor, Tensor, Tensor> svd(const Tensor& a, bool full_matrices,
                                               bool compute_uv);
// (eigenvalues ascending, eigenvectors (empty without vectors), info).
std::tuple<Tensor, Tensor, Tensor> eigh(const Tensor& a, bool upper, bool vectors);
// (solution [..., n, k], rank int64 [...], singular values [..., min(m,n)], info)
std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& a, const Tensor& b, double rcond);

}  // namespace ember
