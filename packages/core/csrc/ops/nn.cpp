// SPDX-License-Identifier: BSD-3-Clause
#include "nn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "../cpu/kernels/kernel_table.h"
#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"
#include "im2col.h"
#include "iterator.h"

namespace ember {
namespace {

void check_float(const TensorImpl& t, const char* name) {
  EMBER_CHECK(t.dtype() == ScalarType::Float32 || t.dtype() == ScalarType::Float64, name,
              ": expected a float32 or float64 tensor, got ", describe(t));
}

// Moves `dim` last: returns the permuted contiguous tensor and the permutation.
Tensor dim_last(const Tensor& x, int64_t dim, Shape& perm_sizes, Shape& perm) {
  int64_t nd = x->dim();
  perm.clear();
  for (int64_t d = 0; d < nd; ++d)
    if (d != dim) perm.push_back(d);
  perm.push_back(dim);
  Shape sizes, strides;
  for (int64_t d : perm) {
    sizes.push_back(x->sizes()[d]);
    strides.push_back(x->strides()[d]);
  }
  perm_sizes = sizes;
  return contiguous(x->as_strided(sizes, strides, x->offset()));
}

void check_window(const Window2d& w) {
  EMBER_CHECK(w.kh > 0 && w.kw > 0, "kernel size should be greater than zero, but got kH: ", w.kh,
              " kW: ", w.kw);
  EMBER_CHECK(w.sh > 0 && w.sw > 0, "stride should be greater than zero, but got dH: ", w.sh,
              " dW: ", w.sw);
  EMBER_CHECK(w.dh > 0 && w.dw > 0, "dilation should be greater than zero, but got dilationH: ",
              w.dh, " dilationW: ", w.dw);
  EMBER_CHECK(w.ph >= 0 && w.pw >= 0, "padding should be non-negative, got ", w.ph, ", ", w.pw);
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim, bool log) {
  check_float(*x, log ? "log_softmax" : "softmax");
  int64_t nd = x->dim();
  dim = wrap_dim(dim, nd);
  if (x->numel() == 0) return TensorImpl::empty(x->sizes(), x->dtype());
  Shape psizes, perm;
  Tensor src = nd == 0 ? contiguous(x) : dim_last(x, dim, psizes, perm);
  int64_t cols = nd == 0 ? 1 : x->sizes()[dim];
  int64_t rows = x->numel() / cols;
  Tensor out = TensorImpl::empty(src->sizes(), x->dtype());
  auto fn = kernels(x->device().type).softmax_rows[static_cast<int>(x->dtype())];
  int64_t item = static_cast<int64_t>(x->itemsize());
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / cols), [&](int64_t b, int64_t e) {
    fn(src->data() + b * cols * item, out->data() + b * cols * item, e - b, cols, log ? 1 : 0);
  });
  if (nd == 0 || dim == nd - 1) return out;
  // undo the permutation: a view whose dims are back in order
  Shape sizes(nd), strides(nd);
  for (int64_t i = 0; i < nd; ++i) {
    sizes[perm[i]] = out->sizes()[i];
    strides[perm[i]] = out->strides()[i];
  }
  return contiguous(out->as_strided(sizes, strides, 0));
}

Tensor logsumexp_last(const Tensor& x) {
  check_float(*x, "logsumexp");
  EMBER_CHECK(x->dim() >= 1 && x->sizes().back() > 0, "logsumexp_last: expected a non-empty "
              "last dim, got ", describe(*x));
  Tensor src = contiguous(x);
  int64_t cols = x->sizes().back(), rows = x->numel() / cols;
  Tensor out = TensorImpl::empty(Shape(x->sizes().begin(), x->sizes().end() - 1), x->dtype());
  auto fn = kernels(x->device().type).softmax_rows[static_cast<int>(x->dtype())];
  int64_t item = static_cast<int64_t>(x->itemsize());
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / cols), [&](int64_t b, int64_t e) {
    fn(src->data() + b * cols * item, out->data() + b * item, e - b, cols, 2);
  });
  return out;
}

