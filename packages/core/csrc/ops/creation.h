// SPDX-License-Identifier: BSD-3-Clause
#pragma once
#include "../tensor/tensor_impl.h"

namespace ember {

// 1-D tensors for arange and linspace, computed in double (or exactly in
// int64 for integer dtypes).
Tensor arange(double start, double end, double step, ScalarType dtype);
Tensor linspace(double start, double end, int64_t steps, ScalarType dtype);

}  // namespace ember
