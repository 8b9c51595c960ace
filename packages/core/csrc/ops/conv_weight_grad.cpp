// SPDX-License-Identifier: BSD-3-Clause
#include <algorithm>
#include <climits>
#include <type_traits>
#include <vector>

#include "../cpu/blas.h"
#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"
#include "im2col.h"
#include "nn.h"

namespace ember {
namespace {

// Parts the batch is cut into, whatever the thread count: each sums its
// images' products in its own accumulator, then the parts are added in order.
constexpr int64_t kBatchParts = 8;
// Work items at least (for threads to share) when the batch is small.
constexpr int64_t kMinItems = 4;

template <typename T>
void gemm_nt_acc(int m, int n, int k, const T* a, int lda, const T* b, int ldb, T* c, int ldc) {
  if constexpr (std::is_same<T, float>::value)
    blas_sgemm(false, true, m, n, k, 1.0f, a, lda, b, ldb, 1.0f, c, ldc);
  else
    blas_dgemm(false, true, m, n, k, 1.0, a, lda, b, ldb, 1.0, c, ldc);
}

}  // namespace

Tensor conv2d_weight_grad(const Tensor& grad_output, const Tensor& input, const Window2d& w,
                          int64_t groups) {
  EMBER_CHECK(grad_output->dim() == 4 && input->dim() == 4, "conv2d_weight_grad: expected 4-D ",
              "grad_output and input, got ", describe(*grad_output), " and ", describe(*input));
  EMBER_CHECK(input->dtype() == grad_output->dtype() &&
                  (input->dtype() == ScalarType::Float32 || input->dtype() == ScalarType::Float64),
              "conv2d_weight_grad: expected float32 or float64 tensors of one dtype, got ",
              describe(*grad_output), " and ", describe(*input));
  EMBER_CHECK(w.kh > 0 && w.kw > 0 && w.sh > 0 && w.sw > 0 && w.dh > 0 && w.dw > 0 && w.ph >= 0 &&
                  w.pw >= 0, "conv2d_weight_grad: bad window");
  int64_t N = input->sizes()[0], C = input->sizes()[1], H = input->sizes()[2], W = input->sizes()[3];
  int64_t O = grad_output->sizes()[1], oh = grad_output->sizes()[2], ow = grad_output->sizes()[3];
  EMBER_CHECK(groups > 0 && C % groups == 0 && O % groups == 0 && grad_output->sizes()[0] == N,
              "conv2d_weight_grad: grad_output ", describe(*grad_output), " does not fit input ",
              describe(*input), " with groups=", groups);
  int64_t cg = C / groups, og = O / groups, taps = w.kh * w.kw, kg = cg * taps, L = oh * ow;
  EMBER_CHECK(og < INT_MAX && kg < INT_MAX && L < INT_MAX, "conv2d_weight_grad: too large");
  Tensor go = contiguous(grad_output), x = contiguous(input);
  Tensor out = TensorImpl::empty({O, cg, w.kh, w.kw}, input->dtype());
  if (N == 0 || og == 0 || kg == 0 || L == 0) {  // an empty sum
    fill_(out, wrap_scalar(0, out->dtype()));
    return out;
  }
  int64_t parts = std::min(N, kBatchParts);
  // small batches are cut by output channels too, into a fixed number of
  // row blocks: BLAS's arithmetic for an element may depend on the block's
  // size, so that must not follow the thread count either
  int64_t osplit = parts < kMinItems ? std::min(og, (kMinItems + parts - 1) / parts) : 1;
  int64_t orows = (og + osplit - 1) / osplit;
  osplit = (og + orows - 1) / orows;
  auto run = [&](auto tag) {
    using scalar_t = decltype(tag);
    const scalar_t* gp = reinterpret_cast<const scalar_t*>(go->data());
    const scalar_t* xp = reinterpret_cast<const scalar_t*>(x->data());
    std::vector<scalar_t> acc(static_cast<size_t>(parts * O * kg), scalar_t(0));
    auto work = [&](int64_t begin, int64_t end) {
      // from the block cache: fresh pages per call cost more than the copy
      Tensor cols_t = TensorImpl::empty({C * taps * L}, x->dtype());
      scalar_t* cols = reinterpret_cast<scalar_t*>(cols_t->data());
      for (int64_t it = begin; it < end; ++it) {
        int64_t part = it / osplit, o0 = (it % osplit) * orows, o1 = std::min(og, o0 + orows);
        scalar_t* a = acc.data() + part * O * kg;
        for (int64_t n = part * N / parts; n < (part + 1) * N / parts; ++n) {
          im2col_rows(xp + n * C * H * W, H, W, w, oh, ow, 0, C * taps, cols);
          for (int64_t g = 0; g < groups; ++g)
            gemm_nt_acc(static_cast<int>(o1 - o0), static_cast<int>(kg), static_cast<int>(L),
                        gp + (n * O + g * og + o0) * L, static_cast<int>(L),
                        cols + g * kg * L, static_cast<int>(L),
                        a + (g * og + o0) * kg, static_cast<int>(kg));
        }
      }
    };
    double flops = 2.0 * N * O * kg * L;
    if (flops < kParallelFlops)  // waking the pool costs more
      work(0, parts * osplit);
    else
      parallel_for(0, parts * osplit, 1, work);
    scalar_t* dst = reinterpret_cast<scalar_t*>(out->data());
    std::copy(acc.begin(), acc.begin() + O * kg, dst);
    for (int64_t p = 1; p < parts; ++p)
      for (int64_t i = 0; i < O * kg; ++i) dst[i] += acc[p * O * kg + i];
  };
  if (x->dtype() == ScalarType::Float32)
    run(float{});
  else
    run(double{});
  return out;
}

}  // namespace ember
