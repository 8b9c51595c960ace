// SPDX-License-Identifier: BSD-3-Clause
#include "sort.h"

#include <algorithm>
#include <vector>

#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"
#include "iterator.h"

namespace ember {
namespace {

template <typename M>
inline bool nan_aware_less(M a, M b) {  // NaN is the largest value
  if constexpr (std::is_floating_point<M>::value) {
    if (b != b) return a == a;
    if (a != a) return false;
  }
  return a < b;
}

template <typename M>
struct Entry {
  M value;
  int64_t index;
};

// Calls fn(row_in, row_values_out, row_indices_out) for every row, in
// parallel; rows are contiguous with `len` elements.
template <typename T, typename F>
void for_rows(const TensorImpl& in, int64_t len, int64_t out_len, TensorImpl& values,
              TensorImpl& indices, F fn) {
  int64_t rows = len == 0 ? 0 : in.numel() / len;
  const T* src = reinterpret_cast<const T*>(in.data());
  T* vo = reinterpret_cast<T*>(values.data());
  int64_t* io = reinterpret_cast<int64_t*>(indices.data());
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(len, 1) / 8),
               [&](int64_t b, int64_t e) {
    std::vector<Entry<opmath_t<T>>> buf(static_cast<size_t>(len));
    for (int64_t r = b; r < e; ++r) {
      const T* row = src + r * len;
      for (int64_t i = 0; i < len; ++i)
        buf[static_cast<size_t>(i)] = {static_cast<opmath_t<T>>(row[i]), i};
      fn(buf);
      for (int64_t i = 0; i < out_len; ++i) {
        vo[r * out_len + i] = static_cast<T>(buf[static_cast<size_t>(i)].value);
        io[r * out_len + i] = buf[static_cast<size_t>(i)].index;
      }
    }
  });
}

Shape with_last(const Shape& s, int64_t last) {
  Shape out = s;
  if (!out.empty()) out.back() = last;
  return out;
}

}  // namespace

std::pair<Tensor, Tensor> sort_last(const Tensor& t, bool descending, bool stable) {
  Tensor in = contiguous(t);
  int64_t len = t->dim() == 0 ? 1 : t->sizes().back();
  Tensor values = TensorImpl::empty(t->sizes(), t->dtype());
  Tensor indices = TensorImpl::empty(t->sizes(), ScalarType::Int64);
  EMBER_DISPATCH_ALL_TYPES(t->dtype(), "sort", [&] {
    using M = opmath_t<scalar_t>;
    for_rows<scalar_t>(*in, len, len, *values, *indices, [&](std::vector<Entry<M>>& buf) {
      // ties keep index order in both directions (stable)
      auto cmp = [&](const Entry<M>& a, const Entry<M>& b) {
        return descending ? nan_aware_less(b.value, a.value) : nan_aware_less(a.value, b.value);
      };
      if (stable) std::stable_sort(buf.begin(), buf.end(), cmp);
      else std::sort(buf.begin(), buf.end(), [&](const Entry<M>& a, const Entry<M>& b) {
        return cmp(a, b) || (!cmp(b, a) && a.index < b.index);
      });
    });
  });
  return {values, indices};
}

namespace {

// The k best of row[begin, end) into `heap` (a heap under cmp, worst on top),
// read straight from the row: most elements lose at one comparison.
template <typename T, typename Cmp>
void heap_select(const T* row, int64_t begin, int64_t end, int64_t k, bool largest, Cmp cmp,
                 std::vector<Entry<opmath_t<T>>>& heap) {
  using M = opmath_t<T>;
  for (int64_t i = begin; i < end; ++i) {
    M v = static_cast<M>(row[i]);
    if (static_cast<int64_t>(heap.size()) == k) {
      // the common case: v plainly loses to the heap's worst (equal values
      // lose too: the later index ranks after)
      M worst = heap.front().value;
      if (worst == worst && v == v && !(largest ? v > worst : v < worst)) continue;
    }
    Entry<M> e{v, i};
    if (static_cast<int64_t>(heap.size()) < k) {
      heap.push_back(e);
      std::push_heap(heap.begin(), heap.end(), cmp);
    } else if (cmp(e, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), cmp);
      heap.back() = e;
      std::push_heap(heap.begin(), heap.end(), cmp);
    }
  }
}

}  // namespace

