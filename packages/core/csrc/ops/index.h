// SPDX-License-Identifier: BSD-3-Clause
// Indexing primitives. Every indexing op (advanced indexing, index_select,
// gather, scatter, take, masked_*) is expressed by the Python front as
// element offsets into a tensor's storage, then runs through these two
// kernels, which check every offset against the storage before any access.
#pragma once
#include "../tensor/tensor_impl.h"

namespace ember {

enum class PutMode { assign = 0, add, multiply, amax, amin };

// out[i...] = element at src->data() + offsets[i...] elements.
Tensor take_offsets(const Tensor& src, const Tensor& offsets);
// dst element at offsets[i...] (relative to dst->data()) <- values[i...],
// combined by `mode`; values broadcast to offsets' shape, dst's dtype.
void put_offsets_(const Tensor& dst, const Tensor& offsets, const Tensor& values,
                  PutMode mode);
// Whole slices along `dim`, the fast path of index_select and x[idx]:
// out.select(dim, i) = src.select(dim, index[i]); index is 1-D int64 with
// values in [-size, size).
Tensor index_select(const Tensor& src, int64_t dim, const Tensor& index);
// dst.select(dim, index[i]) += alpha * src.select(dim, i), in index order.
void index_add_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src,
                double alpha);
// Indices of nonzero elements as int64 [count, ndim].
Tensor nonzero(const Tensor& t);

}  // namespace ember
