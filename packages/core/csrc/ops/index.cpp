// SPDX-License-Identifier: BSD-3-Clause
#include "index.h"

#include <algorithm>
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