std::pair<Tensor, Tensor> topk_last(const Tensor& t, int64_t k, bool largest, bool sorted) {
  int64_t len = t->dim() == 0 ? 1 : t->sizes().back();
  EMBER_CHECK(k >= 0 && k <= len, "selected index k out of range: k = ", k,
              " for a dimension of size ", len);
  Tensor in = contiguous(t);
  Shape out_shape = with_last(t->sizes(), k);
  Tensor values = TensorImpl::empty(out_shape, t->dtype());
  Tensor indices = TensorImpl::empty(out_shape, ScalarType::Int64);
  EMBER_DISPATCH_ALL_TYPES(t->dtype(), "topk", [&] {
    using M = opmath_t<scalar_t>;
    auto cmp = [&](const Entry<M>& a, const Entry<M>& b) {  // a ranks before b
      bool before = largest ? nan_aware_less(b.value, a.value) : nan_aware_less(a.value, b.value);
      bool after = largest ? nan_aware_less(a.value, b.value) : nan_aware_less(b.value, a.value);
      return before || (!after && a.index < b.index);
    };
    int64_t rows = len == 0 ? 0 : in->numel() / len;
    if (k > 0 && k * 64 < len) {
      // Few wanted: fixed blocks (so the result does not depend on the
      // thread count) each keep their k best, then the best of those.
      constexpr int64_t kBlock = 1 << 16;
      int64_t nblocks = (len + kBlock - 1) / kBlock;
      const scalar_t* src = reinterpret_cast<const scalar_t*>(in->data());
      scalar_t* vo = reinterpret_cast<scalar_t*>(values->data());
      int64_t* io = reinterpret_cast<int64_t*>(indices->data());
      std::vector<std::vector<Entry<M>>> parts(static_cast<size_t>(rows * nblocks));
      parallel_for(0, rows * nblocks, 1, [&](int64_t b, int64_t e) {
        for (int64_t task = b; task < e; ++task) {
          int64_t r = task / nblocks, blk = task % nblocks;
          auto& heap = parts[static_cast<size_t>(task)];
          heap.reserve(static_cast<size_t>(k));
          heap_select(src + r * len, blk * kBlock, std::min(len, (blk + 1) * kBlock), k, largest, cmp,
                      heap);
        }
      });
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<Entry<M>> best;
        for (int64_t blk = 0; blk < nblocks; ++blk)
          for (const auto& e : parts[static_cast<size_t>(r * nblocks + blk)]) best.push_back(e);
        std::nth_element(best.begin(), best.begin() + (k - 1), best.end(), cmp);
        best.resize(static_cast<size_t>(k));
        if (sorted) std::sort(best.begin(), best.end(), cmp);
        for (int64_t i = 0; i < k; ++i) {
          vo[r * k + i] = static_cast<scalar_t>(best[static_cast<size_t>(i)].value);
          io[r * k + i] = best[static_cast<size_t>(i)].index;
        }
      }
      return;
    }
    for_rows<scalar_t>(*in, len, k, *values, *indices, [&](std::vector<Entry<M>>& buf) {
      if (k == 0) return;
      if (k < len) std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end(), cmp);
      if (sorted) std::sort(buf.begin(), buf.begin() + k, cmp);
    });
  });
  return {values, indices};
}

Tensor searchsorted(const Tensor& sorted, const Tensor& values, bool right) {
  EMBER_CHECK(sorted->dim() >= 1, "searchsorted: sorted_sequence must have at least one dim");
  ScalarType common = promote_types(sorted->dtype(), values->dtype());
  Tensor s = contiguous(to_dtype(sorted, common));
  Tensor v = contiguous(to_dtype(values, common));
  int64_t n = sorted->sizes().back();
  int64_t m = values->dim() == 0 ? 1 : values->sizes().back();
  int64_t rows = sorted->dim() == 1 ? 1 : sorted->numel() / std::max<int64_t>(n, 1);
  if (sorted->dim() > 1) {
    Shape lead_s(sorted->sizes().begin(), sorted->sizes().end() - 1);
    Shape lead_v(values->sizes().begin(), values->sizes().end() - 1);
    EMBER_CHECK(values->dim() == sorted->dim() && lead_s == lead_v,
                "searchsorted: boundaries ", shape_str(sorted->sizes()), " and input ",
                shape_str(values->sizes()), " must have the same leading dims");
  }
  Tensor out = TensorImpl::empty(values->sizes(), ScalarType::Int64);
  int64_t total = values->numel();
  int64_t* o = reinterpret_cast<int64_t*>(out->data());
  EMBER_DISPATCH_ALL_TYPES(common, "searchsorted", [&] {
    using M = opmath_t<scalar_t>;
    const scalar_t* sp = reinterpret_cast<const scalar_t*>(s->data());
    const scalar_t* vp = reinterpret_cast<const scalar_t*>(v->data());
    parallel_for(0, total, kGrainSize / 16, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const scalar_t* row = sp + (rows == 1 ? 0 : (i / m) * n);
        M x = static_cast<M>(vp[i]);
        int64_t lo = 0, hi = n;
        while (lo < hi) {
          int64_t mid = (lo + hi) / 2;
          M y = static_cast<M>(row[mid]);
          bool go_right = right ? !nan_aware_less(x, y) : nan_aware_less(y, x);
          if (go_right) lo = mid + 1; else hi = mid;
        }
        o[i] = lo;
      }
    });
  });
  return out;
}

}  // namespace ember
