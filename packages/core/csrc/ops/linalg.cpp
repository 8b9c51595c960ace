// SPDX-License-Identifier: BSD-3-Clause
#include "linalg.h"

#include <lapacke.h>  // from scipy-openblas32: every symbol is prefixed

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "../tensor/errors.h"
#include "elementwise.h"

// The one place that names OpenBLAS's symbol prefix for LAPACK.
#define EMBER_LAPACK(name) scipy_LAPACKE_##name

namespace ember {
namespace {

using lint = lapack_int;
constexpr int kRow = LAPACK_ROW_MAJOR;

// LAPACKE refuses NaN input by default (info < 0, nothing computed); as in
// PyTorch, NaN flows through the factorization instead. Set once.
void disable_nan_check() {
  static bool done = [] {
    EMBER_LAPACK(set_nancheck)(0);
    return true;
  }();
  (void)done;
}

void check_matrix(const TensorImpl& a, const char* name, bool square) {
  disable_nan_check();
  EMBER_CHECK(a.dtype() == ScalarType::Float32 || a.dtype() == ScalarType::Float64, name,
              ": Expected a floating point tensor as input. Got ", scalar_type_torch_name(a.dtype()));
  EMBER_CHECK(a.dim() >= 2, name, ": The input tensor A must have at least 2 dimensions.");
  int64_t m = a.sizes()[a.dim() - 2], n = a.sizes()[a.dim() - 1];
  EMBER_CHECK(!square || m == n, name, ": A must be batches of square matrices, but they are ",
              m, " by ", n, " matrices");
}

Shape batch_of(const TensorImpl& a) { return Shape(a.sizes().begin(), a.sizes().end() - 2); }
int64_t batch_count(const TensorImpl& a) {
  int64_t n = 1;
  for (size_t i = 0; i + 2 < a.sizes().size(); ++i) n *= a.sizes()[i];
  return n;
}
Shape concat(Shape s, std::initializer_list<int64_t> tail) {
  s.insert(s.end(), tail);
  return s;
}

// A fresh contiguous copy (LAPACK overwrites its input).
Tensor working_copy(const Tensor& a) {
  Tensor out = TensorImpl::empty(a->sizes(), a->dtype());
  copy_(out, a);
  return out;
}

template <typename T> T* ptr(const Tensor& t) { return reinterpret_cast<T*>(t->data()); }

}  // namespace

std::tuple<Tensor, Tensor, Tensor> lu_factor(const Tensor& a) {
  check_matrix(*a, "linalg.lu_factor", false);
  Tensor lu = working_copy(a);
  int64_t m = a->sizes()[a->dim() - 2], n = a->sizes()[a->dim() - 1], k = std::min(m, n);
  int64_t batch = batch_count(*a);
  Tensor piv = TensorImpl::empty(concat(batch_of(*a), {k}), ScalarType::Int32);
  Tensor info = TensorImpl::empty(batch_of(*a), ScalarType::Int32);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < batch; ++i) {
      lint r = m == 0 || n == 0 ? 0 : (std::is_same<T, float>::value
          ? EMBER_LAPACK(sgetrf)(kRow, m, n, reinterpret_cast<float*>(ptr<T>(lu) + i * m * n), n,
                                 ptr<lint>(piv) + i * k)
          : EMBER_LAPACK(dgetrf)(kRow, m, n, reinterpret_cast<double*>(ptr<T>(lu) + i * m * n), n,
                                 ptr<lint>(piv) + i * k));
      ptr<int32_t>(info)[i] = r;
    }
  };
  if (a->dtype() == ScalarType::Float32) run(float{}); else run(double{});
  return {lu, piv, info};
}

