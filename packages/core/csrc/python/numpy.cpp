// SPDX-License-Identifier: BSD-3-Clause
// Zero-copy exchange with NumPy in both directions.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "../tensor/errors.h"
#include "convert.h"

namespace ember {
namespace {

// NumPy's type characters for each ScalarType; bfloat16 has none.
const char* numpy_type_str(ScalarType t) {
  static const char* names[] = {"?", "u1", "i1", "i2", "i4", "i8", "f2", nullptr, "f4", "f8"};
  return names[static_cast<int>(t)];
}

ScalarType from_numpy_dtype(const py::dtype& dt) {
  char kind = dt.kind();
  size_t size = static_cast<size_t>(dt.itemsize());
  for (int i = 0; i < kNumScalarTypes; ++i) {
    ScalarType t = static_cast<ScalarType>(i);
    const char* s = numpy_type_str(t);
    if (!s) continue;
    if (s[0] == '?' ? kind == 'b' : (kind == s[0] && size == element_size(t)))
      return t;
  }
  EMBER_CHECK_TYPE(false, "can't convert np.ndarray of type ",
                   py::str(dt).cast<std::string>(),
                   ". The only supported types are: float64, float32, "
                   "float16, int64, int32, int16, int8, uint8, and bool.");
}

Tensor from_numpy(py::array arr) {
  ScalarType dtype = from_numpy_dtype(arr.dtype());
  EMBER_CHECK_VALUE(arr.dtype().attr("byteorder").cast<std::string>() != ">",
                    "given numpy array has byte order different from the "
                    "native byte order. Conversion between byte orders is "
                    "currently not supported.");
  if (!arr.writeable()) {
    // as PyTorch: shared anyway, with a warning (writing would change
    // memory numpy promised not to change)
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "The given NumPy array is not writable, and ember does not "
                     "support non-writable tensors. Writing to the tensor is "
                     "undefined; copy the array first (array.copy()) to write.",
                     1) < 0)
      throw py::error_already_set();
  }
  int64_t item = static_cast<int64_t>(element_size(dtype));
  Shape sizes, strides;
  int64_t extent = 1;  // elements from data() to one past the last
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) {
    int64_t st = arr.strides(i);
    EMBER_CHECK_VALUE(st >= 0, "At least one stride in the given numpy array "
                      "is negative, and tensors with negative strides are not "
                      "currently supported. (You can probably work around "
                      "this by making a copy of your array with array.copy().)");
    EMBER_CHECK_VALUE(st % item == 0, "given numpy array strides not a "
                      "multiple of the element byte size. Copy the numpy "
                      "array to reallocate the memory.");
    sizes.push_back(arr.shape(i));
    strides.push_back(st / item);
    if (arr.shape(i) == 0) extent = 0;
  }
  if (extent != 0)
    for (size_t i = 0; i < sizes.size(); ++i) extent += (sizes[i] - 1) * strides[i];
  // The storage keeps the array alive; the deleter drops it under the GIL.
  auto* keep = new py::object(arr);
  auto storage = Storage::wrap(
      const_cast<void*>(arr.data()), static_cast<size_t>(extent * item), Device{},
      [keep](void*) {
        py::gil_scoped_acquire gil;
        delete keep;
      });
  return std::make_shared<TensorImpl>(std::move(storage), 0, sizes, strides, dtype);
}

py::array to_numpy(const Tensor& t) {
  EMBER_CHECK(t->device().type == DeviceType::CPU, "can't convert ",
              t->device().str(), " tensor to numpy. Use Tensor.cpu() to copy "
              "the tensor to host memory first.");
  const char* type = numpy_type_str(t->dtype());
  EMBER_CHECK_TYPE(type != nullptr, "Got unsupported ScalarType ",
                   scalar_type_torch_name(t->dtype()), " for numpy(); convert "
                   "with .float() first");
  std::vector<py::ssize_t> shape(t->sizes().begin(), t->sizes().end());
  std::vector<py::ssize_t> strides;
  for (int64_t s : t->strides()) strides.push_back(s * static_cast<int64_t>(t->itemsize()));
  // The base capsule holds the storage, so the memory outlives the tensor.
  auto* hold = new std::shared_ptr<Storage>(t->storage());
  py::capsule base(hold, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return py::array(py::dtype(type), shape, strides, t->data(), base);
}

}  // namespace

void bind_numpy(py::module_& m) {
  m.def("from_numpy", &from_numpy, py::arg("ndarray"));
  m.def("to_numpy", &to_numpy, py::arg("tensor"));
}

}  // namespace ember
