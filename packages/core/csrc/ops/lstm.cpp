// SPDX-License-Identifier: BSD-3-Clause
// Note [Fused LSTM layer]
// An LSTM over a sequence is T dependent steps of a small GEMM (h @ W_hh^T,
// [B, H] x [H, 4H]) and a pointwise cell. Run op by op, each step costs a
// dozen dispatches and graph nodes, more than its arithmetic. Here a layer
// is one call. The input projections of all steps are one large GEMM up
// front. Blocks of up to 64 hidden units are the unit of work: each step
// shares the blocks among the pool's threads, and a thread computes its
// block's four gates with one GEMM (reading the whole previous h) and then
// the block's cell, so a step needs one synchronisation. The gates are kept
// in a blocked layout (block k's i, f, g, o side by side); it depends on the
// layer's size only, so backward reads what forward wrote. In float32 the
// step's GEMM is the kernel table's recurrent GEMM on weights packed once
// per call: a general GEMM repacks them on every call, which cost more than
// the product. Backward mirrors the steps: a thread computes its units' part
// of dh (the next step's d_gates @ W_hh, a BLAS GEMM that is as fast here)
// and then their cell's backward, writing d_gates in the canonical layout
// (i, f, g, o of all units in turn). The gradients of x, the weights and the
// bias are GEMMs and a sum over all steps, left to the caller.
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
#include "matmul.h"

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

// Per-step products C[rows, cols] += A @ B_i against fixed weight blocks B_i
// [k, width_i], copied once: column j of block i is k values from
// column(i, j) on, `stride` apart. float32 copies them into panels for the
// kernel table's recurrent GEMM (a general GEMM would repack them every
// step), float64 into row-major blocks for BLAS.
template <typename T>
class StepWeights {
 public:
  template <typename Column>
  StepWeights(int64_t k, const std::vector<int64_t>& width, int64_t stride, Column column)
      : k_(k), width_(width) {
    const int64_t panel = std::is_same<T, float>::value ? kernels().recurrent_panel : 1;
    for (size_t i = 0; i < width.size(); ++i) {
      offset_.push_back(static_cast<int64_t>(data_.size()));
      int64_t panels = (width[i] + panel - 1) / panel;
      data_.resize(data_.size() + static_cast<size_t>(panels * k * panel), T(0));
      T* dst = data_.data() + offset_.back();
      // panel == 1: row-major [k, width]; otherwise panels of `panel` columns
      const int64_t ld = panel == 1 ? width[i] : panel;
      for (int64_t j = 0; j < width[i]; ++j) {
        const T* src = column(i, j);
        T* col = dst + (j / ld) * k * ld + j % ld;
        for (int64_t r = 0; r < k; ++r) col[r * ld] = src[r * stride];
      }
    }
  }

  void multiply_add(size_t block, const T* a, int64_t lda, int64_t rows, T* c, int64_t ldc) const {
    const T* b = data_.data() + offset_[block];
    if constexpr (std::is_same<T, float>::value) {
      kernels().recurrent_gemm_f32(reinterpret_cast<const char*>(a), lda, rows, k_, reinterpret_cast<const char*>(b),
                                   width_[block], reinterpret_cast<char*>(c), ldc);
    } else {
      gemm<T>(false, false, rows, width_[block], k_, a, lda, b, width_[block], T(1), c, ldc);
    }
  }

 private:
  int64_t k_;
  std::vector<int64_t> width_, offset_;
  std::vector<T> data_;
};

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

// The blocked column of each gate row (i, f, g, o of all units in turn).
std::vector<int64_t> blocked_columns(int64_t hidden) {
  const int64_t block = unit_block(hidden);
  std::vector<int64_t> col_of(static_cast<size_t>(4 * hidden));
  for (int64_t u0 = 0; u0 < hidden; u0 += block) {
    int64_t n = std::min(block, hidden - u0);
    for (int64_t q = 0; q < 4; ++q)
      for (int64_t j = 0; j < n; ++j) col_of[q * hidden + u0 + j] = 4 * u0 + q * n + j;
  }
  return col_of;
}

