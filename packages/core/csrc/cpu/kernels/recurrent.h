// SPDX-License-Identifier: BSD-3-Clause
// The LSTM cell's pointwise part, forward and backward, over a block of
// hidden units (Note [Fused LSTM layer] in ops/lstm.cpp). Rows of `gates`
// hold the block's i-gate columns at the pointer and the f, g and o columns
// one, two and three `stride`s further. Included only by kernels_isa.cpp,
// inside its ISA namespace.
#pragma once

template <typename T>
inline T lstm_sigmoid(T x) {
  return T(1) / (T(1) + m_fexp(-x));
}

// In place over n contiguous values (one simple loop each, which the
// compiler vectorizes; one loop doing all gates at once it did not).
template <typename T>
void sigmoid_span(T* __restrict x, int64_t n) {
  for (int64_t j = 0; j < n; ++j) x[j] = lstm_sigmoid(x[j]);
}
template <typename T>
void tanh_span(T* __restrict x, int64_t n) {
  for (int64_t j = 0; j < n; ++j) x[j] = m_ftanh(x[j]);
}
template <typename T>
void cell_span(const T* __restrict i, const T* __restrict f, const T* __restrict g, const T* __restrict o,
               const T* __restrict c_prev, T* __restrict c, T* __restrict h, int64_t n) {
  for (int64_t j = 0; j < n; ++j) c[j] = f[j] * c_prev[j] + i[j] * g[j];
  for (int64_t j = 0; j < n; ++j) h[j] = o[j] * m_ftanh(c[j]);
}

// Replaces the gates' pre-activations by i, f, g, o; c = f c_prev + i g and
// h = o tanh(c).
template <typename T>
void lstm_cell(char* gates, int64_t ld_gates, int64_t stride, const char* c_prev, char* c, char* h,
               int64_t ld_state, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    T* gi = reinterpret_cast<T*>(gates) + r * ld_gates;
    sigmoid_span(gi, n);
    sigmoid_span(gi + stride, n);
    tanh_span(gi + 2 * stride, n);
    sigmoid_span(gi + 3 * stride, n);
    cell_span(gi, gi + stride, gi + 2 * stride, gi + 3 * stride, reinterpret_cast<const T*>(c_prev) + r * ld_state,
              reinterpret_cast<T*>(c) + r * ld_state, reinterpret_cast<T*>(h) + r * ld_state, n);
  }
}

// From the activations lstm_cell left, the cell states c and c_prev, the
// gradient dh reaching h and the gradient dc reaching c from the next step:
// writes the pre-activations' gradient to d_gates (gates i, f, g, o one
// `d_stride` apart) and replaces dc by the gradient reaching c_prev.
template <typename T>
void cell_backward_span(const T* __restrict i, const T* __restrict f, const T* __restrict g, const T* __restrict o,
                        const T* __restrict c, const T* __restrict c_prev, const T* __restrict dh,
                        T* __restrict dc, T* __restrict di, T* __restrict df, T* __restrict dg, T* __restrict d_o,
                        int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    T tc = m_ftanh(c[j]);
    T d_c = dc[j] + dh[j] * o[j] * (T(1) - tc * tc);
    di[j] = d_c * g[j] * i[j] * (T(1) - i[j]);
    df[j] = d_c * c_prev[j] * f[j] * (T(1) - f[j]);
    dg[j] = d_c * i[j] * (T(1) - g[j] * g[j]);
    d_o[j] = dh[j] * tc * o[j] * (T(1) - o[j]);
    dc[j] = d_c * f[j];
  }
}

template <typename T>
void lstm_cell_backward(const char* gates, int64_t ld_gates, int64_t stride, char* d_gates, int64_t ld_d,
                        int64_t d_stride, const char* c, const char* c_prev, const char* dh, char* dc,
                        int64_t ld_state, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* g = reinterpret_cast<const T*>(gates) + r * ld_gates;
    T* d = reinterpret_cast<T*>(d_gates) + r * ld_d;
    int64_t s = r * ld_state;
    cell_backward_span(g, g + stride, g + 2 * stride, g + 3 * stride, reinterpret_cast<const T*>(c) + s,
                       reinterpret_cast<const T*>(c_prev) + s, reinterpret_cast<const T*>(dh) + s,
                       reinterpret_cast<T*>(dc) + s, d, d + d_stride, d + 2 * d_stride, d + 3 * d_stride, n);
  }
}
