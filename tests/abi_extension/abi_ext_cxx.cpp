// SPDX-License-Identifier: BSD-3-Clause
// ember/abi.h compiled as C++ (native components are C++): the header's
// import works and the table is usable from C++ code.
#define PY_SSIZE_T_CLEAN
#include <ember/abi.h>

namespace {

PyObject* versions(PyObject*, PyObject*) {
  return Py_BuildValue("(iis)", EMBER_API->abi_major(), EMBER_API->abi_feature(),
                       EMBER_API->core_version());
}

PyMethodDef methods[] = {
    {"versions", versions, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ember_abi_ext_cxx", nullptr, -1, methods,
                      nullptr, nullptr, nullptr, nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__ember_abi_ext_cxx() {
  if (ember_import_core() != 0) return nullptr;
  return PyModule_Create(&module);
}