std::tuple<Tensor, Tensor> solve(const Tensor& a, const Tensor& b) {
  check_matrix(*a, "linalg.solve", true);
  EMBER_CHECK(b->dtype() == a->dtype(), "linalg.solve: Expected A and B to have the same dtype, "
              "but found A of type ", scalar_type_torch_name(a->dtype()), " and B of type ",
              scalar_type_torch_name(b->dtype()), " instead");
  int64_t n = a->sizes().back();
  EMBER_CHECK(b->dim() == a->dim() && batch_of(*b) == batch_of(*a) && b->sizes()[b->dim() - 2] == n,
              "linalg.solve: Incompatible shapes of A and B for the equation AX = B (",
              shape_str(a->sizes()), " and ", shape_str(b->sizes()), ")");
  int64_t k = b->sizes().back(), batch = batch_count(*a);
  Tensor lu = working_copy(a), x = working_copy(b);
  Tensor info = TensorImpl::empty(batch_of(*a), ScalarType::Int32);
  std::vector<lint> piv(static_cast<size_t>(std::max<int64_t>(n, 1)));
  auto run = [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < batch; ++i) {
      lint r = n == 0 ? 0 : (std::is_same<T, float>::value
          ? EMBER_LAPACK(sgesv)(kRow, n, k, reinterpret_cast<float*>(ptr<T>(lu) + i * n * n), n,
                                piv.data(), reinterpret_cast<float*>(ptr<T>(x) + i * n * k), k)
          : EMBER_LAPACK(dgesv)(kRow, n, k, reinterpret_cast<double*>(ptr<T>(lu) + i * n * n), n,
                                piv.data(), reinterpret_cast<double*>(ptr<T>(x) + i * n * k), k));
      ptr<int32_t>(info)[i] = r;
    }
  };
  if (a->dtype() == ScalarType::Float32) run(float{}); else run(double{});
  return {x, info};
}

std::tuple<Tensor, Tensor> inv(const Tensor& a) {
  check_matrix(*a, "linalg.inv", true);
  int64_t n = a->sizes().back(), batch = batch_count(*a);
  Tensor x = working_copy(a);
  Tensor info = TensorImpl::empty(batch_of(*a), ScalarType::Int32);
  std::vector<lint> piv(static_cast<size_t>(std::max<int64_t>(n, 1)));
  auto run = [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < batch; ++i) {
      T* m = ptr<T>(x) + i * n * n;
      lint r = 0;
      if (n > 0) {
        if constexpr (std::is_same<T, float>::value) {
          r = EMBER_LAPACK(sgetrf)(kRow, n, n, m, n, piv.data());
          if (r == 0) r = EMBER_LAPACK(sgetri)(kRow, n, m, n, piv.data());
        } else {
          r = EMBER_LAPACK(dgetrf)(kRow, n, n, m, n, piv.data());
          if (r == 0) r = EMBER_LAPACK(dgetri)(kRow, n, m, n, piv.data());
        }
      }
      ptr<int32_t>(info)[i] = r;
    }
  };
  if (a->dtype() == ScalarType::Float32) run(float{}); else run(double{});
  return {x, info};
}

std::tuple<Tensor, Tensor> cholesky(const Tensor& a, bool upper) {
  check_matrix(*a, "linalg.cholesky", true);
  int64_t n = a->sizes().back(), batch = batch_count(*a);
  Tensor x = working_copy(a);
  Tensor info = TensorImpl::empty(batch_of(*a), ScalarType::Int32);
  char uplo = upper ? 'U' : 'L';
  auto run = [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < batch; ++i) {
      T* m = ptr<T>(x) + i * n * n;
      lint r = 0;
      if (n > 0) {
        if constexpr (std::is_same<T, float>::value) r = EMBER_LAPACK(spotrf)(kRow, uplo, n, m, n);
        else r = EMBER_LAPACK(dpotrf)(kRow, uplo, n, m, n);
      }
      for (int64_t p = 0; p < n; ++p)  // zero the other triangle
        for (int64_t q = 0; q < n; ++q)
          if (upper ? q < p : q > p) m[p * n + q] = T(0);
      // OpenBLAS's potrf lets a NaN through; LAPACK reports the first
      // leading minor whose pivot is NaN as not positive-definite.
      for (int64_t p = 0; r == 0 && p < n; ++p)
        if (m[p * n + p] != m[p * n + p]) r = static_cast<lint>(p + 1);
      ptr<int32_t>(info)[i] = r;
    }
  };
  if (a->dtype() == ScalarType::Float32) run(float{}); else run(double{});
  return {x, info};
}

