// SPDX-License-Identifier: BSD-3-Clause
// The rows of one image's im2col matrix, shared by im2col (whole batches)
// and the fused convolution weight gradient (one image at a time, in cache).
#pragma once
#include <algorithm>
#include <cstdint>

#include "nn.h"

namespace ember {

// Rows [k0, k1) of the [C*kh*kw, oh*ow] patch matrix of one [C, H, W]
// image, row k at dst + (k - k0) * oh * ow.
template <typename T>
void im2col_rows(const T* src, int64_t H, int64_t W, const Window2d& w, int64_t oh, int64_t ow,
                 int64_t k0, int64_t k1, T* dst) {
  int64_t L = oh * ow;
  for (int64_t k = k0; k < k1; ++k) {
    int64_t c = k / (w.kh * w.kw), ki = (k / w.kw) % w.kh, kj = k % w.kw;
    const T* plane = src + c * H * W;
    T* row = dst + (k - k0) * L;
    for (int64_t y = 0; y < oh; ++y) {
      int64_t iy = y * w.sh - w.ph + ki * w.dh;
      T* out = row + y * ow;
      if (iy < 0 || iy >= H) {
        for (int64_t x = 0; x < ow; ++x) out[x] = T(0);
        continue;
      }
      const T* line = plane + iy * W;
      int64_t shift = kj * w.dw - w.pw;  // ix = x * sw + shift
      if (w.sw == 1) {
        // a shifted copy of the input line, zeros where it runs off
        int64_t x0 = std::min<int64_t>(ow, std::max<int64_t>(0, -shift));
        int64_t x1 = std::max<int64_t>(x0, std::min<int64_t>(ow, W - shift));
        const T* src_x = line + shift;  // lines are short: no memcpy call
        for (int64_t x = 0; x < x0; ++x) out[x] = T(0);
        for (int64_t x = x0; x < x1; ++x) out[x] = src_x[x];
        for (int64_t x = x1; x < ow; ++x) out[x] = T(0);
        continue;
      }
      for (int64_t x = 0; x < ow; ++x) {
        int64_t ix = x * w.sw + shift;
        out[x] = (ix >= 0 && ix < W) ? line[ix] : T(0);
      }
    }
  }
}

}  // namespace ember
