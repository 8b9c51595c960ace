// SPDX-License-Identifier: BSD-3-Clause
#include "matmul.h"

#include <algorithm>
#include <climits>
#include <type_traits>

#include "../cpu/blas.h"
#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"

namespace ember {
namespace {

// A matrix operand as BLAS sees it: row-major with leading dim `ld`,
// possibly transposed. Other layouts are copied first.
struct MatView {
  Tensor t;
  bool trans;
  int64_t ld;
};

MatView as_blas_operand(const Tensor& t) {
  const Shape& s = t->sizes();
  const Shape& st = t->strides();
  int64_t rows = s[1], cols = s[2];
  if (st[2] == 1 && st[1] >= std::max<int64_t>(cols, 1)) return {t, false, st[1]};
  if (st[1] == 1 && st[2] >= std::max<int64_t>(rows, 1)) return {t, true, st[2]};
  Tensor c = contiguous(t);
  return {c, false, std::max<int64_t>(cols, 1)};
}

template <typename T>
void naive_gemm(const TensorImpl& a, const TensorImpl& b, TensorImpl& out,
                double alpha, double beta) {
  using M = opmath_t<T>;
  int64_t B = a.sizes()[0], m = a.sizes()[1], k = a.sizes()[2], n = b.sizes()[2];
  const T* pa = reinterpret_cast<const T*>(a.data());
  const T* pb = reinterpret_cast<const T*>(b.data());
  T* po = reinterpret_cast<T*>(out.data());
  const Shape &sa = a.strides(), &sb = b.strides(), &so = out.strides();
  parallel_for(0, B * m, std::max<int64_t>(1, 4096 / std::max<int64_t>(n * k, 1)),
               [&](int64_t begin, int64_t end) {
    for (int64_t bi = begin; bi < end; ++bi) {
      int64_t bb = bi / m, i = bi % m;
      for (int64_t j = 0; j < n; ++j) {
        M acc = M(0);
        for (int64_t p = 0; p < k; ++p)
          acc = static_cast<M>(acc + static_cast<M>(pa[bb * sa[0] + i * sa[1] + p * sa[2]]) *
                                         static_cast<M>(pb[bb * sb[0] + p * sb[1] + j * sb[2]]));
        T* dst = po + bb * so[0] + i * so[1] + j * so[2];
        M prev = beta == 0 ? M(0) : static_cast<M>(static_cast<M>(*dst) * static_cast<M>(beta));
        if constexpr (std::is_same<T, bool>::value) {
          *dst = static_cast<T>(prev || acc);
        } else {
          *dst = static_cast<T>(prev + static_cast<M>(alpha) * acc);
        }
      }
    }
  });
}

// Note [One pool for GEMM]: OpenBLAS runs single-threaded (blas.cpp) and
// our pool splits the work: whole matrices of a batch, and blocks of C's rows
// or columns when the batch is small. OpenBLAS's own threads spin while they
// wait and, beside our pool's, oversubscribe the cores: on a busy machine a
// small GEMM then took ten times longer. OpenBLAS's arithmetic for an element
// can depend on the block it lies in (edge kernels), so the blocks follow the
// shape alone, never the thread count: results are the same on any pool.
constexpr int64_t kGemmParts = 8;

template <typename T, typename Gemm>
void blas_batched(const Tensor& a, const Tensor& b, const Tensor& out,
                  double alpha, double beta, Gemm gemm) {
  MatView va = as_blas_operand(a), vb = as_blas_operand(b);
  int64_t B = a->sizes()[0], m = a->sizes()[1], k = a->sizes()[2], n = b->sizes()[2];
  EMBER_CHECK(m < INT_MAX && n < INT_MAX && k < INT_MAX && va.ld < INT_MAX &&
                  vb.ld < INT_MAX, "matmul: matrix dims must be below 2^31");
  if (k == 0) return;
  const T* pa = reinterpret_cast<const T*>(va.t->data());
  const T* pb = reinterpret_cast<const T*>(vb.t->data());
  T* po = reinterpret_cast<T*>(out->data());
  int64_t ldo = out->strides()[1];
  double flops = 2.0 * static_cast<double>(B) * static_cast<double>(m * n) * static_cast<double>(k);
  // Blocks per matrix when there are fewer than kGemmParts matrices: of C's
  // rows for tall products, of its columns for wide ones (each thread then
  // packs only its part of B).
  bool by_rows = m >= n;
  int64_t extent = by_rows ? m : n;
  int64_t blocks = 1;  // a power of two (an even share for 2^k threads), 64 rows or columns at least
  if (flops > kParallelFlops)
    while (B * blocks * 2 <= kGemmParts && extent >= 2 * blocks * 64) blocks *= 2;
  int64_t span = (extent + blocks - 1) / blocks;
  auto task = [&](int64_t t) {
    int64_t i = t / blocks, s0 = (t % blocks) * span, s1 = std::min(extent, s0 + span);
    if (s0 >= s1) return;
    const T* a0 = pa + i * va.t->strides()[0];
    const T* b0 = pb + i * vb.t->strides()[0];
    T* c0 = po + i * out->strides()[0];
    int64_t rows = m, cols = n;
    if (by_rows) {  // row r of op(A) starts at r * ld, or at column r when transposed
      a0 += va.trans ? s0 : s0 * va.ld;
      c0 += s0 * ldo;
      rows = s1 - s0;
    } else {  // column j of op(B) starts at column j, or at row j when transposed
      b0 += vb.trans ? s0 * vb.ld : s0;
      c0 += s0;
      cols = s1 - s0;
    }
    gemm(va.trans, vb.trans, static_cast<int>(rows), static_cast<int>(cols),
         static_cast<int>(k), static_cast<T>(alpha), a0, static_cast<int>(va.ld), b0,
         static_cast<int>(vb.ld), static_cast<T>(beta), c0, static_cast<int>(ldo));
  };
  if (flops <= kParallelFlops) {
    for (int64_t t = 0; t < B * blocks; ++t) task(t);
    return;
  }
  parallel_for(0, B * blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) task(t);
  });
}

}  // namespace