std::tuple<Tensor, Tensor> qr(const Tensor& a, const std::string& mode) {
  check_matrix(*a, "linalg.qr", false);
  EMBER_CHECK_VALUE(mode == "reduced" || mode == "complete" || mode == "r",
                    "qr received unrecognized mode '", mode,
                    "' but expected one of 'reduced' (default), 'r', or 'complete'");
  int64_t m = a->sizes()[a->dim() - 2], n = a->sizes().back(), k = std::min(m, n);
  int64_t batch = batch_count(*a);
  int64_t qcols = mode == "complete" ? m : k;
  int64_t rrows = mode == "complete" ? m : k;
  Tensor work = TensorImpl::empty(concat(batch_of(*a), {m, std::max(n, qcols)}), a->dtype());
  Tensor q = TensorImpl::empty(mode == "r" ? Shape{0} : concat(batch_of(*a), {m, qcols}), a->dtype());
  Tensor r = TensorImpl::empty(concat(batch_of(*a), {rrows, n}), a->dtype());
  Tensor src = contiguous(a);
  int64_t wc = std::max(n, qcols);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    std::vector<T> tau_t(static_cast<size_t>(std::max<int64_t>(k, 1)));
    for (int64_t i = 0; i < batch; ++i) {
      T* w = ptr<T>(work) + i * m * wc;
      const T* s = ptr<T>(src) + i * m * n;
      for (int64_t p = 0; p < m; ++p)
        for (int64_t c = 0; c < wc; ++c) w[p * wc + c] = c < n ? s[p * n + c] : T(0);
      if (m > 0 && n > 0) {
        if constexpr (std::is_same<T, float>::value) EMBER_LAPACK(sgeqrf)(kRow, m, n, w, wc, tau_t.data());
        else EMBER_LAPACK(dgeqrf)(kRow, m, n, w, wc, tau_t.data());
      }
      T* rr = ptr<T>(r) + i * rrows * n;
      for (int64_t p = 0; p < rrows; ++p)
        for (int64_t c = 0; c < n; ++c) rr[p * n + c] = (c >= p && p < m) ? w[p * wc + c] : T(0);
      if (mode == "r") continue;
      if (m > 0 && qcols > 0) {
        if constexpr (std::is_same<T, float>::value) EMBER_LAPACK(sorgqr)(kRow, m, qcols, k, w, wc, tau_t.data());
        else EMBER_LAPACK(dorgqr)(kRow, m, qcols, k, w, wc, tau_t.data());
      }
      T* qq = ptr<T>(q) + i * m * qcols;
      for (int64_t p = 0; p < m; ++p)
        for (int64_t c = 0; c < qcols; ++c) qq[p * qcols + c] = w[p * wc + c];
    }
  };
  if (a->dtype() == ScalarType::Float32) run(float{}); else run(double{});
  return {q, r};
}

std::tuple<Tensor, Tensor, Tensor, Tensor> svd(const Tensor& a, bool full, bool compute_uv) {
  check_matrix(*a, "linalg.svd", false);
  int64_t m = a->sizes()[a->dim() - 2], n = a->sizes().back(), k = std::min(m, n);
  int64_t batch = batch_count(*a);
  int64_t ucols = full ? m : k, vrows = full ? n : k;
  Tensor x = working_copy(a);
  Tensor s = TensorImpl::empty(concat(batch_of(*a), {k}), a->dtype());
  Tensor u = TensorImpl::empty(compute_uv ? concat(batch_of(*a), {m, ucols}) : Shape{0}, a->dtype());
  Tensor vh = TensorImpl::empty(compute_uv ? concat(batch_of(*a), {vrows, n}) : Shape{0}, a->dtype());
  Tensor info = TensorImpl::empty(batch_of(*a), ScalarType::Int32);
  char jobz = !compute_uv ? 'N' : (full ? 'A' : 'S');
  auto run = [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < batch; ++i) {
      lint r = 0;
      T* uu = compute_uv ? ptr<T>(u) + i * m * ucols : nullptr;
      T* vv = compute_uv ? ptr<T>(vh) + i * vrows * n : nullptr;
      if (k > 0) {
        if constexpr (std::is_same<T, float>::value)
          r = EMBER_LAPACK(sgesdd)(kRow, jobz, m, n, ptr<T>(x) + i * m * n, n, ptr<T>(s) + i * k,
                                   uu, std::max<int64_t>(ucols, 1), vv, std::max<int64_t>(n, 1));
        else
          r = EMBER_LAPACK(dgesdd)(kRow, jobz, m, n, ptr<T>(x) + i * m * n, n, ptr<T>(s) + i * k,
                                   uu, std::max<int64_t>(ucols, 1), vv, std::max<int64_t>(n, 1));
      } else if (compute_uv) {  // empty input: identity-shaped factors
        for (int64_t p = 0; p < m * ucols; ++p) uu[p] = (p / std::max<int64_t>(ucols, 1)) == p % std::max<int64_t>(ucols, 1) ? T(1) : T(0);
        for (int64_t p = 0; p < vrows * n; ++p) vv[p] = (p / std::max<int64_t>(n, 1)) == p % std::max<int64_t>(n, 1) ? T(1) : T(0);
      }
      ptr<int32_t>(info)[i] = r;
    }
  };
  if (a->dtype() == ScalarType::Float32) run(float{}); else run(double{});
  return {u, s, vh, info};
}

