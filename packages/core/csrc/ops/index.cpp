// SPDX-License-Identifier: BSD-3-Clause
#include "index.h"

#include <algorithm>
#include <cstring>
#include <vector>
#include <type_traits>

#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"
#include "iterator.h"

namespace ember {
namespace {

// Element offsets reachable from t->data() inside its storage.
std::pair<int64_t, int64_t> storage_bounds(const TensorImpl& t) {
  int64_t capacity = static_cast<int64_t>(t.storage()->nbytes() / t.itemsize());
  return {-t.offset(), capacity - t.offset()};  // [lo, hi)
}

Tensor checked_offsets(const Tensor& offsets, const TensorImpl& target, const char* name) {
  EMBER_CHECK_TYPE(offsets->dtype() == ScalarType::Int64, name,
                   ": offsets must be int64, got ", scalar_type_name(offsets->dtype()));
  Tensor off = contiguous(offsets);
  auto [lo, hi] = storage_bounds(target);
  const int64_t* p = reinterpret_cast<const int64_t*>(off->data());
  for (int64_t i = 0; i < off->numel(); ++i)
    EMBER_CHECK_INDEX(p[i] >= lo && p[i] < hi, name, ": element offset ", p[i],
                      " lies outside the tensor's storage (", describe(target), ")");
  return off;
}

template <typename T>
void combine(T& slot, T value, PutMode mode) {
  if constexpr (std::is_same<T, bool>::value) {
    switch (mode) {
      case PutMode::assign: slot = value; break;
      case PutMode::add: case PutMode::amax: slot = slot || value; break;
      case PutMode::multiply: case PutMode::amin: slot = slot && value; break;
    }
  } else {
    using M = opmath_t<T>;
    M a = static_cast<M>(slot), b = static_cast<M>(value);
    switch (mode) {
      case PutMode::assign: slot = value; break;
      case PutMode::add: slot = static_cast<T>(a + b); break;
      case PutMode::multiply: slot = static_cast<T>(a * b); break;
      case PutMode::amax: slot = static_cast<T>((b > a || b != b) ? b : a); break;
      case PutMode::amin: slot = static_cast<T>((b < a || b != b) ? b : a); break;
    }
  }
}

}  // namespace

Tensor take_offsets(const Tensor& src, const Tensor& offsets) {
  Tensor off = checked_offsets(offsets, *src, "take");
  Tensor out = TensorImpl::empty(offsets->sizes(), src->dtype());
  int64_t n = off->numel();
  const int64_t* o = reinterpret_cast<const int64_t*>(off->data());
  EMBER_DISPATCH_ALL_TYPES(src->dtype(), "take", [&] {
    const scalar_t* s = reinterpret_cast<const scalar_t*>(src->data());
    scalar_t* d = reinterpret_cast<scalar_t*>(out->data());
    parallel_for(0, n, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) d[i] = s[o[i]];
    });
  });
  return out;
}

void put_offsets_(const Tensor& dst, const Tensor& offsets, const Tensor& values,
                  PutMode mode) {
  Tensor off = checked_offsets(offsets, *dst, "index_put_");
  EMBER_CHECK(broadcast_shapes(offsets->sizes(), values->sizes()) == offsets->sizes(),
              "index_put_: shape mismatch: value tensor of shape ", shape_str(values->sizes()),
              " cannot be broadcast to indexing result of shape ", shape_str(offsets->sizes()));
  // values laid out like offsets, in dst's dtype
  Tensor vals = TensorImpl::empty(offsets->sizes(), dst->dtype());
  copy_(vals, values);
  int64_t n = off->numel();
  const int64_t* o = reinterpret_cast<const int64_t*>(off->data());
  EMBER_DISPATCH_ALL_TYPES(dst->dtype(), "index_put_", [&] {
    scalar_t* d = reinterpret_cast<scalar_t*>(dst->data());
    const scalar_t* v = reinterpret_cast<const scalar_t*>(vals->data());
    // Sequential, so duplicate offsets combine in order (deterministic).
    for (int64_t i = 0; i < n; ++i) combine(d[o[i]], v[i], mode);
  });
  dst->bump_version();
}

