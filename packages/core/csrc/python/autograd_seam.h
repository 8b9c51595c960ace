// SPDX-License-Identifier: BSD-3-Clause
// Note [Autograd seam]
// The core knows nothing of derivatives. ember-autograd registers a handler
// per binding (a dict: binding name -> callable); a binding whose arguments
// include a tensor that requires grad (with grad mode on) hands the whole
// call to its handler, called with the binding's arguments and grad mode
// off, which runs the op and records the graph. With no handlers, grad mode
// off, or no such tensor, the cost is a few loads.
#pragma once
#include <pybind11/pybind11.h>

#include <utility>

#include "../tensor/tensor_impl.h"

namespace ember {
namespace py = pybind11;

bool grad_mode_enabled();
void set_grad_mode_enabled(bool on);
// The registered dict of handlers, or null.
PyObject* autograd_handler();

// Turns grad mode off for a scope (the handler's forward must not record).
struct GradModeOff {
  bool prev;
  GradModeOff() : prev(grad_mode_enabled()) { set_grad_mode_enabled(false); }
  ~GradModeOff() { set_grad_mode_enabled(prev); }
};

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

// Calls the binding's handler with its arguments, grad mode off.
template <typename... Args>
py::object autograd_call(const char* name, const Args&... args) {
  PyObject* fn = PyDict_GetItemString(autograd_handler(), name);  // borrowed
  if (fn == nullptr) throw py::key_error(std::string("no autograd handler for ") + name);
  GradModeOff off;
  return py::handle(fn)(args...);
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