std::tuple<Tensor, Tensor, Tensor> eigh(const Tensor& a, bool upper, bool vectors) {
  check_matrix(*a, "linalg.eigh", true);
  int64_t n = a->sizes().back(), batch = batch_count(*a);
  Tensor x = working_copy(a);
  Tensor w = TensorImpl::empty(concat(batch_of(*a), {n}), a->dtype());
  Tensor info = TensorImpl::empty(batch_of(*a), ScalarType::Int32);
  char jobz = vectors ? 'V' : 'N', uplo = upper ? 'U' : 'L';
  auto run = [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < batch; ++i) {
      lint r = 0;
      if (n > 0) {
        if constexpr (std::is_same<T, float>::value)
          r = EMBER_LAPACK(ssyevd)(kRow, jobz, uplo, n, ptr<T>(x) + i * n * n, n, ptr<T>(w) + i * n);
        else
          r = EMBER_LAPACK(dsyevd)(kRow, jobz, uplo, n, ptr<T>(x) + i * n * n, n, ptr<T>(w) + i * n);
      }
      ptr<int32_t>(info)[i] = r;
    }
  };
  if (a->dtype() == ScalarType::Float32) run(float{}); else run(double{});
  return {w, vectors ? x : TensorImpl::empty({0}, a->dtype()), info};
}

std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& a, const Tensor& b, double rcond) {
  check_matrix(*a, "linalg.lstsq", false);
  EMBER_CHECK(b->dtype() == a->dtype(), "linalg.lstsq: Expected input and other to have the same dtype");
  int64_t m = a->sizes()[a->dim() - 2], n = a->sizes().back(), k = std::min(m, n);
  EMBER_CHECK(b->dim() == a->dim() && batch_of(*b) == batch_of(*a) && b->sizes()[b->dim() - 2] == m,
              "linalg.lstsq: input.size(-2) should match other.size(-2) with equal batch dims (",
              shape_str(a->sizes()), " and ", shape_str(b->sizes()), ")");
  int64_t nrhs = b->sizes().back(), batch = batch_count(*a), ldb_rows = std::max(m, n);
  Tensor x = working_copy(a);
  Tensor bb = TensorImpl::empty(concat(batch_of(*a), {ldb_rows, nrhs}), a->dtype());
  Tensor src_b = contiguous(b);
  Tensor sol = TensorImpl::empty(concat(batch_of(*a), {n, nrhs}), a->dtype());
  Tensor sv = TensorImpl::empty(concat(batch_of(*a), {k}), a->dtype());
  Tensor rank = TensorImpl::empty(batch_of(*a), ScalarType::Int64);
  Tensor info = TensorImpl::empty(batch_of(*a), ScalarType::Int32);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < batch; ++i) {
      T* bw = ptr<T>(bb) + i * ldb_rows * nrhs;
      const T* bs = ptr<T>(src_b) + i * m * nrhs;
      for (int64_t p = 0; p < ldb_rows * nrhs; ++p) bw[p] = p < m * nrhs ? bs[p] : T(0);
      lint rk = 0, r = 0;
      if (k > 0 && nrhs > 0) {
        if constexpr (std::is_same<T, float>::value)
          r = EMBER_LAPACK(sgelsd)(kRow, m, n, nrhs, ptr<T>(x) + i * m * n, n, bw, nrhs,
                                   ptr<T>(sv) + i * k, static_cast<T>(rcond), &rk);
        else
          r = EMBER_LAPACK(dgelsd)(kRow, m, n, nrhs, ptr<T>(x) + i * m * n, n, bw, nrhs,
                                   ptr<T>(sv) + i * k, static_cast<T>(rcond), &rk);
      }
      T* so = ptr<T>(sol) + i * n * nrhs;
      for (int64_t p = 0; p < n * nrhs; ++p) so[p] = k > 0 && nrhs > 0 ? bw[p] : T(0);
      ptr<int64_t>(rank)[i] = rk;
      ptr<int32_t>(info)[i] = r;
    }
  };
  if (a->dtype() == ScalarType::Float32) run(float{}); else run(double{});
  return {sol, rank, sv, info};
}

}  // namespace ember