std::tuple<Tensor, Tensor, Tensor> layer_norm(const Tensor& x, int64_t n, const Tensor& weight,
                                              const Tensor& bias, double eps) {
  check_float(*x, "layer_norm");
  EMBER_CHECK(n > 0 && x->numel() % n == 0, "layer_norm: the normalized size ", n,
              " does not divide the input ", describe(*x));
  for (const Tensor* p : {&weight, &bias}) {
    if (!*p) continue;
    EMBER_CHECK((*p)->numel() == n && (*p)->dtype() == x->dtype(),
                "layer_norm: weight and bias must have ", n, " elements of dtype ",
                scalar_type_name(x->dtype()), ", got ", describe(**p));
  }
  Tensor src = contiguous(x);
  Tensor w = weight ? contiguous(weight) : nullptr, b = bias ? contiguous(bias) : nullptr;
  int64_t rows = x->numel() / n;
  Tensor out = TensorImpl::empty(x->sizes(), x->dtype());
  Tensor mean = TensorImpl::empty({rows}, x->dtype());
  Tensor rstd = TensorImpl::empty({rows}, x->dtype());
  auto fn = kernels(x->device().type).layer_norm_rows[static_cast<int>(x->dtype())];
  int64_t item = static_cast<int64_t>(x->itemsize());
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / n), [&](int64_t b0, int64_t e) {
    fn(src->data() + b0 * n * item, out->data() + b0 * n * item, mean->data() + b0 * item,
       rstd->data() + b0 * item, e - b0, n, eps, w ? w->data() : nullptr,
       b ? b->data() : nullptr);
  });
  return {out, mean, rstd};
}

Tensor im2col(const Tensor& input, const Window2d& w, int64_t oh, int64_t ow) {
  check_window(w);
  EMBER_CHECK(input->dim() == 4, "im2col: expected [N, C, H, W], got ", describe(*input));
  Tensor in = contiguous(input);
  int64_t N = in->sizes()[0], C = in->sizes()[1], H = in->sizes()[2], W = in->sizes()[3];
  int64_t K = C * w.kh * w.kw, L = oh * ow;
  Tensor cols = TensorImpl::empty({N, K, L}, in->dtype());
  EMBER_DISPATCH_FLOATING_TYPES(in->dtype(), "im2col", [&] {
    const scalar_t* src = reinterpret_cast<const scalar_t*>(in->data());
    scalar_t* dst = reinterpret_cast<scalar_t*>(cols->data());
    parallel_for(0, N * K, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(L, 1)),
                 [&](int64_t b, int64_t e) {
      while (b < e) {  // runs of rows within one image
        int64_t n = b / K, k0 = b % K, k1 = std::min(K, k0 + (e - b));
        im2col_rows(src + n * C * H * W, H, W, w, oh, ow, k0, k1, dst + b * L);
        b += k1 - k0;
      }
    });
  });
  return cols;
}

