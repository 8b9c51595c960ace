// SPDX-License-Identifier: BSD-3-Clause
// One LSTM layer (one direction) over a whole sequence in one call:
// Note [Fused LSTM layer] in lstm.cpp.
#pragma once
#include <tuple>

#include "../tensor/tensor_impl.h"

namespace ember {

// x [T, B, I]; w_ih [4H, I] and w_hh [4H, H] (gates i, f, g, o); bias [4H]
// or null (b_ih + b_hh); h0, c0 [B, H]; `reverse` runs the steps from T-1
// down to 0. Returns (out [T, B, H] (h of every step), h_n [B, H], c_n
// [B, H], gates [T, B, 4H] (the activations, in the kernel's blocked layout:
// only lstm_layer_backward reads them), cs [T, B, H] (c of every step)).
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> lstm_layer(const Tensor& x, const Tensor& w_ih,
                                                              const Tensor& bias, const Tensor& h0,
                                                              const Tensor& c0, const Tensor& w_hh,
                                                              bool reverse);

// The gradient of lstm_layer: from the gradients of out, h_n and c_n (each
// may be null: zero) and what the forward returned, (d_gates [T, B, 4H], dh0,
// dc0), d_gates the gradient of the gates' pre-activations. The gradients of
// x, the weights and the bias are GEMMs and a sum over all steps (done by the
// caller).
std::tuple<Tensor, Tensor, Tensor> lstm_layer_backward(const Tensor& d_out, const Tensor& d_hn,
                                                       const Tensor& d_cn, const Tensor& gates,
                                                       const Tensor& cs, const Tensor& c0,
                                                       const Tensor& w_hh, bool reverse);

}  // namespace ember
