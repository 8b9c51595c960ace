// SPDX-License-Identifier: BSD-3-Clause
#include "convert.h"

#include <climits>

#include "../ops/elementwise.h"
#include "../tensor/errors.h"

namespace ember {
namespace {
py::object* g_dtypes[kNumScalarTypes] = {};

Tensor wrap_int(int64_t v) {
  Tensor t = TensorImpl::empty({}, ScalarType::Int64);
  *reinterpret_cast<int64_t*>(t->data()) = v;
  t->is_wrapped_number = true;
  return t;
}
}  // namespace

Tensor as_operand(py::handle h) {
  if (py::isinstance<TensorImpl>(h)) return h.cast<Tensor>();
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) {
    Tensor t = TensorImpl::empty({}, ScalarType::Bool);
    *reinterpret_cast<bool*>(t->data()) = (o == Py_True);
    t->is_wrapped_number = true;
    return t;
  }
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    EMBER_CHECK(overflow == 0, "value cannot be converted to type int64 "
                "without overflow: ", py::str(h).cast<std::string>());
    return wrap_int(v);
  }
  if (PyFloat_Check(o)) return wrap_scalar(PyFloat_AS_DOUBLE(o), ScalarType::Float64);
  // numpy scalars and 0-d arrays: their Python value
  if (py::hasattr(h, "dtype") && py::hasattr(h, "item") &&
      py::hasattr(h, "ndim") && h.attr("ndim").cast<int>() == 0) {
    py::object v = h.attr("item")();
    if (PyBool_Check(v.ptr()) || PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr()))
      return as_operand(v);
  }
  if (PyIndex_Check(o)) return wrap_int(h.cast<int64_t>());
  return nullptr;
}

Tensor as_operand_or_throw(py::handle h, const char* op_name) {
  Tensor t = as_operand(h);
  EMBER_CHECK_TYPE(t != nullptr, op_name, "(): expected a Tensor or a Python "
                   "number, but got ", py::str(py::type::of(h).attr("__name__")).cast<std::string>());
  return t;
}

py::object dtype_object(ScalarType t) {
  py::object* o = g_dtypes[static_cast<int>(t)];
  EMBER_INTERNAL_ASSERT(o != nullptr);
  return *o;
}

ScalarType dtype_from_object(py::handle h) {
  for (int i = 0; i < kNumScalarTypes; ++i)
    if (g_dtypes[i] && g_dtypes[i]->ptr() == h.ptr()) return static_cast<ScalarType>(i);
  EMBER_CHECK_TYPE(false, "expected an ember.dtype, got ",
                   py::repr(h).cast<std::string>());
}

void register_dtypes(py::list objs) {
  EMBER_CHECK(static_cast<int>(objs.size()) == kNumScalarTypes,
              "expected ", kNumScalarTypes, " dtypes");
  for (int i = 0; i < kNumScalarTypes; ++i) {
    delete g_dtypes[i];
    g_dtypes[i] = new py::object(objs[i]);
  }
}

}  // namespace ember
