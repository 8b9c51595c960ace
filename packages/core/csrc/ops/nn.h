// SPDX-License-Identifier: BSD-3-Clause
// Fused NN kernels that composites cannot make fast: softmax, layer norm,
// im2col/col2im for convolution, and window pooling. Backward passes that
// are plain compositions live in the Python front.
#pragma once
#include <tuple>
#include <vector>

#include "../tensor/tensor_impl.h"

namespace ember {

Tensor softmax(const Tensor& x, int64_t dim, bool log);
// log(sum(exp(x))) over the last dim of a float32/float64 tensor (fused:
// reads x twice, writes one value per row).
Tensor logsumexp_last(const Tensor& x);
// x viewed as [rows, n] with n = the product of the normalized dims.
// Returns (out, mean[rows], rstd[rows]).
std::tuple<Tensor, Tensor, Tensor> layer_norm(const Tensor& x, int64_t n, const Tensor& weight,
                                              const Tensor& bias, double eps);

struct Window2d {
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
};
// [N, C, H, W] -> [N, C*kh*kw, OH*OW]
Tensor im2col(const Tensor& input, const Window2d& w, int64_t oh, int64_t ow);
// [N, C*kh*kw, OH*OW] -> [N, C, H, W], overlapping patches summed.
Tensor col2im(const Tensor& cols, int64_t c, int64_t h, int64_t w_, const Window2d& w,
              int64_t oh, int64_t ow);

// The weight gradient of a 2-D convolution, [O, C/groups, kh, kw], from
// grad_output [N, O, oh, ow] and input [N, C, H, W] (float32/float64): each
// image's patch matrix is built in cache and multiplied straight away, into
// one accumulator per fixed part of the batch (so the sum's order does not
// depend on the thread count).
Tensor conv2d_weight_grad(const Tensor& grad_output, const Tensor& input, const Window2d& w,
                          int64_t groups);

// Pooling over [N, C, H, W] with per-output windows [hstart[i], hend[i]) x
// [wstart[j], wend[j]) (already clipped to the input); `divisor` holds, for
// average pooling, one divisor per output position (oh*OW+ow).
std::pair<Tensor, Tensor> max_pool2d(const Tensor& input, const std::vector<int64_t>& hs,
                                     const std::vector<int64_t>& he, const std::vector<int64_t>& ws,
                                     const std::vector<int64_t>& we);
// Gradient of max_pool2d w.r.t. its input: each of grad's [N, C, OH, OW]
// values added at its index (within its H x W plane) of a zeroed
// [N, C, H, W] tensor (float32/float64; indices are checked first).
Tensor max_pool2d_backward(const Tensor& grad, const Tensor& indices, int64_t h, int64_t w);
Tensor avg_pool2d(const Tensor& input, const std::vector<int64_t>& hs, const std::vector<int64_t>& he,
                  const std::vector<int64_t>& ws, const std::vector<int64_t>& we,
                  const std::vector<double>& divisor);
// Gradient of avg_pool2d w.r.t. its input (same windows and divisors).
Tensor avg_pool2d_backward(const Tensor& grad, int64_t h, int64_t w, const std::vector<int64_t>& hs,
                           const std::vector<int64_t>& he, const std::vector<int64_t>& ws,
                           const std::vector<int64_t>& we, const std::vector<double>& divisor);

}  // namespace ember
