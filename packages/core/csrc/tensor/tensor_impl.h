// SPDX-License-Identifier: BSD-3-Clause
#pragma once
#include <atomic>
#include <memory>

#include "scalar_type.h"
#include "shape.h"
#include "storage.h"

namespace ember {

class TensorImpl;
using Tensor = std::shared_ptr<TensorImpl>;

// A strided view of a Storage. Views share the storage and the version
// counter; every in-place write bumps the counter (autograd checks it).
class TensorImpl {
 public:
  TensorImpl(std::shared_ptr<Storage> storage, int64_t offset, Shape sizes,
             Shape strides, ScalarType dtype,
             std::shared_ptr<std::atomic<int64_t>> version = nullptr);

  // A new, uninitialised, contiguous tensor.
  static Tensor empty(const Shape& sizes, ScalarType dtype,
                      Device device = Device{});
  // A view sharing storage and version counter.
  Tensor as_strided(Shape sizes, Shape strides, int64_t offset) const;
  // Makes this tensor show src's storage and layout (Tensor.data = src,
  // Tensor.set_(src)); keeps its own version counter and autograd flag.
  void set_data(const TensorImpl& src);

  const std::shared_ptr<Storage>& storage() const { return storage_; }
  int64_t offset() const { return offset_; }
  const Shape& sizes() const { return sizes_; }
  const Shape& strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return numel_; }
  ScalarType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  size_t itemsize() const { return element_size(dtype_); }
  bool is_contiguous() const { return contiguous_; }
  char* data() const {
    return static_cast<char*>(storage_->data()) +
           offset_ * static_cast<int64_t>(itemsize());
  }
  int64_t version() const { return version_->load(); }
  void bump_version() { version_->fetch_add(1); }
  const std::shared_ptr<std::atomic<int64_t>>& version_counter() const {
    return version_;
  }
  // True when two elements may share one address (an expanded view):
  // in-place writes into such a tensor are refused.
  bool has_internal_overlap() const;
  // Set for tensors made from Python scalars: they take part in type
  // promotion with lower priority (PyTorch's "wrapped numbers").
  bool is_wrapped_number = false;
  // Set when autograd tracks this tensor; the bindings hand calls that
  // touch such a tensor to autograd (Note [Autograd seam]).
  bool requires_grad = false;
  // For views made from Python: the tensor that owns the storage (never
  // itself a view). Autograd rebases it when the view is written in place;
  // a view made in grad mode of a base that requires grad requires grad.
  Tensor view_base;
  bool view_tracks_base = false;
  bool tracked() const {
    return requires_grad || (view_tracks_base && view_base->requires_grad);
  }

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_;
  Shape sizes_, strides_;
  int64_t numel_;
  ScalarType dtype_;
  bool contiguous_;
  std::shared_ptr<std::atomic<int64_t>> version_;
};

std::string describe(const TensorImpl& t);  // "float32[2, 3]"

}  // namespace ember