namespace {

template <typename T>
void add_scaled(T& slot, T value, opmath_t<T> alpha) {
  if constexpr (std::is_same<T, bool>::value) {
    slot = slot || (value && alpha);
  } else {
    using M = opmath_t<T>;
    slot = static_cast<T>(static_cast<M>(slot) + alpha * static_cast<M>(value));
  }
}

// Index values wrapped into [0, size), checked first.
std::vector<int64_t> checked_index(const Tensor& index, int64_t size, const char* name) {
  EMBER_CHECK_TYPE(index->dtype() == ScalarType::Int64 || index->dtype() == ScalarType::Int32,
                   name, "(): Expected dtype int32/int64 for index, got ",
                   scalar_type_name(index->dtype()));
  EMBER_CHECK_INDEX(index->dim() <= 1, name, "(): Index is supposed to be a vector, got ",
                    describe(*index));
  Tensor idx = contiguous(to_dtype(index, ScalarType::Int64));
  const int64_t* p = reinterpret_cast<const int64_t*>(idx->data());
  std::vector<int64_t> out(static_cast<size_t>(idx->numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t v = p[i];
    EMBER_CHECK_INDEX(v >= -size && v < size, name, "(): index ", v,
                      " is out of bounds for dimension with size ", size);
    out[i] = v < 0 ? v + size : v;
  }
  return out;
}

}  // namespace

Tensor index_select(const Tensor& src_in, int64_t dim, const Tensor& index) {
  int64_t nd = src_in->dim();
  dim = wrap_dim(dim, nd);
  int64_t size = nd == 0 ? 1 : src_in->sizes()[dim];
  std::vector<int64_t> idx = checked_index(index, size, "index_select");
  Tensor src = contiguous(src_in);
  Shape out_shape = src->sizes();
  if (nd > 0) out_shape[dim] = static_cast<int64_t>(idx.size());
  Tensor out = TensorImpl::empty(out_shape, src->dtype());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= src->sizes()[d];
  for (int64_t d = dim + 1; d < nd; ++d) inner *= src->sizes()[d];
  int64_t n = static_cast<int64_t>(idx.size());
  size_t row_bytes = static_cast<size_t>(inner) * src->itemsize();
  const char* s = src->data();
  char* o = out->data();
  parallel_for(0, outer * n, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(inner, 1)),
               [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t oi = t / n, i = t % n;
      std::memcpy(o + static_cast<size_t>(t) * row_bytes,
                  s + static_cast<size_t>(oi * size + idx[static_cast<size_t>(i)]) * row_bytes,
                  row_bytes);
    }
  });
  return out;
}

void index_add_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src_in,
                double alpha) {
  int64_t nd = dst->dim();
  dim = wrap_dim(dim, nd);
  int64_t size = nd == 0 ? 1 : dst->sizes()[dim];
  std::vector<int64_t> idx = checked_index(index, size, "index_add_");
  Shape expect = dst->sizes();
  if (nd > 0) expect[dim] = static_cast<int64_t>(idx.size());
  EMBER_CHECK(src_in->sizes() == expect || (nd == 0 && src_in->numel() == 1),
              "index_add_(): source ", describe(*src_in), " must have the shape ",
              shape_str(expect), " (self with dim ", dim, " of the index's length)");
  EMBER_CHECK(dst->is_contiguous(), "index_add_: internal: expects a contiguous destination");
  Tensor src = contiguous(to_dtype(src_in, dst->dtype()));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= dst->sizes()[d];
  for (int64_t d = dim + 1; d < nd; ++d) inner *= dst->sizes()[d];
  int64_t n = static_cast<int64_t>(idx.size());
  EMBER_DISPATCH_ALL_TYPES(dst->dtype(), "index_add_", [&] {
    using M = opmath_t<scalar_t>;
    scalar_t* d = reinterpret_cast<scalar_t*>(dst->data());
    const scalar_t* s = reinterpret_cast<const scalar_t*>(src->data());
    M a = static_cast<M>(alpha);
    // parallel over (outer, inner) columns: each column's rows add in order
    parallel_for(0, outer * inner, kGrainSize / std::max<int64_t>(n, 1) + 1,
                 [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        int64_t oi = c / inner, j = c % inner;
        for (int64_t i = 0; i < n; ++i) {
          scalar_t& slot = d[(oi * size + idx[static_cast<size_t>(i)]) * inner + j];
          add_scaled(slot, s[(oi * n + i) * inner + j], a);
        }
      }
    });
  });
  dst->bump_version();
}

Tensor nonzero(const Tensor& t) {
  Tensor src = contiguous(t);
  Tensor mask = TensorImpl::empty(src->sizes(), ScalarType::Bool);
  copy_(mask, src);  // cast: nonzero -> true
  const bool* m = reinterpret_cast<const bool*>(mask->data());
  int64_t n = mask->numel(), nd = t->dim();
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += m[i];
  Tensor out = TensorImpl::empty({count, nd}, ScalarType::Int64);
  int64_t* o = reinterpret_cast<int64_t*>(out->data());
  const Shape& sizes = t->sizes();
  for (int64_t i = 0, row = 0; i < n; ++i) {
    if (!m[i]) continue;
    int64_t rem = i;
    for (int64_t d = nd - 1; d >= 0; --d) {
      o[row * nd + d] = rem % sizes[d];
      rem /= sizes[d];
    }
    ++row;
  }
  return out;
}

}  // namespace ember
