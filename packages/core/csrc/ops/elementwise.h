// SPDX-License-Identifier: BSD-3-Clause
// Front ends of the pointwise ops: checks, type promotion, output handling.
// Python scalars arrive as 0-d tensors with is_wrapped_number set.
#pragma once
#include "../cpu/kernels/kernel_table.h"
#include "../tensor/tensor_impl.h"

namespace ember {

// A 0-d tensor holding a Python scalar.
Tensor wrap_scalar(double v, ScalarType dtype);

// A new tensor with `t`'s values as `dtype` (t itself when it already is).
Tensor to_dtype(const Tensor& t, ScalarType dtype);
// dst[...] = src, broadcasting src and casting its dtype.
// bump=false only for a tensor nobody has seen yet (a fresh result).
void copy_(const Tensor& dst, const Tensor& src, bool bump = true);
Tensor contiguous(const Tensor& t);

// out may be null (allocate). Returns the result.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor out);
Tensor unary(UnaryOp op, const Tensor& a, Tensor out,
             const double* params = nullptr);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor out);
void fill_(const Tensor& t, const Tensor& value, bool bump = true);

}  // namespace ember
