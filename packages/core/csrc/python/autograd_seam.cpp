// SPDX-License-Identifier: BSD-3-Clause
// Grad mode and the handler slot of Note [Autograd seam].
#include "autograd_seam.h"

namespace ember {
namespace {

thread_local bool t_grad_mode = true;
PyObject* g_handler = nullptr;  // a strong reference, kept for the process

}  // namespace

bool grad_mode_enabled() { return t_grad_mode; }
void set_grad_mode_enabled(bool on) { t_grad_mode = on; }
PyObject* autograd_handler() { return g_handler; }

void bind_autograd_seam(py::module_& m) {
  m.def("_set_grad_enabled", [](bool on) {
    bool before = t_grad_mode;
    t_grad_mode = on;
    return before;
  }, py::arg("mode"), "Sets this thread's grad mode; returns the previous one.");
  m.def("is_grad_enabled", [] { return t_grad_mode; },
        "True when operations on tensors that require grad are recorded (this thread).");
  m.def("_set_autograd_handler", [](py::object handlers) {
    if (!handlers.is_none() && !PyDict_Check(handlers.ptr()))
      throw py::type_error("_set_autograd_handler expects a dict {binding name: callable} or None");
    PyObject* old = g_handler;
    g_handler = handlers.is_none() ? nullptr : handlers.release().ptr();
    Py_XDECREF(old);
  }, py::arg("handlers"),
     "Registers {binding name: callable}: the callables that record ops on tensors that require grad.");
  m.def("_autograd_handler", [] {
    return g_handler ? py::reinterpret_borrow<py::object>(g_handler) : py::none();
  });
}

}  // namespace ember
