// SPDX-License-Identifier: BSD-3-Clause
#include "tensor_impl.h"

#include "errors.h"

namespace ember {

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage, int64_t offset,
                       Shape sizes, Shape strides, ScalarType dtype,
                       std::shared_ptr<std::atomic<int64_t>> version)
    : storage_(std::move(storage)),
      offset_(offset),
      sizes_(std::move(sizes)),
      strides_(std::move(strides)),
      numel_(checked_numel(sizes_)),
      dtype_(dtype),
      contiguous_(is_contiguous_layout(sizes_, strides_)),
      version_(version ? std::move(version)
                       : std::make_shared<std::atomic<int64_t>>(0)) {}

Tensor TensorImpl::empty(const Shape& sizes, ScalarType dtype, Device device) {
  int64_t n = checked_numel(sizes);
  int64_t nbytes;
  EMBER_CHECK(!__builtin_mul_overflow(n, static_cast<int64_t>(element_size(dtype)), &nbytes),
              "size ", shape_str(sizes), " of dtype ", scalar_type_name(dtype),
              " is too large: its byte count overflows int64");
  auto storage = Storage::allocate(static_cast<size_t>(nbytes), device);
  return std::make_shared<TensorImpl>(std::move(storage), 0, sizes,
                                      contiguous_strides(sizes), dtype);
}

void TensorImpl::set_data(const TensorImpl& src) {
  storage_ = src.storage_;
  offset_ = src.offset_;
  sizes_ = src.sizes_;
  strides_ = src.strides_;
  numel_ = src.numel_;
  dtype_ = src.dtype_;
  contiguous_ = src.contiguous_;
  view_base = nullptr;
  view_tracks_base = false;
}

Tensor TensorImpl::as_strided(Shape sizes, Shape strides,
                              int64_t offset) const {
  EMBER_CHECK(sizes.size() == strides.size(), "mismatch in length of sizes (",
              sizes.size(), ") and strides (", strides.size(), ")");
  EMBER_CHECK(offset >= 0, "as_strided: negative storage offset ", offset);
  int64_t n = checked_numel(sizes);
  if (n > 0) {
    // The furthest element must lie inside the storage.
    int64_t last = offset;
    for (size_t i = 0; i < sizes.size(); ++i) {
      EMBER_CHECK(strides[i] >= 0, "as_strided: negative strides are not ",
                  "supported, got ", shape_str(strides));
      int64_t reach;
      EMBER_CHECK(!__builtin_mul_overflow(sizes[i] - 1, strides[i], &reach) &&
                      !__builtin_add_overflow(last, reach, &last),
                  "as_strided: sizes ", shape_str(sizes), " and strides ",
                  shape_str(strides), " reach beyond any storage");
    }
    int64_t capacity =
        static_cast<int64_t>(storage_->nbytes() / element_size(dtype_));
    EMBER_CHECK(last < capacity, "setStorage: sizes ", shape_str(sizes),
                ", strides ", shape_str(strides), " and storage offset ",
                offset, " require a storage of ", last + 1,
                " elements, but it has only ", capacity);
  }
  return std::make_shared<TensorImpl>(storage_, offset, std::move(sizes),
                                      std::move(strides), dtype_, version_);
}

bool TensorImpl::has_internal_overlap() const {
  if (numel_ == 0) return false;  // nothing is written
  for (size_t i = 0; i < sizes_.size(); ++i)
    if (strides_[i] == 0 && sizes_[i] > 1) return true;
  return false;
}

std::string describe(const TensorImpl& t) {
  return std::string(scalar_type_name(t.dtype())) + shape_str(t.sizes());
}

}  // namespace ember