Tensor batched_gemm(const Tensor& a, const Tensor& b, Tensor out, double alpha,
                    double beta) {
  EMBER_CHECK(a->dim() == 3 && b->dim() == 3, "batched_gemm expects 3-D ",
              "tensors, got ", describe(*a), " and ", describe(*b));
  EMBER_CHECK(a->dtype() == b->dtype(), "expected m1 and m2 to have the same "
              "dtype, but got: ", scalar_type_name(a->dtype()), " != ",
              scalar_type_name(b->dtype()));
  EMBER_CHECK(a->device() == b->device(), "expected both operands on the same "
              "device, got ", a->device().str(), " and ", b->device().str());
  int64_t B = a->sizes()[0], m = a->sizes()[1], k = a->sizes()[2], n = b->sizes()[2];
  EMBER_CHECK(b->sizes()[0] == B && b->sizes()[1] == k,
              "mat1 and mat2 shapes cannot be multiplied (", m, "x", k, " and ",
              b->sizes()[1], "x", n, ")", B != b->sizes()[0] ? " (batch sizes differ)" : "");
  Shape shape{B, m, n};
  if (!out) {
    out = TensorImpl::empty(shape, a->dtype());
    beta = 0;
  }
  EMBER_CHECK(out->sizes() == shape && out->dtype() == a->dtype(),
              "matmul: out has ", describe(*out), " but the result is ",
              scalar_type_name(a->dtype()), shape_str(shape));
  bool blas_out = out->strides()[2] == 1 && out->strides()[1] >= std::max<int64_t>(n, 1);
  if (beta == 0 && k == 0) {
    fill_(out, wrap_scalar(0, out->dtype()));
    return out;
  }
  if ((a->dtype() == ScalarType::Float32 || a->dtype() == ScalarType::Float64) && blas_out) {
    if (a->dtype() == ScalarType::Float32)
      blas_batched<float>(a, b, out, alpha, beta, blas_sgemm);
    else
      blas_batched<double>(a, b, out, alpha, beta, blas_dgemm);
  } else {
    EMBER_DISPATCH_ALL_TYPES(a->dtype(), "matmul", [&] {
      naive_gemm<scalar_t>(*a, *b, *out, alpha, beta);
    });
  }
  out->bump_version();
  return out;
}

}  // namespace ember
