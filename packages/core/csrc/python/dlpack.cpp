// SPDX-License-Identifier: BSD-3-Clause
// DLPack exchange (zero-copy) with NumPy, PyTorch and any other producer or
// consumer. The structs below follow the DLPack C ABI (v0.8 "dltensor" and
// v1 "dltensor_versioned" capsules).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../tensor/errors.h"
#include "convert.h"

namespace ember {
namespace {

struct DLDevice { int32_t device_type; int32_t device_id; };
struct DLDataType { uint8_t code; uint8_t bits; uint16_t lanes; };
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor*);
};
struct DLPackVersion { uint32_t major; uint32_t minor; };
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned*);
  uint64_t flags;
  DLTensor dl_tensor;
};

DLDataType dl_type(ScalarType t) {
  uint8_t bits = static_cast<uint8_t>(element_size(t) * 8);
  switch (t) {
    case ScalarType::Bool: return {6, 8, 1};
    case ScalarType::UInt8: return {1, 8, 1};
    case ScalarType::Float16: case ScalarType::Float32: case ScalarType::Float64:
      return {2, bits, 1};
    case ScalarType::BFloat16: return {4, 16, 1};
    default: return {0, bits, 1};
  }
}

ScalarType from_dl_type(DLDataType d) {
  EMBER_CHECK_TYPE(d.lanes == 1, "DLPack: vector types are not supported");
  for (int i = 0; i < kNumScalarTypes; ++i) {
    DLDataType c = dl_type(static_cast<ScalarType>(i));
    if (c.code == d.code && c.bits == d.bits) return static_cast<ScalarType>(i);
  }
  EMBER_CHECK_TYPE(false, "DLPack: unsupported data type code ", int(d.code),
                   " with ", int(d.bits), " bits");
}

// Keeps the tensor (and so its storage) alive while a consumer holds it.
struct Context {
  Tensor t;
  Shape shape, strides;
};

template <typename Managed>
void fill(Managed* m, const Tensor& t) {
  auto* ctx = new Context{t, t->sizes(), t->strides()};
  m->manager_ctx = ctx;
  DLTensor& d = m->dl_tensor;
  d.data = t->data();
  d.device = {1, 0};
  d.ndim = static_cast<int32_t>(t->dim());
  d.dtype = dl_type(t->dtype());
  d.shape = ctx->shape.data();
  d.strides = ctx->strides.data();
  d.byte_offset = 0;
}

py::capsule export_tensor(const Tensor& t, bool versioned) {
  if (versioned) {
    auto* m = new DLManagedTensorVersioned();
    m->version = {1, 0};
    m->flags = 0;
    fill(m, t);
    m->deleter = [](DLManagedTensorVersioned* self) {
      delete static_cast<Context*>(self->manager_ctx);
      delete self;
    };
    return py::capsule(m, "dltensor_versioned", [](PyObject* cap) {
      // Deletes only if no consumer took ownership (renamed the capsule).
      if (PyCapsule_IsValid(cap, "dltensor_versioned")) {
        auto* m = static_cast<DLManagedTensorVersioned*>(
            PyCapsule_GetPointer(cap, "dltensor_versioned"));
        if (m && m->deleter) m->deleter(m);
      }
    });
  }
  auto* m = new DLManagedTensor();
  fill(m, t);
  m->deleter = [](DLManagedTensor* self) {
    delete static_cast<Context*>(self->manager_ctx);
    delete self;
  };
  return py::capsule(m, "dltensor", [](PyObject* cap) {
    if (PyCapsule_IsValid(cap, "dltensor")) {
      auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
      if (m && m->deleter) m->deleter(m);
    }
  });
}

template <typename Managed>
Tensor wrap_managed(Managed* m) {
  const DLTensor& d = m->dl_tensor;
  EMBER_CHECK(d.device.device_type == 1, "DLPack: only CPU tensors can be "
              "imported by this build, got device type ", d.device.device_type);
  ScalarType st = from_dl_type(d.dtype);
  Shape shape(d.shape, d.shape + d.ndim);
  Shape strides = d.strides ? Shape(d.strides, d.strides + d.ndim) : contiguous_strides(shape);
  int64_t extent = checked_numel(shape) == 0 ? 0 : 1;
  for (int32_t i = 0; i < d.ndim && extent; ++i) {
    EMBER_CHECK_VALUE(strides[i] >= 0, "DLPack: negative strides are not supported");
    extent += (shape[i] - 1) * strides[i];
  }
  char* data = static_cast<char*>(d.data) + d.byte_offset;
  auto storage = Storage::wrap(data, static_cast<size_t>(extent) * element_size(st), Device{},
                               [m](void*) { if (m->deleter) m->deleter(m); });
  return std::make_shared<TensorImpl>(std::move(storage), 0, shape, strides, st);
}

Tensor import_capsule(py::capsule cap) {
  PyObject* c = cap.ptr();
  if (PyCapsule_IsValid(c, "dltensor_versioned")) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(c, "dltensor_versioned"));
    EMBER_CHECK(m->version.major == 1, "DLPack: unsupported major version ", m->version.major);
    Tensor t = wrap_managed(m);
    PyCapsule_SetName(c, "used_dltensor_versioned");
    return t;
  }
  EMBER_CHECK(PyCapsule_IsValid(c, "dltensor"), "from_dlpack: expected a "
              "DLPack capsule that has not been consumed yet");
  auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
  Tensor t = wrap_managed(m);
  PyCapsule_SetName(c, "used_dltensor");
  return t;
}

}  // namespace

void bind_dlpack(py::module_& m) {
  m.def("to_dlpack", &export_tensor, py::arg("tensor"), py::arg("versioned") = false);
  m.def("from_dlpack_capsule", &import_capsule, py::arg("capsule"));
}

}  // namespace ember
