// SPDX-License-Identifier: BSD-3-Clause
// Note [Autograd seam]
// The core knows nothing of derivatives. ember-autograd registers one
// Python handler; a binding whose arguments include a tensor that requires
// grad (with grad mode on) hands the whole call to it as (name, args), and
// the handler runs the op with grad mode off and records the graph. With no
// handler, grad mode off, or no such tensor, the cost is a few loads.
#pragma once
#include <pybind11/pybind11.h>

#include <utility>

#include "../tensor/tensor_impl.h"

namespace ember {
namespace py = pybind11;

bool grad_mode_enabled();
void set_grad_mode_enabled(bool on);
// The registered handler, or null.
PyObject* autograd_handler();

inline bool arg_requires_grad(const Tensor& t) { return t && t->tracked(); }
inline bool arg_requires_grad(py::handle h) {
  return py::isinstance<TensorImpl>(h) && h.cast<TensorImpl&>().tracked();
}
inline bool arg_requires_grad(const TensorImpl& t) { return t.tracked(); }
template <typename T>
bool arg_requires_grad(const T&) {
  return false;
}

// True when this call must go through autograd.
template <typename... Args>
bool autograd_wants(const Args&... args) {
  return autograd_handler() != nullptr && grad_mode_enabled() &&
         (arg_requires_grad(args) || ...);
}

// Calls the handler with the binding's name and arguments.
template <typename... Args>
py::object autograd_call(const char* name, const Args&... args) {
  py::handle handler(autograd_handler());
  return handler(name, py::make_tuple(args...));
}

// A binding body for a plain function: autograd's when it wants the call,
// the function's otherwise.
template <typename R, typename... A>
auto recorded(const char* name, R (*fn)(A...)) {
  return [name, fn](A... args) -> py::object {
    if (autograd_wants(args...)) return autograd_call(name, args...);
    return py::cast(fn(std::forward<A>(args)...));
  };
}

void bind_autograd_seam(py::module_& m);

}  // namespace ember