// W^T in the blocked layout for a gate weight W [4H, K]: [1, K, 4H], block
// k's columns 4 k U .. hold its units' i, f, g, o weights, n_k columns each,
// so a block's gates come from one GEMM. Transposed in 16 x 16 tiles, which
// keep both sides in cache.
Tensor blocked_weight_t(const Tensor& w, int64_t hidden) {
  const int64_t rows = 4 * hidden, k = w->sizes()[1], tile = 16;
  const std::vector<int64_t> col_of = blocked_columns(hidden);
  Tensor wc = contiguous(w);
  Tensor out = TensorImpl::empty({1, k, rows}, w->dtype());
  const int64_t item = static_cast<int64_t>(w->itemsize());
  const char* src = wc->data();
  char* dst = out->data();
  for (int64_t r0 = 0; r0 < rows; r0 += tile)
    for (int64_t p0 = 0; p0 < k; p0 += tile)
      for (int64_t r = r0; r < std::min(rows, r0 + tile); ++r)
        for (int64_t p = p0; p < std::min(k, p0 + tile); ++p)
          std::memcpy(dst + (p * rows + col_of[r]) * item, src + (r * k + p) * item, static_cast<size_t>(item));
  return out;
}

// gates [T, B, 4H] holds the input part of every step in the blocked layout
// on entry and the activations on return; w is W_hh [4H, H].
template <typename T>
void forward_steps(TensorImpl& gates, const T* h0, const T* c0, const T* w, TensorImpl& out, TensorImpl& cs,
                   bool reverse) {
  const int64_t steps = gates.sizes()[0], batch = gates.sizes()[1], hidden = out.sizes()[2];
  const int64_t g_ld = 4 * hidden, step_g = batch * g_ld, step_s = batch * hidden;
  const int64_t block = unit_block(hidden), blocks = (hidden + block - 1) / block;
  T* o = reinterpret_cast<T*>(out.data());
  T* g = reinterpret_cast<T*>(gates.data());
  T* c = reinterpret_cast<T*>(cs.data());
  auto cell = kernels().lstm_cell[static_cast<int>(gates.dtype())];
  // block k's weights: W_hh^T's columns of its units' gates i, f, g, o (n_k each)
  std::vector<int64_t> width;
  for (int64_t u0 = 0; u0 < hidden; u0 += block) width.push_back(4 * std::min(block, hidden - u0));
  const StepWeights<T> weights(hidden, width, 1, [&](size_t k, int64_t j) {
    int64_t n = width[k] / 4, unit = static_cast<int64_t>(k) * block + j % n;
    return w + ((j / n) * hidden + unit) * hidden;  // W_hh's row of gate j / n of the unit
  });
  const T* h_prev = h0;
  const T* c_prev = c0;
  for (int64_t s = 0; s < steps; ++s) {
    int64_t t = reverse ? steps - 1 - s : s;
    T* gt = g + t * step_g;
    parallel_for(0, blocks, block_grain(batch, hidden, blocks), [&](int64_t b0, int64_t b1) {
      for (int64_t k = b0; k < b1; ++k) {  // the block's gates += h_prev @ W^T, then its cell
        int64_t u0 = k * block, n = std::min(block, hidden - u0), col = 4 * u0;
        weights.multiply_add(static_cast<size_t>(k), h_prev, hidden, batch, gt + col, g_ld);
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
void backward_steps(const T* d_out, const int64_t* d_strides, const T* d_hn, T* dc, const TensorImpl& gates, const TensorImpl& cs,
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
          const T* last = s == steps - 1 && d_hn != nullptr ? d_hn + r * hidden + u0 : nullptr;
          for (int64_t j = 0; j < n; ++j) d[j] = last ? last[j] : T(0);
          if (d_out != nullptr) {  // any strides (the gradient of a sum is an expanded tensor)
            const T* src = d_out + t * d_strides[0] + r * d_strides[1] + u0 * d_strides[2];
            for (int64_t j = 0; j < n; ++j) d[j] += src[j * d_strides[2]];
          }
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

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> lstm_layer(const Tensor& x, const Tensor& w_ih,
                                                              const Tensor& bias, const Tensor& h0_in,
                                                              const Tensor& c0_in, const Tensor& w_hh,
                                                              bool reverse) {
  EMBER_CHECK(x->dim() == 3, "lstm_layer: expected an input of shape [steps, batch, input_size], got ",
              describe(*x));
  ScalarType dtype = x->dtype();
  EMBER_CHECK(dtype == ScalarType::Float32 || dtype == ScalarType::Float64,
              "lstm_layer: expected float32 or float64, got ", describe(*x));
  const int64_t steps = x->sizes()[0], batch = x->sizes()[1], inputs = x->sizes()[2];
  EMBER_CHECK(w_hh->dim() == 2 && w_hh->sizes()[0] % 4 == 0 && w_hh->sizes()[0] == 4 * w_hh->sizes()[1] &&
                  w_hh->dtype() == dtype,
              "lstm_layer: expected w_hh of shape [4 * hidden, hidden] and dtype ", scalar_type_name(dtype),
              ", got ", describe(*w_hh));
  const int64_t hidden = w_hh->sizes()[1];
  EMBER_CHECK(w_ih->dim() == 2 && w_ih->sizes()[0] == 4 * hidden && w_ih->sizes()[1] == inputs &&
                  w_ih->dtype() == dtype,
              "lstm_layer: expected w_ih of shape [", 4 * hidden, ", ", inputs, "] and dtype ",
              scalar_type_name(dtype), ", got ", describe(*w_ih));
  EMBER_CHECK(!bias || (bias->sizes() == Shape{4 * hidden} && bias->dtype() == dtype),
              "lstm_layer: expected a bias of shape [", 4 * hidden, "] and dtype ", scalar_type_name(dtype),
              ", got ", describe(*bias));
  check_state(h0_in, "h0", batch, hidden, dtype);
  check_state(c0_in, "c0", batch, hidden, dtype);
  Tensor h0 = contiguous(h0_in), c0 = contiguous(c0_in);
  Tensor out = TensorImpl::empty({steps, batch, hidden}, dtype);
  Tensor cs = TensorImpl::empty({steps, batch, hidden}, dtype);
  Tensor h_n = TensorImpl::empty({batch, hidden}, dtype), c_n = TensorImpl::empty({batch, hidden}, dtype);
  // the input parts of all steps: one GEMM, straight into the blocked layout, onto the bias
  Tensor gates = TensorImpl::empty({1, steps * batch, 4 * hidden}, dtype);
  const int64_t item = static_cast<int64_t>(gates->itemsize()), g_bytes = 4 * hidden * item;
  if (bias) {
    Tensor b = contiguous(bias);
    const std::vector<int64_t> col_of = blocked_columns(hidden);
    std::vector<char> row(static_cast<size_t>(g_bytes));
    for (int64_t r = 0; r < 4 * hidden; ++r)
      std::memcpy(row.data() + col_of[r] * item, b->data() + r * item, static_cast<size_t>(item));
    for (int64_t r = 0; r < steps * batch; ++r)
      std::memcpy(gates->data() + r * g_bytes, row.data(), static_cast<size_t>(g_bytes));
  } else if (steps * batch * hidden != 0) {
    std::memset(gates->data(), 0, static_cast<size_t>(steps * batch * g_bytes));
  }
  if (steps * batch * hidden != 0 && inputs != 0) {
    Tensor x2 = contiguous(x)->as_strided({1, steps * batch, inputs}, {steps * batch * inputs, inputs, 1}, 0);
    batched_gemm(x2, blocked_weight_t(w_ih, hidden), gates, 1.0, 1.0);
  }
  gates = gates->as_strided({steps, batch, 4 * hidden}, {batch * 4 * hidden, 4 * hidden, 1}, 0);
  if (batch * hidden != 0) {
    Tensor w = contiguous(w_hh);
    if (dtype == ScalarType::Float32) {
      forward_steps<float>(*gates, reinterpret_cast<const float*>(h0->data()),
                           reinterpret_cast<const float*>(c0->data()), reinterpret_cast<const float*>(w->data()),
                           *out, *cs, reverse);
    } else {
      forward_steps<double>(*gates, reinterpret_cast<const double*>(h0->data()),
                            reinterpret_cast<const double*>(c0->data()), reinterpret_cast<const double*>(w->data()),
                            *out, *cs, reverse);
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
  Tensor d_out = d_out_in;
  EMBER_CHECK(!d_out || (d_out->sizes() == Shape({steps, batch, hidden}) && d_out->dtype() == dtype),
              "lstm_layer_backward: expected grad of out of shape ", shape_str({steps, batch, hidden}),
              " and dtype ", scalar_type_name(dtype), ", got ", describe(*d_out));
  const int64_t no_strides[3] = {0, 0, 0};
  const int64_t* d_strides = d_out ? d_out->strides().data() : no_strides;
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
    backward_steps<float>(reinterpret_cast<const float*>(ptr(d_out)), d_strides,
                          reinterpret_cast<const float*>(ptr(d_hn)),
                          reinterpret_cast<float*>(dc0->data()), *gates, *cs,
                          reinterpret_cast<const float*>(c0->data()), reinterpret_cast<const float*>(w->data()),
                          *d_gates, reinterpret_cast<float*>(dh0->data()), reverse);
  } else {
    backward_steps<double>(reinterpret_cast<const double*>(ptr(d_out)), d_strides,
                           reinterpret_cast<const double*>(ptr(d_hn)), reinterpret_cast<double*>(dc0->data()),
                           *gates, *cs, reinterpret_cast<const double*>(c0->data()),
                           reinterpret_cast<const double*>(w->data()), *d_gates,
                           reinterpret_cast<double*>(dh0->data()), reverse);
  }
  return {d_gates, dh0, dc0};
}

}  // namespace ember
