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

// tanh(x) = 2 sigmoid(2x) - 1: one exp and one division, where the general
// tanh evaluates two branches. Its error is absolute (~1e-7 in float32),
// which the cell's sums cannot tell from tanh's relative one.
template <typename T>
inline T lstm_tanh(T x) {
  return T(2) / (T(1) + m_fexp(T(-2) * x)) - T(1);
}

// In place over n contiguous values (one simple loop each, which the
// compiler vectorizes; one loop doing all gates at once it did not).
template <typename T>
void sigmoid_span(T* __restrict x, int64_t n) {
  for (int64_t j = 0; j < n; ++j) x[j] = lstm_sigmoid(x[j]);
}
template <typename T>
void tanh_span(T* __restrict x, int64_t n) {
  for (int64_t j = 0; j < n; ++j) x[j] = lstm_tanh(x[j]);
}
template <typename T>
void cell_span(const T* __restrict i, const T* __restrict f, const T* __restrict g, const T* __restrict o,
               const T* __restrict c_prev, T* __restrict c, T* __restrict h, int64_t n) {
  for (int64_t j = 0; j < n; ++j) c[j] = f[j] * c_prev[j] + i[j] * g[j];
  for (int64_t j = 0; j < n; ++j) h[j] = o[j] * lstm_tanh(c[j]);
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
    T tc = lstm_tanh(c[j]);
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

// ---- the recurrent GEMM ----------------------------------------------------
// C[rows, cols] += A[rows, K] @ B for a B packed once into panels of
// 2 * (vector lanes) columns (ops/lstm.cpp packs it): panel p holds B's
// columns p * kPanel .. as K rows of kPanel values, zero-padded. A step of a
// recurrent layer multiplies a few rows by the same weights every step;
// packing them once saves what a general GEMM spends repacking them per call.
constexpr int64_t kRecurrentLanes = kWideBytes / static_cast<int64_t>(sizeof(float));
constexpr int64_t kRecurrentPanel = 2 * kRecurrentLanes;

template <int R>
void recurrent_rows(const float* a, int64_t lda, int64_t k, const float* panel, float* c, int64_t ldc,
                    int64_t cols) {
  ember_vf acc[R][2];
  float tmp[kRecurrentPanel];
  for (int r = 0; r < R; ++r) {
    const float* src = c + r * ldc;
    if (cols == kRecurrentPanel) {
      memcpy(&acc[r][0], src, sizeof(ember_vf));
      memcpy(&acc[r][1], src + kRecurrentLanes, sizeof(ember_vf));
    } else {  // the last, partial panel
      for (int64_t j = 0; j < kRecurrentPanel; ++j) tmp[j] = j < cols ? src[j] : 0.0f;
      memcpy(&acc[r][0], tmp, sizeof(ember_vf));
      memcpy(&acc[r][1], tmp + kRecurrentLanes, sizeof(ember_vf));
    }
  }
  for (int64_t p = 0; p < k; ++p) {
    ember_vf b0, b1;
    memcpy(&b0, panel + p * kRecurrentPanel, sizeof(ember_vf));
    memcpy(&b1, panel + p * kRecurrentPanel + kRecurrentLanes, sizeof(ember_vf));
    for (int r = 0; r < R; ++r) {
      ember_vf av = ember_vf{} + a[r * lda + p];
      acc[r][0] += av * b0;
      acc[r][1] += av * b1;
    }
  }
  for (int r = 0; r < R; ++r) {
    float* dst = c + r * ldc;
    if (cols == kRecurrentPanel) {
      memcpy(dst, &acc[r][0], sizeof(ember_vf));
      memcpy(dst + kRecurrentLanes, &acc[r][1], sizeof(ember_vf));
    } else {
      memcpy(tmp, &acc[r][0], sizeof(ember_vf));
      memcpy(tmp + kRecurrentLanes, &acc[r][1], sizeof(ember_vf));
      for (int64_t j = 0; j < cols; ++j) dst[j] = tmp[j];
    }
  }
}

void recurrent_gemm(const char* a_p, int64_t lda, int64_t rows, int64_t k, const char* packed_p, int64_t cols,
                    char* c_p, int64_t ldc) {
  const float* a = reinterpret_cast<const float*>(a_p);
  const float* packed = reinterpret_cast<const float*>(packed_p);
  float* c = reinterpret_cast<float*>(c_p);
  constexpr int kRows = 6;  // 12 accumulators, two weight vectors and a broadcast fit the registers
  for (int64_t j0 = 0; j0 < cols; j0 += kRecurrentPanel) {
    const float* panel = packed + (j0 / kRecurrentPanel) * k * kRecurrentPanel;
    int64_t w = cols - j0 < kRecurrentPanel ? cols - j0 : kRecurrentPanel;
    int64_t r = 0;
    for (; r + kRows <= rows; r += kRows) recurrent_rows<kRows>(a + r * lda, lda, k, panel, c + r * ldc + j0, ldc, w);
    switch (rows - r) {
      case 5: recurrent_rows<5>(a + r * lda, lda, k, panel, c + r * ldc + j0, ldc, w); break;
      case 4: recurrent_rows<4>(a + r * lda, lda, k, panel, c + r * ldc + j0, ldc, w); break;
      case 3: recurrent_rows<3>(a + r * lda, lda, k, panel, c + r * ldc + j0, ldc, w); break;
      case 2: recurrent_rows<2>(a + r * lda, lda, k, panel, c + r * ldc + j0, ldc, w); break;
      case 1: recurrent_rows<1>(a + r * lda, lda, k, panel, c + r * ldc + j0, ldc, w); break;
      default: break;
    }
  }
}
