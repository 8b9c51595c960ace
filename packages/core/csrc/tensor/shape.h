// SPDX-License-Identifier: BSD-3-Clause
// Shape and stride arithmetic shared by every op.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ember {

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);  // "[2, 3]"
// Product of sizes; raises if a size is negative or the product overflows.
int64_t checked_numel(const Shape& sizes);
Shape contiguous_strides(const Shape& sizes);
// Wraps a possibly negative dim into [0, ndim); raises IndexError like
// PyTorch. A 0-d tensor accepts dims -1 and 0.
int64_t wrap_dim(int64_t dim, int64_t ndim);
Shape broadcast_shapes(const Shape& a, const Shape& b);
// True when a view of `sizes` with these strides covers memory densely in
// row-major order (size-1 dims may have any stride).
bool is_contiguous_layout(const Shape& sizes, const Shape& strides);

}  // namespace ember
