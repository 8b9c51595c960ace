// SPDX-License-Identifier: BSD-3-Clause
#include "conv_direct.h"

#include <algorithm>
#include <vector>

#include "../cpu/kernels/kernel_table.h"
#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"

namespace ember {
namespace {

// The weights as the kernel reads them: per group, blocks of `bo` output
// channels, each [cg * taps][bo] (zeros past the group's last channel).
template <typename T>
std::vector<T> pack_weight(const T* w, int64_t groups, int64_t og, int64_t kk, int64_t bo) {
  int64_t blocks = (og + bo - 1) / bo;
  std::vector<T> packed(static_cast<size_t>(groups * blocks * kk * bo), T(0));
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t o = 0; o < og; ++o)
      for (int64_t k = 0; k < kk; ++k)
        packed[((g * blocks + o / bo) * kk + k) * bo + o % bo] = w[(g * og + o) * kk + k];
  return packed;
}

// One image's channels [c0, c0 + cg) zero-padded into planes of hp x wp,
// the input's (0, 0) at (pt, pl).
template <typename T>
void pad_planes(const T* src, int64_t cg, int64_t h, int64_t w, T* dst, int64_t hp, int64_t wp,
                int64_t pt, int64_t pl) {
  int64_t x0 = std::clamp<int64_t>(pl, 0, wp), x1 = std::clamp<int64_t>(pl + w, x0, wp);
  for (int64_t c = 0; c < cg; ++c)
    for (int64_t py = 0; py < hp; ++py) {
      T* row = dst + (c * hp + py) * wp;
      int64_t iy = py - pt;
      if (iy < 0 || iy >= h) {
        std::fill(row, row + wp, T(0));
        continue;
      }
      const T* line = src + (c * h + iy) * w - pl;  // line[px] is input column px - pl
      std::fill(row, row + x0, T(0));
      std::copy(line + x0, line + x1, row + x0);
      std::fill(row + x1, row + wp, T(0));
    }
}

}  // namespace

bool conv2d_direct_suits(ScalarType dtype, int64_t oh, int64_t ow, int64_t kw, int64_t dw) {
  if (dtype != ScalarType::Float32 && dtype != ScalarType::Float64) return false;
  const ConvDirectKernel& kern = kernels(DeviceType::CPU).conv_direct[static_cast<int>(dtype)];
  if (!kern.run || oh <= 0 || ow <= 0) return false;
  int64_t len = oh * (ow + dw * (kw - 1)), ld = (len + kern.tile - 1) / kern.tile * kern.tile;
  return 2 * ld <= 3 * oh * ow;  // at most 1.5x the useful work: still ahead of im2col and GEMM
}

