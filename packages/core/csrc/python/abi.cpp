// SPDX-License-Identifier: BSD-3-Clause
// The C ABI table exported as the capsule ember._C._ABI (see abi.h).
#define EMBER_ABI_NO_IMPORT
#include "ember/abi.h"

#include <pybind11/pybind11.h>

#include <map>
#include <mutex>
#include <string>

#include "../tensor/errors.h"
#include "convert.h"

#define EMBER_STR2(x) #x
#define EMBER_STR(x) EMBER_STR2(x)

struct EmberTensor {
  ember::Tensor t;
};

namespace ember {
namespace {

thread_local std::string t_last_error;

// Runs fn; a C++ exception becomes -1 and the thread's last error.
template <typename F>
int guarded(F fn) {
  try {
    fn();
    return 0;
  } catch (const std::exception& e) {
    t_last_error = e.what();
  } catch (...) {
    t_last_error = "unknown error";
  }
  return -1;
}

int abi_major() { return EMBER_ABI_MAJOR; }
int abi_feature() { return EMBER_ABI_FEATURE; }
const char* core_version() { return EMBER_STR(EMBER_VERSION); }
const char* last_error() { return t_last_error.c_str(); }
void set_error(const char* msg) { t_last_error = msg ? msg : ""; }

ScalarType from_dtype(EmberDType d) {
  EMBER_CHECK_TYPE(d.lanes == 1, "vector dtypes (lanes=", d.lanes, ") are not supported");
  switch (d.code) {
    case EMBER_TYPE_BOOL: if (d.bits == 8) return ScalarType::Bool; break;
    case EMBER_TYPE_UINT: if (d.bits == 8) return ScalarType::UInt8; break;
    case EMBER_TYPE_INT:
      if (d.bits == 8) return ScalarType::Int8;
      if (d.bits == 16) return ScalarType::Int16;
      if (d.bits == 32) return ScalarType::Int32;
      if (d.bits == 64) return ScalarType::Int64;
      break;
    case EMBER_TYPE_FLOAT:
      if (d.bits == 16) return ScalarType::Float16;
      if (d.bits == 32) return ScalarType::Float32;
      if (d.bits == 64) return ScalarType::Float64;
      break;
    case EMBER_TYPE_BFLOAT: if (d.bits == 16) return ScalarType::BFloat16; break;
  }
  EMBER_CHECK_TYPE(false, "unsupported dtype code ", int(d.code), " with ", int(d.bits), " bits");
}

EmberDType to_dtype_code(ScalarType t) {
  uint8_t bits = static_cast<uint8_t>(element_size(t) * 8);
  switch (t) {
    case ScalarType::Bool: return {EMBER_TYPE_BOOL, 8, 1};
    case ScalarType::UInt8: return {EMBER_TYPE_UINT, 8, 1};
    case ScalarType::Float16: case ScalarType::Float32: case ScalarType::Float64:
      return {EMBER_TYPE_FLOAT, bits, 1};
    case ScalarType::BFloat16: return {EMBER_TYPE_BFLOAT, 16, 1};
    default: return {EMBER_TYPE_INT, bits, 1};
  }
}

Device to_device(int32_t type, int32_t id) {
  EMBER_CHECK(type == EMBER_DEVICE_CPU, "device type ", type,
              " is not available in this build of ember-core");
  return Device{DeviceType::CPU, id > 0 ? id : -1};
}

int tensor_from_pyobject(PyObject* obj, EmberTensor** out) {
  return guarded([&] {
    py::gil_scoped_acquire gil;
    py::handle h(obj);
    EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(h), "expected an ember.Tensor");
    *out = new EmberTensor{h.cast<Tensor>()};
  });
}

PyObject* tensor_to_pyobject(EmberTensor* t) {
  PyObject* result = nullptr;
  int rc = guarded([&] {
    py::gil_scoped_acquire gil;
    result = py::cast(t->t).release().ptr();
  });
  return rc == 0 ? result : nullptr;
}

void tensor_release(EmberTensor* t) { delete t; }

int tensor_view(EmberTensor* h, EmberTensorView* v) {
  return guarded([&] {
    const TensorImpl& t = *h->t;
    v->data = t.data();
    v->device_type = EMBER_DEVICE_CPU;
    v->device_id = 0;
    v->ndim = static_cast<int32_t>(t.dim());
    v->dtype = to_dtype_code(t.dtype());
    v->shape = t.sizes().data();
    v->strides = t.strides().data();
  });
}

int tensor_empty(int32_t ndim, const int64_t* shape, EmberDType dtype,
                 int32_t device_type, int32_t device_id, EmberTensor** out) {
  return guarded([&] {
    EMBER_CHECK_VALUE(ndim >= 0 && (ndim == 0 || shape), "tensor_empty: bad shape");
    Shape s(shape, shape + ndim);
    *out = new EmberTensor{TensorImpl::empty(s, from_dtype(dtype), to_device(device_type, device_id))};
  });
}

int tensor_from_blob(void* data, int32_t ndim, const int64_t* shape,
                     const int64_t* strides, EmberDType dtype,
                     int32_t device_type, int32_t device_id,
                     EmberDeleter deleter, void* ctx, EmberTensor** out) {
  return guarded([&] {
    EMBER_CHECK_VALUE(ndim >= 0 && (ndim == 0 || shape), "tensor_from_blob: bad shape");
    ScalarType st = from_dtype(dtype);
    Shape s(shape, shape + ndim);
    Shape str = strides ? Shape(strides, strides + ndim) : contiguous_strides(s);
    int64_t extent = checked_numel(s) == 0 ? 0 : 1;
    for (int32_t i = 0; i < ndim && extent; ++i) {
      EMBER_CHECK_VALUE(str[i] >= 0, "tensor_from_blob: negative stride");
      extent += (s[i] - 1) * str[i];
    }
    Storage::Deleter del;
    if (deleter) del = [deleter, ctx](void* p) { deleter(p, ctx); };
    auto storage = Storage::wrap(data, static_cast<size_t>(extent) * element_size(st),
                                 to_device(device_type, device_id), std::move(del));
    *out = new EmberTensor{std::make_shared<TensorImpl>(std::move(storage), 0, s, str, st)};
  });
}

int cuda_current_stream(int32_t, void**) {
  t_last_error = "ember-core was built without CUDA";
  return -1;
}

struct KernelRegistry {
  std::mutex mu;
  std::map<std::pair<std::string, int32_t>, EmberKernel> kernels;
};
KernelRegistry& registry() {
  static auto* r = new KernelRegistry();
  return *r;
}

int register_kernel(const char* op_name, int32_t device_type, EmberKernel k) {
  return guarded([&] {
    EMBER_CHECK_VALUE(op_name && *op_name && k, "register_kernel: empty name or kernel");
    std::lock_guard<std::mutex> lock(registry().mu);
    registry().kernels[{op_name, device_type}] = k;
  });
}

const EmberCoreAPI kApi = {
    abi_major,        abi_feature,          core_version,     last_error,
    set_error,        tensor_from_pyobject, tensor_to_pyobject, tensor_release,
    tensor_view,      tensor_empty,         tensor_from_blob, cuda_current_stream,
    register_kernel,
};

// Calls the kernel an extension registered for (name, device of inputs).
Tensor call_registered(const std::string& name, std::vector<Tensor> inputs) {
  EmberKernel k = nullptr;
  {
    std::lock_guard<std::mutex> lock(registry().mu);
    auto it = registry().kernels.find({name, EMBER_DEVICE_CPU});
    EMBER_CHECK(it != registry().kernels.end(), "no kernel registered for op '",
                name, "' on device cpu");
    k = it->second;
  }
  std::vector<EmberTensor> handles;
  for (auto& t : inputs) handles.push_back(EmberTensor{t});
  std::vector<EmberTensor*> ptrs;
  for (auto& h : handles) ptrs.push_back(&h);
  EmberTensor* out = nullptr;
  t_last_error.clear();
  int rc = k(ptrs.data(), static_cast<int>(ptrs.size()), &out);
  Tensor result = out ? out->t : nullptr;
  delete out;
  EMBER_CHECK(rc == 0, "kernel for '", name, "' failed: ",
              t_last_error.empty() ? "(no message set)" : t_last_error);
  EMBER_CHECK(result != nullptr, "kernel for '", name, "' returned no tensor");
  return result;
}

}  // namespace

void bind_abi(py::module_& m) {
  m.attr("_ABI") = py::capsule(static_cast<const void*>(&kApi), EMBER_ABI_CAPSULE_NAME);
  m.attr("__abi_version__") = py::make_tuple(EMBER_ABI_MAJOR, EMBER_ABI_FEATURE);
  m.def("_call_registered", &call_registered);
  m.def("_registered_kernels", [] {
    std::lock_guard<std::mutex> lock(registry().mu);
    py::list names;
    for (auto& kv : registry().kernels) names.append(kv.first.first);
    return names;
  });
}

}  // namespace ember
