// SPDX-License-Identifier: BSD-3-Clause
// Note [Fused LSTM layer]
// An LSTM over a sequence is T dependent steps of a small GEMM (h @ W_hh^T,
// [B, H] x [H, 4H]) and a pointwise cell. Run op by op, each step costs a
// dozen dispatches and graph nodes, more than its arithmetic. Here a layer
// is one call: the input projections of all steps come precomputed (one
// large GEMM by the caller), and each step splits the hidden units among the
// pool's threads. A thread computes the four gate columns of its units
// (four GEMMs reading the whole previous h) and then their cell, so a step
// needs one synchronisation. Backward mirrors it: a thread computes its
// units' part of dh (the previous step's d_gates @ W_hh) and then their
// cell's backward. The weight gradient sum_t d_gates_t^T h_{t-1} is left to
// the caller as one GEMM over all steps.
#include "lstm.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../cpu/blas.h"
#include "../cpu/kernels/kernel_table.h"
#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"

namespace ember {
namespace {

// Row-major C = alpha A op(B) + beta C for float or double.
template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc) {
  if constexpr (std::is_same<T, float>::value) {
    blas_sgemm(ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a,
               static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
  } else {
    blas_dgemm(ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a,
               static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
  }
}

// The units of a block: the unit of work of a step (a thread takes whole
// blocks) and of the gates' blocked layout. It depends on the layer's size
// only, never on the thread count, so forward and backward agree.
int64_t unit_block(int64_t hidden) { return std::min<int64_t>(hidden, 64); }

// Blocks per chunk of parallel_for: all of them (no pool) when a step is too
// small to be worth waking the pool (below ~0.2 Mflop).
int64_t block_grain(int64_t batch, int64_t hidden, int64_t blocks) {
  double flops = 8.0 * static_cast<double>(batch) * static_cast<double>(hidden * hidden);
  return get_num_threads() <= 1 || flops < 2e5 ? std::max<int64_t>(blocks, 1) : 1;
}

void check_state(const Tensor& s, const char* name, int64_t batch, int64_t hidden, ScalarType dtype) {
  EMBER_CHECK(s->dim() == 2 && s->sizes()[0] == batch && s->sizes()[1] == hidden && s->dtype() == dtype,
              "lstm_layer: expected ", name, " of shape [", batch, ", ", hidden, "] and dtype ",
              scalar_type_name(dtype), ", got ", describe(*s));
}

// W_hh^T in the blocked layout: [H, 4H], block k's columns 4 k U .. hold its
// units' i, f, g, o weights, n_k columns each. A block's gates then come from
// one GEMM.
template <typename T>
std::vector<T> blocked_weight_t(const T* w, int64_t hidden) {
  const int64_t g_ld = 4 * hidden, block = unit_block(hidden);
  std::vector<T> out(static_cast<size_t>(hidden * g_ld));
  for (int64_t u0 = 0; u0 < hidden; u0 += block) {
    int64_t n = std::min(block, hidden - u0);
    for (int64_t q = 0; q < 4; ++q)
      for (int64_t j = 0; j < n; ++j) {
        const T* row = w + (q * hidden + u0 + j) * hidden;  // W_hh row of gate q, unit u0 + j
        T* col = out.data() + 4 * u0 + q * n + j;
        for (int64_t p = 0; p < hidden; ++p) col[p * g_ld] = row[p];
      }
  }
  return out;
}

template <typename T>
void forward_steps(const TensorImpl& xp, const T* h0, const T* c0, const T* w, TensorImpl& out,
                   TensorImpl& gates, TensorImpl& cs, bool reverse) {
  const int64_t steps = xp.sizes()[0], batch = xp.sizes()[1], hidden = out.sizes()[2];
  const int64_t g_ld = 4 * hidden, step_g = batch * g_ld, step_s = batch * hidden;
  const int64_t block = unit_block(hidden), blocks = (hidden + block - 1) / block;
  const T* x = reinterpret_cast<const T*>(xp.data());
  T* o = reinterpret_cast<T*>(out.data());
  T* g = reinterpret_cast<T*>(gates.data());
  T* c = reinterpret_cast<T*>(cs.data());
  auto cell = kernels().lstm_cell[static_cast<int>(xp.dtype())];
  const std::vector<T> w_t = blocked_weight_t(w, hidden);
  const T* h_prev = h0;
  const T* c_prev = c0;
  for (int64_t s = 0; s < steps; ++s) {
    int64_t t = reverse ? steps - 1 - s : s;
    T* gt = g + t * step_g;
    const T* xt = x + t * step_g;
    parallel_for(0, blocks, block_grain(batch, hidden, blocks), [&](int64_t b0, int64_t b1) {
      for (int64_t k = b0; k < b1; ++k) {
        int64_t u0 = k * block, n = std::min(block, hidden - u0), col = 4 * u0;
        for (int64_t r = 0; r < batch; ++r)  // the block's gates: x_t's part, in the blocked layout ...
          for (int64_t q = 0; q < 4; ++q)
            std::memcpy(gt + r * g_ld + col + q * n, xt + r * g_ld + q * hidden + u0,
                        static_cast<size_t>(n) * sizeof(T));
        // ... plus h_prev @ W^T of its columns, then its cell
        gemm<T>(false, false, batch, 4 * n, hidden, h_prev, hidden, w_t.data() + col, g_ld, T(1), gt + col, g_ld);
        cell(reinterpret_cast<char*>(gt + col), g_ld, n, reinterpret_cast<const char*>(c_prev + u0),
             reinterpret_cast<char*>(c + t * step_s + u0), reinterpret_cast<char*>(o + t * step_s + u0), hidden,
             batch, n);
      }
    });
    h_prev = o + t * step_s;
    c_prev = c + t * step_s;
  }
}

template <typename T>
void backward_steps(const T* d_out, const T* d_hn, T* dc, const TensorImpl& gates, const TensorImpl& cs,
                    const T* c0, const T* w, TensorImpl& d_gates, T* dh0, bool reverse) {
  const int64_t steps = gates.sizes()[0], batch = gates.sizes()[1], hidden = cs.sizes()[2];
  const int64_t g_ld = 4 * hidden, step_g = batch * g_ld, step_s = batch * hidden;
  const int64_t block = unit_block(hidden), blocks = (hidden + block - 1) / block;
  const T* g = reinterpret_cast<const T*>(gates.data());
  const T* c = reinterpret_cast<const T*>(cs.data());
  T* dg = reinterpret_cast<T*>(d_gates.data());
  auto cell = kernels().lstm_cell_backward[static_cast<int>(gates.dtype())];
  std::vector<T> dh(static_cast<size_t>(step_s));
  const T* dg_next = nullptr;  // d_gates of the step processed before (later in the forward order)
  for (int64_t s = steps - 1; s >= 0; --s) {
    int64_t t = reverse ? steps - 1 - s : s;
    const T* c_prev = s == 0 ? c0 : c + (reverse ? t + 1 : t - 1) * step_s;
    parallel_for(0, blocks, block_grain(batch, hidden, blocks), [&](int64_t b0, int64_t b1) {
      for (int64_t k = b0; k < b1; ++k) {
        int64_t u0 = k * block, n = std::min(block, hidden - u0);
        // dh of the block's units: from the output, from h_n (the last step), from the next step
        for (int64_t r = 0; r < batch; ++r) {
          T* d = dh.data() + r * hidden + u0;
          const T* src = d_out != nullptr ? d_out + t * step_s + r * hidden + u0 : nullptr;
          const T* last = s == steps - 1 && d_hn != nullptr ? d_hn + r * hidden + u0 : nullptr;
          for (int64_t j = 0; j < n; ++j) d[j] = (src ? src[j] : T(0)) + (last ? last[j] : T(0));
        }
        if (dg_next != nullptr)
          gemm<T>(false, false, batch, n, g_ld, dg_next, g_ld, w + u0, hidden, T(1), dh.data() + u0, hidden);
        // gates in the blocked layout in, d_gates in the canonical one out
        cell(reinterpret_cast<const char*>(g + t * step_g + 4 * u0), g_ld, n,
             reinterpret_cast<char*>(dg + t * step_g + u0), g_ld, hidden,
             reinterpret_cast<const char*>(c + t * step_s + u0), reinterpret_cast<const char*>(c_prev + u0),
             reinterpret_cast<const char*>(dh.data() + u0), reinterpret_cast<char*>(dc + u0), hidden, batch, n);
      }
    });
    dg_next = dg + t * step_g;
  }
  if (dg_next != nullptr) {  // dh0 = d_gates of the first step @ W_hh
    gemm<T>(false, false, batch, hidden, g_ld, dg_next, g_ld, w, hidden, T(0), dh0, hidden);
  } else {
    for (int64_t i = 0; i < step_s; ++i) dh0[i] = d_hn != nullptr ? d_hn[i] : T(0);
  }
}

// A contiguous tensor of the shape or a null one (a gradient that did not arrive).
Tensor optional_contiguous(const Tensor& t, const Shape& shape, ScalarType dtype, const char* name) {
  if (!t) return t;
  EMBER_CHECK(t->sizes() == shape && t->dtype() == dtype, "lstm_layer_backward: expected ", name,
              " of shape ", shape_str(shape), " and dtype ", scalar_type_name(dtype), ", got ", describe(*t));
  return contiguous(t);
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> lstm_layer(const Tensor& xp_in, const Tensor& h0_in,
                                                              const Tensor& c0_in, const Tensor& w_in,
                                                              bool reverse) {
  EMBER_CHECK(xp_in->dim() == 3 && xp_in->sizes()[2] % 4 == 0,
              "lstm_layer: expected input projections of shape [steps, batch, 4 * hidden], got ",
              describe(*xp_in));
  ScalarType dtype = xp_in->dtype();
  EMBER_CHECK(dtype == ScalarType::Float32 || dtype == ScalarType::Float64,
              "lstm_layer: expected float32 or float64, got ", describe(*xp_in));
  const int64_t steps = xp_in->sizes()[0], batch = xp_in->sizes()[1], hidden = xp_in->sizes()[2] / 4;
  check_state(h0_in, "h0", batch, hidden, dtype);
  check_state(c0_in, "c0", batch, hidden, dtype);
  EMBER_CHECK(w_in->dim() == 2 && w_in->sizes()[0] == 4 * hidden && w_in->sizes()[1] == hidden &&
                  w_in->dtype() == dtype,
              "lstm_layer: expected w_hh of shape [", 4 * hidden, ", ", hidden, "] and dtype ",
              scalar_type_name(dtype), ", got ", describe(*w_in));
  Tensor xp = contiguous(xp_in), h0 = contiguous(h0_in), c0 = contiguous(c0_in), w = contiguous(w_in);
  Tensor out = TensorImpl::empty({steps, batch, hidden}, dtype);
  Tensor gates = TensorImpl::empty({steps, batch, 4 * hidden}, dtype);
  Tensor cs = TensorImpl::empty({steps, batch, hidden}, dtype);
  Tensor h_n = TensorImpl::empty({batch, hidden}, dtype), c_n = TensorImpl::empty({batch, hidden}, dtype);
  if (batch * hidden != 0) {
    if (dtype == ScalarType::Float32) {
      forward_steps<float>(*xp, reinterpret_cast<const float*>(h0->data()),
                           reinterpret_cast<const float*>(c0->data()), reinterpret_cast<const float*>(w->data()),
                           *out, *gates, *cs, reverse);
    } else {
      forward_steps<double>(*xp, reinterpret_cast<const double*>(h0->data()),
                            reinterpret_cast<const double*>(c0->data()),
                            reinterpret_cast<const double*>(w->data()), *out, *gates, *cs, reverse);
    }
  }
  // the final states: those of the last step run (h0, c0 for an empty sequence)
  size_t state_bytes = static_cast<size_t>(batch * hidden) * out->itemsize();
  int64_t last = reverse ? 0 : steps - 1;
  const char* hs = steps ? out->data() + last * static_cast<int64_t>(state_bytes) : h0->data();
  const char* cl = steps ? cs->data() + last * static_cast<int64_t>(state_bytes) : c0->data();
  if (state_bytes) {
    std::memcpy(h_n->data(), hs, state_bytes);
    std::memcpy(c_n->data(), cl, state_bytes);
  }
  return {out, h_n, c_n, gates, cs};
}

std::tuple<Tensor, Tensor, Tensor> lstm_layer_backward(const Tensor& d_out_in, const Tensor& d_hn_in,
                                                       const Tensor& d_cn_in, const Tensor& gates_in,
                                                       const Tensor& cs_in, const Tensor& c0_in,
                                                       const Tensor& w_in, bool reverse) {
  EMBER_CHECK(gates_in->dim() == 3 && cs_in->dim() == 3, "lstm_layer_backward: expected the forward's gates "
              "and cell states, got ", describe(*gates_in), " and ", describe(*cs_in));
  ScalarType dtype = gates_in->dtype();
  const int64_t steps = gates_in->sizes()[0], batch = gates_in->sizes()[1], hidden = cs_in->sizes()[2];
  EMBER_CHECK(gates_in->sizes()[2] == 4 * hidden && cs_in->sizes() == Shape({steps, batch, hidden}) &&
                  cs_in->dtype() == dtype && (dtype == ScalarType::Float32 || dtype == ScalarType::Float64),
              "lstm_layer_backward: gates ", describe(*gates_in), " and cell states ", describe(*cs_in),
              " do not belong to one LSTM layer");
  check_state(c0_in, "c0", batch, hidden, dtype);
  EMBER_CHECK(w_in->sizes() == Shape({4 * hidden, hidden}) && w_in->dtype() == dtype,
              "lstm_layer_backward: expected w_hh of shape [", 4 * hidden, ", ", hidden, "], got ", describe(*w_in));
  Tensor d_out = optional_contiguous(d_out_in, {steps, batch, hidden}, dtype, "grad of out");
  Tensor d_hn = optional_contiguous(d_hn_in, {batch, hidden}, dtype, "grad of h_n");
  Tensor gates = contiguous(gates_in), cs = contiguous(cs_in), c0 = contiguous(c0_in), w = contiguous(w_in);
  Tensor d_gates = TensorImpl::empty({steps, batch, 4 * hidden}, dtype);
  Tensor dh0 = TensorImpl::empty({batch, hidden}, dtype);
  // dc carries the gradient reaching c from step to step; it ends as dc0
  Tensor dc0 = TensorImpl::empty({batch, hidden}, dtype);
  if (d_cn_in) {
    copy_(dc0, optional_contiguous(d_cn_in, {batch, hidden}, dtype, "grad of c_n"), false);
  } else if (batch * hidden != 0) {
    std::memset(dc0->data(), 0, static_cast<size_t>(batch * hidden) * dc0->itemsize());
  }
  if (batch * hidden == 0) return {d_gates, dh0, dc0};
  auto ptr = [](const Tensor& t) -> const char* { return t ? t->data() : nullptr; };
  if (dtype == ScalarType::Float32) {
    backward_steps<float>(reinterpret_cast<const float*>(ptr(d_out)), reinterpret_cast<const float*>(ptr(d_hn)),
                          reinterpret_cast<float*>(dc0->data()), *gates, *cs,
                          reinterpret_cast<const float*>(c0->data()), reinterpret_cast<const float*>(w->data()),
                          *d_gates, reinterpret_cast<float*>(dh0->data()), reverse);
  } else {
    backward_steps<double>(reinterpret_cast<const double*>(ptr(d_out)),
                           reinterpret_cast<const double*>(ptr(d_hn)), reinterpret_cast<double*>(dc0->data()),
                           *gates, *cs, reinterpret_cast<const double*>(c0->data()),
                           reinterpret_cast<const double*>(w->data()), *d_gates,
                           reinterpret_cast<double*>(dh0->data()), reverse);
  }
  return {d_gates, dh0, dc0};
}

}  // namespace ember
