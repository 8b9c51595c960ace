// SPDX-License-Identifier: BSD-3-Clause
// Cross entropy against class indices, fused: the log-softmax, the gather of
// the targets, class weights, ignore_index and label smoothing in one call,
// where the composite runs nine ops.
#pragma once
#include <utility>

#include "../tensor/tensor_impl.h"

namespace ember {

// input: [R, C] float32/float64 logits, one row per prediction; target: [R]
// int64 class indices (ignore_index allowed, others in [0, C), else
// IndexError); weight: [C] of input's dtype, or null. Returns, per row,
// (loss, weight of its target), both 0 where ignored:
//   loss = (1 - s) w[t] (lse - x[t]) + s/C sum_c w[c] (lse - x[c]).
std::pair<Tensor, Tensor> class_cross_entropy(const Tensor& input, const Tensor& target,
                                              const Tensor& weight, int64_t ignore_index,
                                              double label_smoothing);

// The gradient of sum(loss * grad) with respect to input, for grad of R
// elements or a single one (then broadcast); `mean` divides it by the total
// weight of the targets that count, as reduction='mean' does.
Tensor class_cross_entropy_backward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                    int64_t ignore_index, double label_smoothing, const Tensor& grad,
                                    bool mean);

}  // namespace ember
