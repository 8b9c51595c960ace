// SPDX-License-Identifier: BSD-3-Clause
// Conversions between Python objects and core types, shared by bindings.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../tensor/tensor_impl.h"

namespace ember {
namespace py = pybind11;

// A tensor operand: an ember tensor, or a Python bool/int/float wrapped as
// a 0-d tensor that takes part in promotion as a scalar. Returns null for
// anything else (the caller answers NotImplemented or raises).
Tensor as_operand(py::handle h);
Tensor as_operand_or_throw(py::handle h, const char* op_name);

// ScalarType <-> the ember.dtype objects registered by the Python front.
py::object dtype_object(ScalarType t);
ScalarType dtype_from_object(py::handle h);

void bind_tensor(py::module_& m);
void bind_ops(py::module_& m);
void bind_numpy(py::module_& m);
void bind_abi(py::module_& m);
void bind_dlpack(py::module_& m);
void bind_nn_ops(py::module_& m);

}  // namespace ember