Tensor col2im(const Tensor& cols_in, int64_t C, int64_t H, int64_t W, const Window2d& w,
              int64_t oh, int64_t ow) {
  check_window(w);
  Tensor cols = contiguous(cols_in);
  int64_t K = C * w.kh * w.kw, L = oh * ow;
  EMBER_CHECK(cols->dim() == 3 && cols->sizes()[1] == K && cols->sizes()[2] == L,
              "col2im: expected [N, ", K, ", ", L, "], got ", describe(*cols));
  int64_t N = cols->sizes()[0];
  Tensor out = TensorImpl::empty({N, C, H, W}, cols->dtype());
  fill_(out, wrap_scalar(0, out->dtype()));
  EMBER_DISPATCH_FLOATING_TYPES(cols->dtype(), "col2im", [&] {
    using M = opmath_t<scalar_t>;
    const scalar_t* src = reinterpret_cast<const scalar_t*>(cols->data());
    scalar_t* dst = reinterpret_cast<scalar_t*>(out->data());
    // one (n, c) plane per task: no two tasks write the same element
    parallel_for(0, N * C, 1, [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc) {
        int64_t n = nc / C, c = nc % C;
        scalar_t* plane = dst + nc * H * W;
        for (int64_t ki = 0; ki < w.kh; ++ki)
          for (int64_t kj = 0; kj < w.kw; ++kj) {
            const scalar_t* row = src + (n * K + (c * w.kh + ki) * w.kw + kj) * L;
            for (int64_t y = 0; y < oh; ++y) {
              int64_t iy = y * w.sh - w.ph + ki * w.dh;
              if (iy < 0 || iy >= H) continue;
              for (int64_t x = 0; x < ow; ++x) {
                int64_t ix = x * w.sw - w.pw + kj * w.dw;
                if (ix < 0 || ix >= W) continue;
                scalar_t& d = plane[iy * W + ix];
                d = static_cast<scalar_t>(static_cast<M>(d) + static_cast<M>(row[y * ow + x]));
              }
            }
          }
      }
    });
  });
  return out;
}

