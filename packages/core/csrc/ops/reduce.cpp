// SPDX-License-Identifier: BSD-3-Clause
#include "reduce.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"
#include "iterator.h"

namespace ember {
namespace {

ScalarType reduce_out_dtype(ReduceOp op, ScalarType in) {
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::prod:
      return is_floating(in) ? in : ScalarType::Int64;
    case ReduceOp::all:
    case ReduceOp::any:
      return ScalarType::Bool;
    case ReduceOp::argmax:
    case ReduceOp::argmin:
      return ScalarType::Int64;
    default:
      return in;
  }
}

struct Dims {
  Shape sizes, strides;  // outermost first, in elements
};

// Merges dims that are contiguous with each other and drops size-1 dims.
Dims coalesce(const Dims& d) {
  Dims out;
  for (size_t i = 0; i < d.sizes.size(); ++i) {
    if (d.sizes[i] == 1) continue;
    if (!out.sizes.empty() &&
        out.strides.back() == d.strides[i] * d.sizes[i]) {
      out.sizes.back() *= d.sizes[i];
      out.strides.back() = d.strides[i];
    } else {
      out.sizes.push_back(d.sizes[i]);
      out.strides.push_back(d.strides[i]);
    }
  }
  return out;
}

// Fills `out` (contiguous, one element per kept index) from `in`, whose
// reduced dims coalesce to one dim of `r` elements at stride `rs`.
void reduce_kernel(ReduceOp op, const TensorImpl& in, const Dims& kept,
                   int64_t r, int64_t rs, TensorImpl& out) {
  const KernelTable& K = kernels(in.device().type);
  int o = static_cast<int>(op), ti = static_cast<int>(in.dtype());
  ReduceFn fn = K.reduce[o][ti];
  ReduceColsFn cols_fn = K.reduce_cols[o][ti];
  int64_t item = static_cast<int64_t>(in.itemsize());
  int64_t out_item = static_cast<int64_t>(out.itemsize());
  const char* base = in.data();
  char* obase = out.data();
  int64_t nk = kept.sizes.size();
  int64_t nout = out.numel();

  auto kept_offset = [&](int64_t flat, int64_t ndims) {
    int64_t off = 0;
    for (int64_t d = ndims - 1; d >= 0; --d) {
      off += (flat % kept.sizes[d]) * kept.strides[d];
      flat /= kept.sizes[d];
    }
    return off;
  };

  if (nk > 0 && kept.strides.back() == 1 && rs != 1 && cols_fn) {
    // Columns: the innermost kept dim is contiguous; rows are accumulated.
    int64_t cols = kept.sizes.back();
    int64_t outer = nout / cols;
    int64_t col_chunk = std::max<int64_t>(64, (kGrainSize / std::max<int64_t>(r, 1)));
    int64_t nchunks = (cols + col_chunk - 1) / col_chunk;
    parallel_for(0, outer * nchunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        int64_t oi = t / nchunks, c0 = (t % nchunks) * col_chunk;
        int64_t c1 = std::min(cols, c0 + col_chunk);
        const char* src = base + (kept_offset(oi, nk - 1) + c0) * item;
        cols_fn(src, r, rs * item, c1 - c0, obase + (oi * cols + c0) * out_item);
      }
    });
    return;
  }
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(r, 1));
  parallel_for(0, nout, grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      fn(base + kept_offset(i, nk) * item, r, rs * item, obase + i * out_item);
  });
}

// One output from `n` contiguous elements, split into fixed blocks so the
// result does not depend on the number of threads.
void reduce_all_contiguous(ReduceOp op, const TensorImpl& in, TensorImpl& out) {
  constexpr int64_t kBlock = 1 << 16;
  int64_t n = in.numel();
  ReduceFn fn = kernels(in.device().type).reduce[static_cast<int>(op)][static_cast<int>(in.dtype())];
  int64_t item = static_cast<int64_t>(in.itemsize());
  bool splittable = n > kBlock && op != ReduceOp::argmax &&
                    op != ReduceOp::argmin &&
                    (out.dtype() == in.dtype() || !is_floating(in.dtype()) ||
                     out.dtype() == ScalarType::Bool);
  if (in.dtype() == ScalarType::Float16 || in.dtype() == ScalarType::BFloat16)
    splittable = false;  // partials would round to 16 bits
  if (!splittable) {
    fn(in.data(), n, item, out.data());
    return;
  }
  int64_t nblocks = (n + kBlock - 1) / kBlock;
  Tensor partial = TensorImpl::empty({nblocks}, out.dtype());
  int64_t pitem = static_cast<int64_t>(partial->itemsize());
  parallel_for(0, nblocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      int64_t len = std::min(kBlock, n - i * kBlock);
      fn(in.data() + i * kBlock * item, len, item, partial->data() + i * pitem);
    }
  });
  // partials combine with the same op (sum of sums, max of maxes, ...)
  ReduceOp combine = op;
  ReduceFn cfn = kernels(in.device().type).reduce[static_cast<int>(combine)][static_cast<int>(out.dtype())];
  cfn(partial->data(), nblocks, pitem, out.data());
}

}  // namespace

