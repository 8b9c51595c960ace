// SPDX-License-Identifier: BSD-3-Clause
// The rows of one image's im2col matrix, shared by im2col (whole batches)
// and the fused convolution weight gradient (one image at a time, in cache).
#pragma once
#include <algorithm>
#include <cstdint>

#include "nn.h"

namespace ember {

// ceil(a / b) for a >= 0, b > 0.
inline int64_t im2col_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Rows [k0, k1) of the [C*kh*kw, oh*ow] patch matrix of one [C, H, W]
// image, row k at dst + (k - k0) * oh * ow. The output rows and columns
// that fall inside the input are found once per row of the matrix, so the
// inner loop is a plain (strided) copy.
template <typename T>
void im2col_rows(const T* src, int64_t H, int64_t W, const Window2d& w, int64_t oh, int64_t ow,
                 int64_t k0, int64_t k1, T* dst) {
  int64_t L = oh * ow;
  for (int64_t k = k0; k < k1; ++k) {
    int64_t c = k / (w.kh * w.kw), ki = (k / w.kw) % w.kh, kj = k % w.kw;
    const T* plane = src + c * H * W;
    T* row = dst + (k - k0) * L;
    // input row y * sh + sy and column x * sw + sx, inside for y in [y0, y1), x in [x0, x1)
    int64_t sy = ki * w.dh - w.ph, sx = kj * w.dw - w.pw;
    int64_t y0 = std::min(oh, im2col_ceil_div(std::max<int64_t>(0, -sy), w.sh));
    int64_t y1 = std::max(y0, std::min(oh, im2col_ceil_div(std::max<int64_t>(0, H - sy), w.sh)));
    int64_t x0 = std::min(ow, im2col_ceil_div(std::max<int64_t>(0, -sx), w.sw));
    int64_t x1 = std::max(x0, std::min(ow, im2col_ceil_div(std::max<int64_t>(0, W - sx), w.sw)));
    std::fill(row, row + y0 * ow, T(0));
    std::fill(row + y1 * ow, row + L, T(0));
    if (w.sh == 1 && w.sw == 1 && ow == W && y0 < y1 && x0 < x1) {
      // rows as long as the input's: one shifted copy of the whole block,
      // from the first inside element to the last, then the border columns
      // (read from the neighbouring rows) zeroed
      const T* from = plane + sy * W + sx;  // from[j] is the input under row[j]
      std::copy(from + y0 * ow + x0, from + (y1 - 1) * ow + x1, row + y0 * ow + x0);
      for (int64_t y = y0; y < y1; ++y) {
        std::fill(row + y * ow, row + y * ow + x0, T(0));
        std::fill(row + y * ow + x1, row + (y + 1) * ow, T(0));
      }
      continue;
    }
    for (int64_t y = y0; y < y1; ++y) {
      const T* __restrict__ line = plane + (y * w.sh + sy) * W + sx;  // line[x * sw] is column x
      T* __restrict__ out = row + y * ow;
      for (int64_t x = 0; x < x0; ++x) out[x] = T(0);
      if (w.sw == 1) {
        for (int64_t x = x0; x < x1; ++x) out[x] = line[x];
      } else {
        for (int64_t x = x0; x < x1; ++x) out[x] = line[x * w.sw];
      }
      for (int64_t x = x1; x < ow; ++x) out[x] = T(0);
    }
  }
}

}  // namespace ember