namespace {

void check_pool_input(const TensorImpl& t, const std::vector<int64_t>& hs,
                      const std::vector<int64_t>& he, const std::vector<int64_t>& ws,
                      const std::vector<int64_t>& we, const char* name) {
  EMBER_CHECK(t.dim() == 4, name, ": expected a 4-D [N, C, H, W] tensor, got ", describe(t));
  EMBER_CHECK(hs.size() == he.size() && ws.size() == we.size(), name, ": window lists differ");
  int64_t H = t.sizes()[2], W = t.sizes()[3];
  for (size_t i = 0; i < hs.size(); ++i)
    EMBER_CHECK(0 <= hs[i] && hs[i] <= he[i] && he[i] <= H, name, ": bad row window");
  for (size_t i = 0; i < ws.size(); ++i)
    EMBER_CHECK(0 <= ws[i] && ws[i] <= we[i] && we[i] <= W, name, ": bad column window");
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d(const Tensor& input, const std::vector<int64_t>& hs,
                                     const std::vector<int64_t>& he, const std::vector<int64_t>& ws,
                                     const std::vector<int64_t>& we) {
  check_pool_input(*input, hs, he, ws, we, "max_pool2d");
  Tensor in = contiguous(input);
  int64_t N = in->sizes()[0], C = in->sizes()[1], H = in->sizes()[2], W = in->sizes()[3];
  int64_t OH = static_cast<int64_t>(hs.size()), OW = static_cast<int64_t>(ws.size());
  Tensor out = TensorImpl::empty({N, C, OH, OW}, in->dtype());
  Tensor idx = TensorImpl::empty({N, C, OH, OW}, ScalarType::Int64);
  EMBER_DISPATCH_FLOATING_TYPES(in->dtype(), "max_pool2d", [&] {
    using M = opmath_t<scalar_t>;
    const scalar_t* src = reinterpret_cast<const scalar_t*>(in->data());
    scalar_t* dst = reinterpret_cast<scalar_t*>(out->data());
    int64_t* id = reinterpret_cast<int64_t*>(idx->data());
    // PyTorch's rule: a later value takes over when it is larger or NaN (so
    // the first maximum, or the last NaN, wins). Written without branches.
    auto takes = [](M v, M best) { return v > best || v != v; };
    // MaxPool2d(2): 2 x 2 windows at stride 2, one loop over the output row
    bool halves = H >= 2 * OH && W >= 2 * OW;
    for (int64_t y = 0; halves && y < OH; ++y) halves = hs[y] == 2 * y && he[y] == 2 * y + 2;
    for (int64_t x = 0; halves && x < OW; ++x) halves = ws[x] == 2 * x && we[x] == 2 * x + 2;
    parallel_for(0, N * C, 1, [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc) {
        const scalar_t* plane = src + nc * H * W;
        scalar_t* out_plane = dst + nc * OH * OW;
        int64_t* id_plane = id + nc * OH * OW;
        if (halves) {
          for (int64_t y = 0; y < OH; ++y) {
            const scalar_t* r0 = plane + 2 * y * W;
            const scalar_t* r1 = r0 + W;
            for (int64_t x = 0; x < OW; ++x) {
              int64_t at = 2 * y * W + 2 * x;
              M best = static_cast<M>(r0[2 * x]);
              int64_t where = at;
              M v = static_cast<M>(r0[2 * x + 1]);
              bool t = takes(v, best);
              best = t ? v : best;
              where = t ? at + 1 : where;
              v = static_cast<M>(r1[2 * x]);
              t = takes(v, best);
              best = t ? v : best;
              where = t ? at + W : where;
              v = static_cast<M>(r1[2 * x + 1]);
              t = takes(v, best);
              best = t ? v : best;
              where = t ? at + W + 1 : where;
              out_plane[y * OW + x] = static_cast<scalar_t>(best);
              id_plane[y * OW + x] = where;
            }
          }
          continue;
        }
        for (int64_t y = 0; y < OH; ++y)
          for (int64_t x = 0; x < OW; ++x) {
            M best = -std::numeric_limits<M>::infinity();
            int64_t where = -1;
            for (int64_t iy = hs[y]; iy < he[y]; ++iy)
              for (int64_t ix = ws[x]; ix < we[x]; ++ix) {
                M v = static_cast<M>(plane[iy * W + ix]);
                bool t = where < 0 || takes(v, best);
                best = t ? v : best;
                where = t ? iy * W + ix : where;
              }
            out_plane[y * OW + x] = static_cast<scalar_t>(best);
            id_plane[y * OW + x] = where;
          }
      }
    });
  });
  return {out, idx};
}

Tensor max_pool2d_backward(const Tensor& grad, const Tensor& indices, int64_t h, int64_t w) {
  EMBER_CHECK(grad->dim() == 4 && grad->sizes() == indices->sizes(), "max_pool2d_backward: expected ",
              "4-D grad and indices of one shape, got ", describe(*grad), " and ", describe(*indices));
  EMBER_CHECK_TYPE(indices->dtype() == ScalarType::Int64, "max_pool2d_backward: expected int64 indices, got ",
                   describe(*indices));
  EMBER_CHECK_TYPE(grad->dtype() == ScalarType::Float32 || grad->dtype() == ScalarType::Float64,
                   "max_pool2d_backward: expected a float32 or float64 grad, got ", describe(*grad));
  EMBER_CHECK(h >= 0 && w >= 0, "max_pool2d_backward: bad input size ", h, " x ", w);
  Tensor g = contiguous(grad), idx = contiguous(indices);
  int64_t N = g->sizes()[0], C = g->sizes()[1], L = g->sizes()[2] * g->sizes()[3], HW = h * w;
  const int64_t* id = reinterpret_cast<const int64_t*>(idx->data());
  for (int64_t i = 0; i < N * C * L; ++i)
    EMBER_CHECK_INDEX(id[i] >= 0 && id[i] < HW, "max_pool2d_backward: index ", id[i], " lies outside the ",
                      h, " x ", w, " plane");
  Tensor out = TensorImpl::empty({N, C, h, w}, g->dtype());
  auto run = [&](auto tag) {
    using scalar_t = decltype(tag);
    const scalar_t* src = reinterpret_cast<const scalar_t*>(g->data());
    scalar_t* dst = reinterpret_cast<scalar_t*>(out->data());
    // one plane per task: zeroed, then its windows' gradients added
    parallel_for(0, N * C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, HW + L)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t nc = b; nc < e; ++nc) {
                     scalar_t* plane = dst + nc * HW;
                     std::fill(plane, plane + HW, scalar_t(0));
                     const scalar_t* gp = src + nc * L;
                     const int64_t* ip = id + nc * L;
                     for (int64_t j = 0; j < L; ++j) plane[ip[j]] += gp[j];
                   }
                 });
  };
  if (g->dtype() == ScalarType::Float32)
    run(float{});
  else
    run(double{});
  return out;
}