Tensor reduce(ReduceOp op, const Tensor& a, std::vector<int64_t> dims,
              bool keepdim) {
  const char* name = reduce_op_name(op);
  int64_t nd = a->dim();
  bool all_dims = dims.empty();
  std::vector<bool> reduced(std::max<int64_t>(nd, 1), all_dims);
  for (int64_t& d : dims) {
    d = wrap_dim(d, nd);
    EMBER_CHECK(!reduced[d] || all_dims, "dim ", d,
                " appears multiple times in the list of dims");
    reduced[d] = true;
  }
  bool is_arg = op == ReduceOp::argmax || op == ReduceOp::argmin;
  EMBER_CHECK(!is_arg || dims.size() <= 1, name, ": expected at most one dim");

  Shape out_shape, kept_shape;
  Dims kept, red;
  int64_t rcount = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (reduced[d]) {
      if (keepdim) out_shape.push_back(1);
      red.sizes.push_back(a->sizes()[d]);
      red.strides.push_back(a->strides()[d]);
      rcount *= a->sizes()[d];
    } else {
      out_shape.push_back(a->sizes()[d]);
      kept_shape.push_back(a->sizes()[d]);
      kept.sizes.push_back(a->sizes()[d]);
      kept.strides.push_back(a->strides()[d]);
    }
  }
  ScalarType out_dtype = reduce_out_dtype(op, a->dtype());
  Tensor out = TensorImpl::empty(out_shape, out_dtype);
  bool has_identity = op == ReduceOp::sum || op == ReduceOp::prod ||
                      op == ReduceOp::all || op == ReduceOp::any;
  EMBER_CHECK_INDEX(rcount != 0 || has_identity, name, "(): Expected reduction dim to "
                    "have non-zero size, but the input of shape ",
                    shape_str(a->sizes()), " has none to reduce over. "
                    "Specify a dim whose size is not zero.");
  if (out->numel() == 0) return out;
  if (rcount == 0) {
    double identity = (op == ReduceOp::prod || op == ReduceOp::all) ? 1 : 0;
    fill_(out, wrap_scalar(identity, out_dtype));
    return out;
  }
  Dims rc = coalesce(red), kc = coalesce(kept);
  if (kc.sizes.empty() && rc.sizes.size() <= 1 &&
      (rc.sizes.empty() || rc.strides[0] == 1)) {
    reduce_all_contiguous(op, *a, *out);
  } else if (rc.sizes.size() <= 1) {
    int64_t rs = rc.sizes.empty() ? 1 : rc.strides[0];
    reduce_kernel(op, *a, kc, rcount, rs, *out);
  } else {
    // Reduced dims that do not coalesce: move them innermost in a copy.
    Shape perm_sizes, perm_strides;
    for (int64_t d = 0; d < nd; ++d)
      if (!reduced[d]) {
        perm_sizes.push_back(a->sizes()[d]);
        perm_strides.push_back(a->strides()[d]);
      }
    for (int64_t d = 0; d < nd; ++d)
      if (reduced[d]) {
        perm_sizes.push_back(a->sizes()[d]);
        perm_strides.push_back(a->strides()[d]);
      }
    Tensor packed = contiguous(a->as_strided(perm_sizes, perm_strides, a->offset()));
    Dims k2{kept_shape, contiguous_strides(kept_shape)};
    for (auto& s : k2.strides) s *= rcount;
    reduce_kernel(op, *packed, coalesce(k2), rcount, 1, *out);
  }
  return out;
}

