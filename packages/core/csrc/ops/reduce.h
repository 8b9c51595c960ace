// SPDX-License-Identifier: BSD-3-Clause
// The one reduction framework: sum, prod, amax, amin, all, any, argmax,
// argmin over any set of dims, with keepdim. Composite reductions (mean,
// var, std, norm, logsumexp) are built on these in the Python front.
#pragma once
#include <utility>
#include <vector>

#include "../cpu/kernels/kernel_table.h"
#include "../tensor/tensor_impl.h"

namespace ember {

// dims empty: reduce everything. argmax/argmin take at most one dim.
Tensor reduce(ReduceOp op, const Tensor& a, std::vector<int64_t> dims,
              bool keepdim);

// Inclusive scans along `dim`: cumsum/cumprod (ints accumulate as int64)
// and cummax/cummin (values and int64 indices).
Tensor cumulative(const Tensor& a, int64_t dim, bool product);
// Running max (or min) along `dim` with the index where it was reached; a
// NaN propagates (PyTorch's cummax/cummin, ties take the later index).
std::pair<Tensor, Tensor> cumulative_extreme(const Tensor& a, int64_t dim, bool max);

}  // namespace ember
