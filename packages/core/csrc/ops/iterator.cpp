// SPDX-License-Identifier: BSD-3-Clause
#include "iterator.h"

#include <algorithm>
#include <utility>

#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"

namespace ember {
namespace {

constexpr int kMaxOperands = 4;

struct Layout {
  int nops = 0;
  int64_t item[kMaxOperands];  // element size of each operand
  int64_t ndim = 0;
  Shape sizes;                                // dims, innermost first
  std::vector<int64_t> strides[kMaxOperands];  // bytes, innermost first
  char* data[kMaxOperands];
};

// Strides (bytes) of `t` seen with the broadcast `shape`, outermost first.
Shape broadcast_byte_strides(const TensorImpl& t, const Shape& shape) {
  Shape s(shape.size(), 0);
  size_t off = shape.size() - t.sizes().size();
  int64_t item = static_cast<int64_t>(t.itemsize());
  for (size_t i = 0; i < t.sizes().size(); ++i)
    s[off + i] = t.sizes()[i] == 1 ? 0 : t.strides()[i] * item;
  return s;
}

// Orders dims from innermost to outermost by the operands' strides, the
// first operand with a preference deciding (PyTorch's rule).
std::vector<int64_t> memory_order(const Shape& shape,
                                  const std::vector<Shape>& strides) {
  int64_t nd = static_cast<int64_t>(shape.size());
  std::vector<int64_t> perm(nd);
  for (int64_t i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
  auto should_swap = [&](int64_t d0, int64_t d1) {
    for (const Shape& s : strides) {
      int64_t a = s[d0], b = s[d1];
      if (a == 0 || b == 0) continue;
      if (a != b) return a > b;  // d0 is outer to d1 in this operand
    }
    return false;
  };
  // insertion sort: stable, and n is tiny
  for (int64_t i = 1; i < nd; ++i) {
    for (int64_t j = i; j > 0; --j) {
      if (!should_swap(perm[j - 1], perm[j])) break;
      std::swap(perm[j - 1], perm[j]);
    }
  }
  return perm;
}

// True when some operand walks the inner dim with a large stride but the
// outer dim contiguously (a transposed operand): then tiles keep both
// operands' cache lines hot.
bool wants_tiles(const Layout& L) {
  if (L.ndim != 2 || L.sizes[0] < 64 || L.sizes[1] < 64) return false;
  for (int k = 0; k < L.nops; ++k)
    if (L.strides[k][1] == L.item[k] && L.strides[k][0] > 8 * L.item[k]) return true;
  return false;
}

void run_tiled(const Layout& L, LoopFn loop, const double* params) {
  constexpr int64_t kTile = 64;
  int64_t n0 = L.sizes[0], n1 = L.sizes[1];
  int64_t tiles1 = (n1 + kTile - 1) / kTile;
  parallel_for(0, tiles1, std::max<int64_t>(1, kGrainSize / (kTile * n0)),
               [&](int64_t b, int64_t e) {
    char* ptrs[kMaxOperands];
    int64_t inner[kMaxOperands];
    for (int k = 0; k < L.nops; ++k) inner[k] = L.strides[k][0];
    for (int64_t t1 = b; t1 < e; ++t1) {
      int64_t j1 = std::min(n1, (t1 + 1) * kTile);
      for (int64_t i0 = 0; i0 < n0; i0 += kTile) {
        int64_t len = std::min(kTile, n0 - i0);
        for (int64_t j = t1 * kTile; j < j1; ++j) {
          for (int k = 0; k < L.nops; ++k)
            ptrs[k] = L.data[k] + i0 * L.strides[k][0] + j * L.strides[k][1];
          loop(ptrs, inner, len, params);
        }
      }
    }
  });
}

void run_layout(const Layout& L, LoopFn loop, const double* params,
                int64_t numel) {
  if (numel == 0) return;
  if (wants_tiles(L)) {
    run_tiled(L, loop, params);
    return;
  }
  auto range = [&](int64_t begin, int64_t end) {
    int64_t idx[64];
    int64_t rem = begin;
    for (int64_t d = 0; d < L.ndim; ++d) {
      idx[d] = rem % L.sizes[d];
      rem /= L.sizes[d];
    }
    char* ptrs[kMaxOperands];
    int64_t inner[kMaxOperands];
    for (int k = 0; k < L.nops; ++k) inner[k] = L.strides[k][0];
    while (begin < end) {
      int64_t n = std::min(L.sizes[0] - idx[0], end - begin);
      for (int k = 0; k < L.nops; ++k) {
        char* p = L.data[k];
        for (int64_t d = 0; d < L.ndim; ++d) p += idx[d] * L.strides[k][d];
        ptrs[k] = p;
      }
      loop(ptrs, inner, n, params);
      begin += n;
      idx[0] += n;
      for (int64_t d = 0; d + 1 < L.ndim && idx[d] == L.sizes[d]; ++d) {
        idx[d] = 0;
        ++idx[d + 1];
      }
    }
  };
  if (numel < kGrainSize) {
    range(0, numel);
  } else {
    parallel_for(0, numel, kGrainSize, range);
  }
}

// [first, last] byte addresses a tensor can touch.
std::pair<const char*, const char*> byte_range(const TensorImpl& t) {
  const char* first = t.data();
  int64_t span = 0;
  for (size_t i = 0; i < t.sizes().size(); ++i)
    span += (t.sizes()[i] - 1) * t.strides()[i];
  return {first, first + span * static_cast<int64_t>(t.itemsize()) +
                     static_cast<int64_t>(t.itemsize()) - 1};
}

// An input that shares memory with the output must be the very same view;
// a shifted or transposed alias would read values the loop already wrote.
void check_no_partial_overlap(const TensorImpl& out, const TensorImpl& in) {
  if (out.numel() == 0 || in.numel() == 0) return;
  if (out.storage()->data() != in.storage()->data()) return;
  auto a = byte_range(out), b = byte_range(in);
  if (a.second < b.first || b.second < a.first) return;
  bool same = out.data() == in.data() && out.strides() == in.strides() &&
              out.sizes() == in.sizes() && out.dtype() == in.dtype();
  EMBER_CHECK(same, "unsupported operation: some elements of the input tensor "
              "and the written-to tensor refer to a single memory location "
              "(input ", describe(in), ", output ", describe(out),
              "). Please clone() the tensor before performing the operation.");
}

}  // namespace

void check_output(const TensorImpl& out, const Shape& expected,
                  const char* op_name) {
  EMBER_CHECK(out.sizes() == expected, op_name, ": the output (out=) has shape ",
              shape_str(out.sizes()), " but the result has shape ",
              shape_str(expected));
  EMBER_CHECK(!out.has_internal_overlap(),
              "unsupported operation: more than one element of the written-to "
              "tensor refers to a single memory location (", op_name,
              " into an expanded tensor of shape ", shape_str(out.sizes()),
              "). Please clone() the tensor before performing the operation.");
}

Tensor run_elementwise(Tensor out, ScalarType out_dtype,
                       const std::vector<const TensorImpl*>& inputs,
                       LoopFn loop, const double* params) {
  EMBER_INTERNAL_ASSERT(inputs.size() + 1 <= kMaxOperands);
  Shape shape = out ? out->sizes() : Shape{};
  if (!out) {
    for (const TensorImpl* t : inputs) shape = broadcast_shapes(shape, t->sizes());
  }
  EMBER_CHECK(shape.size() < 64, "tensors of more than 63 dims are not supported");
  if (out)
    for (const TensorImpl* t : inputs) check_no_partial_overlap(*out, *t);
  int64_t numel = checked_numel(shape);

  // Fast path: every operand is contiguous with the full shape.
  bool all_dense = true;
  for (const TensorImpl* t : inputs)
    all_dense &= t->is_contiguous() && t->sizes() == shape;
  if (all_dense && (!out || out->is_contiguous())) {
    if (!out) out = TensorImpl::empty(shape, out_dtype);
    Layout L;
    L.nops = static_cast<int>(inputs.size()) + 1;
    L.ndim = 1;
    L.sizes = {numel};
    L.data[0] = out->data();
    L.item[0] = static_cast<int64_t>(out->itemsize());
    L.strides[0] = {static_cast<int64_t>(out->itemsize())};
    for (size_t k = 0; k < inputs.size(); ++k) {
      L.item[k + 1] = static_cast<int64_t>(inputs[k]->itemsize());
      L.data[k + 1] = inputs[k]->data();
      L.strides[k + 1] = {static_cast<int64_t>(inputs[k]->itemsize())};
    }
    run_layout(L, loop, params, numel);
    return out;
  }

  std::vector<Shape> in_strides;
  for (const TensorImpl* t : inputs)
    in_strides.push_back(broadcast_byte_strides(*t, shape));
  std::vector<int64_t> perm;
  if (!out) {
    // Allocate the output dense in the inputs' memory order.
    perm = memory_order(shape, in_strides);
    Shape strides(shape.size());
    int64_t acc = 1;
    for (int64_t d : perm) {
      strides[d] = acc;
      acc *= std::max<int64_t>(shape[d], 1);
    }
    auto storage = Storage::allocate(
        static_cast<size_t>(numel) * element_size(out_dtype), Device{});
    out = std::make_shared<TensorImpl>(std::move(storage), 0, shape, strides,
                                       out_dtype);
  }
  std::vector<Shape> all_strides;
  all_strides.push_back(broadcast_byte_strides(*out, shape));
  for (auto& s : in_strides) all_strides.push_back(std::move(s));
  perm = memory_order(shape, all_strides);

  // Coalesce adjacent dims (innermost first) that are contiguous with each
  // other in every operand; drop size-1 dims.
  Layout L;
  L.nops = static_cast<int>(all_strides.size());
  L.data[0] = out->data();
  L.item[0] = static_cast<int64_t>(out->itemsize());
  for (size_t k = 0; k < inputs.size(); ++k) {
    L.data[k + 1] = inputs[k]->data();
    L.item[k + 1] = static_cast<int64_t>(inputs[k]->itemsize());
  }
  for (int64_t d : perm) {
    if (shape[d] == 1) continue;
    bool merge = !L.sizes.empty();
    for (int k = 0; merge && k < L.nops; ++k)
      merge = all_strides[k][d] == L.strides[k].back() * L.sizes.back();
    if (merge) {
      L.sizes.back() *= shape[d];
    } else {
      L.sizes.push_back(shape[d]);
      for (int k = 0; k < L.nops; ++k) L.strides[k].push_back(all_strides[k][d]);
    }
  }
  if (L.sizes.empty()) {
    L.sizes.push_back(1);
    for (int k = 0; k < L.nops; ++k) L.strides[k].push_back(0);
  }
  L.ndim = static_cast<int64_t>(L.sizes.size());
  run_layout(L, loop, params, numel);
  return out;
}

}  // namespace ember
