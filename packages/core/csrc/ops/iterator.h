// SPDX-License-Identifier: BSD-3-Clause
// The one elementwise iterator: every pointwise op, cast and copy runs
// through it. It broadcasts operands to a common shape, picks the memory
// order that makes the inner loop contiguous, coalesces dimensions, and
// splits the work over the thread pool above a grain.
#pragma once
#include <vector>

#include "../cpu/kernels/kernel_table.h"
#include "../tensor/tensor_impl.h"

namespace ember {

constexpr int64_t kGrainSize = 32768;

// operands[0] is the output; it may be null, in which case it is allocated
// with `out_dtype`, the broadcast shape, and the inputs' memory order.
// Returns the output.
Tensor run_elementwise(Tensor out, ScalarType out_dtype,
                       const std::vector<const TensorImpl*>& inputs,
                       LoopFn loop, const double* params = nullptr);

// Validates a caller-provided output: shape and in-place safety.
void check_output(const TensorImpl& out, const Shape& expected,
                  const char* op_name);

}  // namespace ember
