// SPDX-License-Identifier: BSD-3-Clause
// The Tensor class: layout, views, copies and operators. Methods that need
// no speed live in the Python front (ember/_tensor.py).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../cpu/kernels/kernel_table.h"
#include "../ops/elementwise.h"
#include "../ops/matmul.h"
#include "../tensor/errors.h"
#include "autograd_seam.h"
#include "graph_record.h"
#include "convert.h"

namespace ember {

void register_dtypes(py::list objs);

namespace {

py::tuple to_tuple(const Shape& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  return t;
}

py::object item(const TensorImpl& t) {
  EMBER_CHECK(t.numel() == 1, "a Tensor with ", t.numel(),
              " elements cannot be converted to Scalar");
  const char* p = t.data();
  switch (t.dtype()) {
    case ScalarType::Bool: return py::bool_(*reinterpret_cast<const bool*>(p));
    case ScalarType::Float16: return py::float_(static_cast<float>(*reinterpret_cast<const Half*>(p)));
    case ScalarType::BFloat16: return py::float_(static_cast<float>(*reinterpret_cast<const BFloat16*>(p)));
    case ScalarType::Float32: return py::float_(*reinterpret_cast<const float*>(p));
    case ScalarType::Float64: return py::float_(*reinterpret_cast<const double*>(p));
    default:
      return EMBER_DISPATCH_ALL_TYPES(t.dtype(), "item", [&]() -> py::object {
        return py::int_(static_cast<int64_t>(*reinterpret_cast<const scalar_t*>(p)));
      });
  }
}

using BinaryMethod = py::object (*)(const Tensor&, py::handle);

template <BinaryOp op>
py::object forward_op(const Tensor& self, py::handle other) {
  Tensor o = as_operand(other);
  if (!o) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  if (autograd_wants(self, o)) {
    if (py::object r = native_record_binary(static_cast<int>(op), py::cast(self), other, self, o)) return r;
    return autograd_call("binary", static_cast<int>(op), self, other, py::none());
  }
  return py::cast(binary(op, self, o, nullptr));
}
template <BinaryOp op>
py::object reflected_op(const Tensor& self, py::handle other) {
  Tensor o = as_operand(other);
  if (!o) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  if (autograd_wants(self, o)) {
    if (py::object r = native_record_binary(static_cast<int>(op), other, py::cast(self), o, self)) return r;
    return autograd_call("binary", static_cast<int>(op), other, self, py::none());
  }
  return py::cast(binary(op, o, self, nullptr));
}
template <BinaryOp op>
py::object inplace_op(const Tensor& self, py::handle other) {
  Tensor o = as_operand(other);
  if (!o) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  if (autograd_wants(self, o)) {
    autograd_call("binary", static_cast<int>(op), self, other, self);
    return py::cast(self);
  }
  binary(op, self, o, self);
  return py::cast(self);
}

// unary(op, t) through the seam (Note [Autograd seam]).
template <UnaryOp op>
py::object unary_method(const Tensor& t) {
  if (autograd_wants(t)) {
    if (py::object r = native_record_unary(static_cast<int>(op), py::cast(t), t, {})) return r;
    return autograd_call("unary", static_cast<int>(op), t, py::none(), std::vector<double>{});
  }
  return py::cast(unary(op, t, nullptr));
}

// The same bytes seen as another dtype (Tensor.view(dtype)). A different
// element size rescales the last dim, which must then be contiguous.
Tensor view_as_dtype(const Tensor& t, ScalarType dtype) {
  int64_t from = static_cast<int64_t>(t->itemsize());
  int64_t to = static_cast<int64_t>(element_size(dtype));
  Shape sizes = t->sizes(), strides = t->strides();
  int64_t offset_bytes = t->offset() * from;
  if (from != to) {
    EMBER_CHECK(t->dim() > 0 && strides.back() == 1,
                "self.stride(-1) must be 1 to view ", scalar_type_name(t->dtype()),
                " as ", scalar_type_name(dtype), " (different element size), but got ",
                describe(*t), " with strides ", shape_str(strides));
    int64_t last_bytes = sizes.back() * from;
    EMBER_CHECK(last_bytes % to == 0 && offset_bytes % to == 0,
                "self.size(-1) * ", from, " must be divisible by ", to, " to view ",
                scalar_type_name(t->dtype()), " as ", scalar_type_name(dtype),
                " (and so must the storage offset in bytes)");
    for (size_t i = 0; i + 1 < strides.size(); ++i) {
      EMBER_CHECK((strides[i] * from) % to == 0, "view(dtype): stride ", strides[i],
                  " of dim ", i, " is not a whole number of ", scalar_type_name(dtype),
                  " elements");
      strides[i] = strides[i] * from / to;
    }
    sizes.back() = last_bytes / to;
  }
  return std::make_shared<TensorImpl>(t->storage(), offset_bytes / to, sizes, strides,
                                      dtype, t->version_counter());
}

// The whole storage of t as a 1-D uint8 tensor (offset 0).
Tensor storage_bytes(const Tensor& t) {
  int64_t n = static_cast<int64_t>(t->storage()->nbytes());
  return std::make_shared<TensorImpl>(t->storage(), 0, Shape{n}, Shape{1},
                                      ScalarType::UInt8, t->version_counter());
}

}  // namespace

void bind_tensor(py::module_& m) {
  m.def("view_as_dtype", [](const Tensor& t, py::handle dtype) {
    return view_as_dtype(t, dtype_from_object(dtype));
  }, "The tensor's bytes seen as another dtype (Tensor.view(dtype)).");
  m.def("storage_bytes", &storage_bytes,
        "The whole storage under a tensor as a 1-D uint8 tensor (shared).");
  m.def("from_storage_bytes", [](const Tensor& bytes, py::handle dtype, const Shape& size,
                                 const Shape& stride, int64_t offset) {
    EMBER_CHECK(bytes->dtype() == ScalarType::UInt8 && bytes->dim() == 1 && bytes->is_contiguous() &&
                bytes->offset() == 0, "from_storage_bytes expects a storage_bytes() tensor");
    ScalarType st = dtype_from_object(dtype);
    auto view = std::make_shared<TensorImpl>(bytes->storage(), 0, Shape{0}, Shape{1}, st,
                                             bytes->version_counter());
    return view->as_strided(size, stride, offset);
  }, "A view of a storage (from storage_bytes) with a dtype, size, stride and offset.");
  m.def("_swap_storage_memory", [](const Tensor& a, const Tensor& b) {
    EMBER_CHECK(a->storage()->nbytes() == b->storage()->nbytes() &&
                a->storage()->device() == b->storage()->device(),
                "_swap_storage_memory: the storages differ in size or device (",
                a->storage()->nbytes(), " and ", b->storage()->nbytes(), " bytes)");
    a->storage()->swap_memory(*b->storage());
  }, "Exchanges the memory under two equal-sized storages, for every view of each "
     "(how Tensor.share_memory_ moves a storage in place).");
  m.def("_register_dtypes", &register_dtypes);
  auto cls = py::class_<TensorImpl, Tensor>(m, "Tensor", py::dynamic_attr());
  // ember.Tensor(2, 3) / ember.Tensor([1, 2]): built by the Python front.
  cls.def(py::init([](py::args args, py::kwargs kwargs) {
    py::object make = py::module_::import("ember._constructor").attr("tensor_constructor");
    return make(*args, **kwargs).cast<Tensor>();
  }));
  cls.def_property_readonly("dtype", [](const TensorImpl& t) { return dtype_object(t.dtype()); })
      .def_property_readonly("_sizes", [](const TensorImpl& t) { return to_tuple(t.sizes()); })
      .def_property_readonly("ndim", &TensorImpl::dim)
      .def("dim", &TensorImpl::dim)
      .def("ndimension", &TensorImpl::dim)
      .def("numel", &TensorImpl::numel)
      .def("nelement", &TensorImpl::numel)
      .def("element_size", &TensorImpl::itemsize)
      .def_property_readonly("itemsize", &TensorImpl::itemsize)
      .def_property_readonly("nbytes", [](const TensorImpl& t) { return t.numel() * static_cast<int64_t>(t.itemsize()); })
      .def("stride", [](const TensorImpl& t, py::object dim) -> py::object {
            if (dim.is_none()) return to_tuple(t.strides());
            return py::int_(t.strides()[wrap_dim(dim.cast<int64_t>(), t.dim())]);
          }, py::arg("dim") = py::none())
      .def("storage_offset", &TensorImpl::offset)
      .def("is_contiguous", [](const TensorImpl& t, py::object) { return t.is_contiguous(); },
           py::arg("memory_format") = py::none())
      .def("data_ptr", [](const TensorImpl& t) { return reinterpret_cast<uintptr_t>(t.data()); })
      .def("_storage_ptr", [](const TensorImpl& t) { return reinterpret_cast<uintptr_t>(t.storage()->data()); })
      .def("_storage_nbytes", [](const TensorImpl& t) { return t.storage()->nbytes(); })
      .def("_device_str", [](const TensorImpl& t) { return t.device().str(); })
      .def_property_readonly("_version", &TensorImpl::version)
      .def("_bump_version", &TensorImpl::bump_version)
      .def_property_readonly("_is_wrapped_number", [](const TensorImpl& t) { return t.is_wrapped_number; })
      .def_property("_requires_grad", [](const TensorImpl& t) { return t.tracked(); },
                    [](TensorImpl& t, bool on) { t.requires_grad = on; })
      .def_property_readonly("_base", [](const TensorImpl& t) { return t.view_base; },
                             "The tensor this view was made from (its storage's owner), or None.")
      .def("as_strided", [](const Tensor& t, const Shape& size, const Shape& stride,
                            py::object offset) -> py::object {
            if (autograd_wants(t)) return autograd_call("as_strided", t, size, stride, offset);
            int64_t off = offset.is_none() ? t->offset() : offset.cast<int64_t>();
            Tensor view = t->as_strided(size, stride, off);
            view->view_base = t->view_base ? t->view_base : t;
            view->view_tracks_base = grad_mode_enabled();
            return py::cast(view);
          }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none())
      .def("_set_data", [](TensorImpl& self, const TensorImpl& src) { self.set_data(src); },
           "Shows src's storage and layout from now on (Tensor.data = src).")
      .def("_has_meta", [](const TensorImpl& t, py::handle meta) {
            // meta: autograd's (shape tuple, dtype) of an input; one call where a gradient
            // is checked against its input in backward
            PyObject* m = meta.ptr();
            if (!PyTuple_Check(m) || PyTuple_GET_SIZE(m) != 2) return false;
            PyObject* shape = PyTuple_GET_ITEM(m, 0);
            if (PyTuple_GET_ITEM(m, 1) != dtype_object(t.dtype()).ptr() || !PyTuple_Check(shape) ||
                PyTuple_GET_SIZE(shape) != t.dim())
              return false;
            for (int64_t d = 0; d < t.dim(); ++d)
              if (PyLong_AsLongLong(PyTuple_GET_ITEM(shape, d)) != t.sizes()[d]) return false;
            return true;
          }, "True when the tensor has this (shape, dtype).")
      .def("_detach", [](const TensorImpl& t) { return t.as_strided(t.sizes(), t.strides(), t.offset()); },
           "An alias of the same elements (and version counter) that is not a view for autograd.")
      .def("contiguous", [](const Tensor& t, py::object) -> py::object {
            if (autograd_wants(t)) return autograd_call("contiguous", t);
            return py::cast(contiguous(t));
          }, py::arg("memory_format") = py::none())
      .def("clone", [](const Tensor& t, py::object) -> py::object {
            if (autograd_wants(t)) return autograd_call("clone", t);
            Tensor out = TensorImpl::empty(t->sizes(), t->dtype());
            copy_(out, t, /*bump=*/false);
            return py::cast(out);
          }, py::arg("memory_format") = py::none())
      .def("_to_dtype", [](const Tensor& t, py::handle dtype) -> py::object {
            if (autograd_wants(t)) return autograd_call("_to_dtype", t, dtype);
            return py::cast(to_dtype(t, dtype_from_object(dtype)));
          })
      .def("copy_", [](const Tensor& self, py::handle src, bool) {
            if (autograd_wants(self, src)) {
              autograd_call("copy_", self, src);
              return self;
            }
            copy_(self, as_operand_or_throw(src, "copy_"));
            return self;
          }, py::arg("src"), py::arg("non_blocking") = false)
      .def("fill_", [](const Tensor& self, py::handle value) {
            if (autograd_wants(self, value)) {
              autograd_call("fill_", self, value);
              return self;
            }
            fill_(self, as_operand_or_throw(value, "fill_"));
            return self;
          }, py::arg("value"))
      .def("item", [](const TensorImpl& t) { return item(t); })
      .def("__hash__", [](const TensorImpl& t) { return reinterpret_cast<intptr_t>(&t); });

#define EMBER_FWD(py_name, op) cls.def(py_name, &forward_op<BinaryOp::op>, py::is_operator());
#define EMBER_REV(py_name, op) cls.def(py_name, &reflected_op<BinaryOp::op>, py::is_operator());
#define EMBER_INP(py_name, op) cls.def(py_name, &inplace_op<BinaryOp::op>, py::is_operator());
  EMBER_FWD("__add__", add) EMBER_REV("__radd__", add) EMBER_INP("__iadd__", add)
  EMBER_FWD("__sub__", sub) EMBER_REV("__rsub__", sub) EMBER_INP("__isub__", sub)
  EMBER_FWD("__mul__", mul) EMBER_REV("__rmul__", mul) EMBER_INP("__imul__", mul)
  EMBER_FWD("__truediv__", div) EMBER_REV("__rtruediv__", div) EMBER_INP("__itruediv__", div)
  EMBER_FWD("__floordiv__", floor_divide) EMBER_REV("__rfloordiv__", floor_divide)
  EMBER_INP("__ifloordiv__", floor_divide)
  EMBER_FWD("__mod__", remainder) EMBER_REV("__rmod__", remainder) EMBER_INP("__imod__", remainder)
  EMBER_FWD("__pow__", pow) EMBER_REV("__rpow__", pow) EMBER_INP("__ipow__", pow)
  EMBER_FWD("__and__", bitwise_and) EMBER_REV("__rand__", bitwise_and) EMBER_INP("__iand__", bitwise_and)
  EMBER_FWD("__or__", bitwise_or) EMBER_REV("__ror__", bitwise_or) EMBER_INP("__ior__", bitwise_or)
  EMBER_FWD("__xor__", bitwise_xor) EMBER_REV("__rxor__", bitwise_xor) EMBER_INP("__ixor__", bitwise_xor)
  EMBER_FWD("__lshift__", bitwise_left_shift) EMBER_REV("__rlshift__", bitwise_left_shift)
  EMBER_INP("__ilshift__", bitwise_left_shift)
  EMBER_FWD("__rshift__", bitwise_right_shift) EMBER_REV("__rrshift__", bitwise_right_shift)
  EMBER_INP("__irshift__", bitwise_right_shift)
  EMBER_FWD("__eq__", eq) EMBER_FWD("__ne__", ne) EMBER_FWD("__lt__", lt)
  EMBER_FWD("__le__", le) EMBER_FWD("__gt__", gt) EMBER_FWD("__ge__", ge)
#undef EMBER_FWD
#undef EMBER_REV
#undef EMBER_INP
  cls.def("__neg__", &unary_method<UnaryOp::neg>)
      .def("__abs__", &unary_method<UnaryOp::abs>)
      .def("__invert__", [](const Tensor& t) {
        EMBER_CHECK_TYPE(!is_floating(t->dtype()), "~ (operator.invert) is only implemented "
                         "on integer and Boolean-type tensors");
        return unary(UnaryOp::bitwise_not, t, nullptr);
      });
}

}  // namespace ember