Tensor conv2d_direct(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t pt,
                     int64_t pl, int64_t dh, int64_t dw, int64_t groups, int64_t oh, int64_t ow) {
  EMBER_CHECK(input->dim() == 4 && weight->dim() == 4, "conv2d_direct: expected 4-D input and ",
              "weight, got ", describe(*input), " and ", describe(*weight));
  EMBER_CHECK(input->dtype() == weight->dtype() && (!bias || bias->dtype() == input->dtype()),
              "conv2d_direct: dtypes differ: ", describe(*input), ", ", describe(*weight));
  EMBER_CHECK(input->dtype() == ScalarType::Float32 || input->dtype() == ScalarType::Float64,
              "conv2d_direct: expected float32 or float64, got ", describe(*input));
  int64_t N = input->sizes()[0], C = input->sizes()[1], H = input->sizes()[2], W = input->sizes()[3];
  int64_t O = weight->sizes()[0], kh = weight->sizes()[2], kw = weight->sizes()[3];
  EMBER_CHECK(groups > 0 && O % groups == 0 && weight->sizes()[1] * groups == C,
              "conv2d_direct: weight ", describe(*weight), " does not fit input ", describe(*input),
              " with groups=", groups);
  EMBER_CHECK(kh > 0 && kw > 0 && dh > 0 && dw > 0 && oh > 0 && ow > 0,
              "conv2d_direct: bad geometry");
  EMBER_CHECK(!bias || bias->numel() == O, "conv2d_direct: bias ", describe(*bias),
              " for ", O, " channels");
  Tensor x = contiguous(input), wt = contiguous(weight), b = bias ? contiguous(bias) : nullptr;
  Tensor out = TensorImpl::empty({N, O, oh, ow}, input->dtype());
  const ConvDirectKernel& kern = kernels(DeviceType::CPU).conv_direct[static_cast<int>(x->dtype())];
  EMBER_CHECK(kern.run, "conv2d_direct: no kernel for ", describe(*input));
  int64_t cg = C / groups, og = O / groups, taps = kh * kw, kk = cg * taps;
  if (cg == 0 || N == 0 || O == 0) {  // no products: the bias alone
    if (b)
      copy_(out, b->as_strided({N, O, oh, ow}, {0, 1, 0, 0}, b->offset()));
    else
      fill_(out, wrap_scalar(0, out->dtype()));
    return out;
  }
  int64_t hp = oh + dh * (kh - 1), wp = ow + dw * (kw - 1), plane = hp * wp;
  int64_t len = oh * wp, ld = (len + kern.tile - 1) / kern.tile * kern.tile;
  int64_t slack = kern.tile + dw * (kw - 1);  // reads past the last plane (Note [Wide rows])
  std::vector<int64_t> offs(static_cast<size_t>(taps));
  for (int64_t t = 0; t < taps; ++t) offs[t] = (t / kw) * dh * wp + (t % kw) * dw;
  // work items: (image, group, block of output channels); channels are split
  // only when images x groups do not share out evenly (the blocks fall on
  // the kernel's own tiles, so the results do not depend on the split)
  int64_t bo = kern.block_o, blocks = (og + bo - 1) / bo;
  int64_t threads = get_num_threads(), chunks = 1;
  if (N * groups % threads != 0)  // at least 4 items a thread keeps the last share small
    chunks = std::min(blocks, (4 * threads + N * groups - 1) / (N * groups));
  int64_t per_chunk = (blocks + chunks - 1) / chunks;
  chunks = (blocks + per_chunk - 1) / per_chunk;
  double flops = 2.0 * N * O * oh * ow * kk;
  EMBER_DISPATCH_FLOATING_TYPES(x->dtype(), "conv2d", [&] {
    std::vector<scalar_t> packed = pack_weight(reinterpret_cast<const scalar_t*>(wt->data()), groups,
                                               og, kk, bo);
    const scalar_t* src = reinterpret_cast<const scalar_t*>(x->data());
    const scalar_t* bp = b ? reinterpret_cast<const scalar_t*>(b->data()) : nullptr;
    scalar_t* dst = reinterpret_cast<scalar_t*>(out->data());
    auto work = [&](int64_t begin, int64_t end) {
      // scratch from the block cache: fresh pages per call cost more than the work
      int64_t pad_size = (cg * plane + slack + 15) / 16 * 16;  // `wide` starts a cache line
      Tensor scratch = TensorImpl::empty({pad_size + per_chunk * bo * ld}, x->dtype());
      scalar_t* xpad = reinterpret_cast<scalar_t*>(scratch->data());
      scalar_t* wide = xpad + pad_size;
      std::fill(xpad + cg * plane, xpad + pad_size, scalar_t(0));
      int64_t padded = -1;  // the (image, group) in xpad
      for (int64_t it = begin; it < end; ++it) {
        int64_t ng = it / chunks, n = ng / groups, g = ng % groups;
        if (ng != padded) {
          pad_planes(src + (n * C + g * cg) * H * W, cg, H, W, xpad, hp, wp, pt, pl);
          padded = ng;
        }
        int64_t o0 = (it % chunks) * per_chunk * bo, o1 = std::min(og, o0 + per_chunk * bo);
        kern.run(reinterpret_cast<const char*>(xpad), plane, cg, offs.data(), taps,
                 reinterpret_cast<const char*>(packed.data() + (g * blocks * bo + o0) * kk), o1 - o0,
                 reinterpret_cast<char*>(wide), ld, len);
        for (int64_t o = o0; o < o1; ++o) {  // drop the wide rows' padding columns, add the bias
          scalar_t* d = dst + (n * O + g * og + o) * oh * ow;
          const scalar_t* s = wide + (o - o0) * ld;
          for (int64_t y = 0; y < oh; ++y) {
            if (bp) {
              scalar_t add = bp[g * og + o];
              for (int64_t xx = 0; xx < ow; ++xx) d[y * ow + xx] = s[y * wp + xx] + add;
            } else {
              std::copy(s + y * wp, s + y * wp + ow, d + y * ow);
            }
          }
        }
      }
    };
    // small convolutions run on the calling thread (waking the pool costs more)
    if (flops < kParallelFlops)
      work(0, N * groups * chunks);
    else
      parallel_for(0, N * groups * chunks, 1, work);
  });
  return out;
}

}  // namespace ember
