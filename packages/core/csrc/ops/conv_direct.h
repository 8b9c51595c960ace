// SPDX-License-Identifier: BSD-3-Clause
// Direct stride-1 2-D convolution: no im2col matrix, each image's padded
// planes stay in cache while a register-tiled kernel sweeps them
// (csrc/cpu/kernels/conv_direct.h).
#pragma once
#include "../tensor/tensor_impl.h"

namespace ember {

// Whether the direct kernel runs for this dtype on this CPU and beats
// im2col + GEMM for an oh x ow output of a kernel kw wide: it computes whole
// padded rows in whole register tiles, so narrow outputs waste too much.
bool conv2d_direct_suits(ScalarType dtype, int64_t oh, int64_t ow, int64_t kw, int64_t dw);

// out[n, o, y, x] = bias[o] + sum over c, ki, kj of
//   weight[o, c, ki, kj] * input[n, g*C/groups + c, y + ki*dh - pt, x + kj*dw - pl]
// (zero outside the input) for y < oh, x < ow: a stride-1 correlation with
// the input placed at (pt, pl) of the padded plane. pt and pl may be
// negative (the input is then cropped), which the input gradient of a
// padded convolution needs. input [N, C, H, W]; weight [O, C/groups, kh, kw];
// bias [O] or null.
Tensor conv2d_direct(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t pt,
                     int64_t pl, int64_t dh, int64_t dw, int64_t groups, int64_t oh, int64_t ow);

}  // namespace ember