Tensor cumulative(const Tensor& a, int64_t dim, bool product) {
  int64_t nd = a->dim();
  dim = wrap_dim(dim, nd);
  ScalarType out_dtype = is_floating(a->dtype()) ? a->dtype() : ScalarType::Int64;
  Tensor src = to_dtype(a, out_dtype);
  Tensor out = TensorImpl::empty(a->sizes(), out_dtype);
  if (out->numel() == 0) return out;
  int64_t len = nd == 0 ? 1 : a->sizes()[dim];
  int64_t sstride = nd == 0 ? 1 : src->strides()[dim];
  int64_t ostride = nd == 0 ? 1 : out->strides()[dim];
  // Iterate over every line along `dim`.
  Shape line_sizes, line_strides_src, line_strides_out;
  for (int64_t d = 0; d < nd; ++d) {
    if (d == dim) continue;
    line_sizes.push_back(a->sizes()[d]);
    line_strides_src.push_back(src->strides()[d]);
    line_strides_out.push_back(out->strides()[d]);
  }
  int64_t nlines = out->numel() / len;
  EMBER_DISPATCH_ALL_TYPES(out_dtype, "cumsum", [&] {
    // out_dtype is floating or int64: bool never reaches the loop
    using M = std::conditional_t<std::is_same<scalar_t, bool>::value, int64_t,
                                 opmath_t<scalar_t>>;
    const scalar_t* sp = reinterpret_cast<const scalar_t*>(src->data());
    scalar_t* op = reinterpret_cast<scalar_t*>(out->data());
    parallel_for(0, nlines, std::max<int64_t>(1, kGrainSize / len), [&](int64_t b, int64_t e) {
      for (int64_t l = b; l < e; ++l) {
        int64_t so = 0, oo = 0, rem = l;
        for (int64_t d = static_cast<int64_t>(line_sizes.size()) - 1; d >= 0; --d) {
          int64_t i = rem % line_sizes[d];
          rem /= line_sizes[d];
          so += i * line_strides_src[d];
          oo += i * line_strides_out[d];
        }
        M acc = product ? M(1) : M(0);
        for (int64_t i = 0; i < len; ++i) {
          M v = static_cast<M>(sp[so + i * sstride]);
          acc = product ? static_cast<M>(acc * v) : static_cast<M>(acc + v);
          op[oo + i * ostride] = static_cast<scalar_t>(acc);
        }
      }
    });
  });
  return out;
}

}  // namespace ember

namespace ember {

std::pair<Tensor, Tensor> cumulative_extreme(const Tensor& a, int64_t dim, bool max) {
  int64_t nd = a->dim();
  dim = wrap_dim(dim, nd);
  Tensor values = TensorImpl::empty(a->sizes(), a->dtype());
  Tensor indices = TensorImpl::empty(a->sizes(), ScalarType::Int64);
  if (a->numel() == 0) return {values, indices};
  int64_t len = nd == 0 ? 1 : a->sizes()[dim];
  int64_t s_in = nd == 0 ? 1 : a->strides()[dim];
  int64_t s_out = nd == 0 ? 1 : values->strides()[dim];
  Shape line_sizes, in_strides, out_strides;
  for (int64_t d = 0; d < nd; ++d) {
    if (d == dim) continue;
    line_sizes.push_back(a->sizes()[d]);
    in_strides.push_back(a->strides()[d]);
    out_strides.push_back(values->strides()[d]);
  }
  int64_t nlines = a->numel() / len;
  EMBER_DISPATCH_ALL_TYPES(a->dtype(), max ? "cummax" : "cummin", [&] {
    using M = opmath_t<scalar_t>;
    const scalar_t* src = reinterpret_cast<const scalar_t*>(a->data());
    scalar_t* vo = reinterpret_cast<scalar_t*>(values->data());
    int64_t* io = reinterpret_cast<int64_t*>(indices->data());
    parallel_for(0, nlines, std::max<int64_t>(1, kGrainSize / len), [&](int64_t b, int64_t e) {
      for (int64_t l = b; l < e; ++l) {
        int64_t si = 0, so = 0, rem = l;
        for (int64_t d = static_cast<int64_t>(line_sizes.size()) - 1; d >= 0; --d) {
          int64_t i = rem % line_sizes[d];
          rem /= line_sizes[d];
          si += i * in_strides[d];
          so += i * out_strides[d];
        }
        M best = static_cast<M>(src[si]);
        int64_t where = 0;
        for (int64_t i = 0; i < len; ++i) {
          M x = static_cast<M>(src[si + i * s_in]);
          bool x_nan = x != x, best_nan = best != best;
          if (x_nan || (!best_nan && (max ? x >= best : x <= best))) {
            best = x;
            where = i;
          }
          vo[so + i * s_out] = static_cast<scalar_t>(best);
          io[so + i * s_out] = where;
        }
      }
    });
  });
  return {values, indices};
}

}  // namespace ember
