// SPDX-License-Identifier: BSD-3-Clause
// Sorting and searching along the last dim of a tensor (the Python front
// moves the dim there). NaN sorts above every number, as in PyTorch.
#pragma once
#include <utility>

#include "../tensor/tensor_impl.h"

namespace ember {

// (values, int64 indices) sorted along the last dim.
std::pair<Tensor, Tensor> sort_last(const Tensor& t, bool descending, bool stable);
// The k largest (or smallest) along the last dim, sorted or in any order.
std::pair<Tensor, Tensor> topk_last(const Tensor& t, int64_t k, bool largest, bool sorted);
// For each value, the insertion index into the matching row of `sorted`
// (the last dim), leftmost or rightmost. sorted has shape [..., n] and
// values [..., m] with the same leading dims (or sorted is 1-D).
Tensor searchsorted(const Tensor& sorted, const Tensor& values, bool right);

}  // namespace ember
