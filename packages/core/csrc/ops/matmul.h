// SPDX-License-Identifier: BSD-3-Clause
// Matrix products: OpenBLAS for float32/float64, a plain loop otherwise.
// matmul's 1-D/broadcast rules live in the Python front and end here.
#pragma once
#include "../tensor/tensor_impl.h"

namespace ember {

// out = beta * out + alpha * (a @ b) for 3-D a [B, M, K], b [B, K, N] and
// out [B, M, N] (out may be null when beta == 0: it is allocated).
Tensor batched_gemm(const Tensor& a, const Tensor& b, Tensor out,
                    double alpha, double beta);

}  // namespace ember