Tensor avg_pool2d(const Tensor& input, const std::vector<int64_t>& hs, const std::vector<int64_t>& he,
                  const std::vector<int64_t>& ws, const std::vector<int64_t>& we,
                  const std::vector<double>& divisor) {
  check_pool_input(*input, hs, he, ws, we, "avg_pool2d");
  Tensor in = contiguous(input);
  int64_t N = in->sizes()[0], C = in->sizes()[1], H = in->sizes()[2], W = in->sizes()[3];
  int64_t OH = static_cast<int64_t>(hs.size()), OW = static_cast<int64_t>(ws.size());
  EMBER_CHECK(static_cast<int64_t>(divisor.size()) == OH * OW, "avg_pool2d: divisor count");
  Tensor out = TensorImpl::empty({N, C, OH, OW}, in->dtype());
  EMBER_DISPATCH_FLOATING_TYPES(in->dtype(), "avg_pool2d", [&] {
    using M = opmath_t<scalar_t>;
    const scalar_t* src = reinterpret_cast<const scalar_t*>(in->data());
    scalar_t* dst = reinterpret_cast<scalar_t*>(out->data());
    parallel_for(0, N * C, 1, [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc) {
        const scalar_t* plane = src + nc * H * W;
        for (int64_t y = 0; y < OH; ++y)
          for (int64_t x = 0; x < OW; ++x) {
            double acc = 0;
            for (int64_t iy = hs[y]; iy < he[y]; ++iy)
              for (int64_t ix = ws[x]; ix < we[x]; ++ix)
                acc += static_cast<double>(static_cast<M>(plane[iy * W + ix]));
            dst[(nc * OH + y) * OW + x] =
                static_cast<scalar_t>(static_cast<M>(acc / divisor[y * OW + x]));
          }
      }
    });
  });
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_in, int64_t H, int64_t W, const std::vector<int64_t>& hs,
                           const std::vector<int64_t>& he, const std::vector<int64_t>& ws,
                           const std::vector<int64_t>& we, const std::vector<double>& divisor) {
  Tensor grad = contiguous(grad_in);
  EMBER_CHECK(grad->dim() == 4, "avg_pool2d_backward: expected a 4-D gradient");
  int64_t N = grad->sizes()[0], C = grad->sizes()[1];
  int64_t OH = static_cast<int64_t>(hs.size()), OW = static_cast<int64_t>(ws.size());
  EMBER_CHECK(grad->sizes()[2] == OH && grad->sizes()[3] == OW, "avg_pool2d_backward: the gradient ",
              describe(*grad), " does not match the ", OH, "x", OW, " output");
  Tensor out = TensorImpl::empty({N, C, H, W}, grad->dtype());
  fill_(out, wrap_scalar(0, out->dtype()));
  EMBER_DISPATCH_FLOATING_TYPES(grad->dtype(), "avg_pool2d_backward", [&] {
    using M = opmath_t<scalar_t>;
    const scalar_t* g = reinterpret_cast<const scalar_t*>(grad->data());
    scalar_t* dst = reinterpret_cast<scalar_t*>(out->data());
    parallel_for(0, N * C, 1, [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc) {
        scalar_t* plane = dst + nc * H * W;
        for (int64_t y = 0; y < OH; ++y)
          for (int64_t x = 0; x < OW; ++x) {
            M share = static_cast<M>(static_cast<double>(static_cast<M>(g[(nc * OH + y) * OW + x])) /
                                     divisor[y * OW + x]);
            for (int64_t iy = hs[y]; iy < he[y]; ++iy)
              for (int64_t ix = ws[x]; ix < we[x]; ++ix) {
                scalar_t& d = plane[iy * W + ix];
                d = static_cast<scalar_t>(static_cast<M>(d) + share);
              }
          }
      }
    });
  });
  return out;
}

}  // namespace ember
