/* SPDX-License-Identifier: BSD-3-Clause */
/* A native extension against ember's C ABI: one kernel registered for an op
   name, and a function that wraps external memory in a tensor. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

#include <ember/abi.h>

/* "scale.twice": a new tensor holding 2 * x for a 1-D float32 tensor x with
   any stride. Returns 0, or -1 with the message in set_error(). */
static int twice(EmberTensor* const* inputs, int ninputs, EmberTensor** out) {
  EmberTensorView x, y;
  if (ninputs != 1) {
    EMBER_API->set_error("scale.twice: expected 1 input");
    return -1;
  }
  if (EMBER_API->tensor_view(inputs[0], &x) != 0) return -1;
  if (x.dtype.code != EMBER_TYPE_FLOAT || x.dtype.bits != 32 || x.ndim != 1) {
    EMBER_API->set_error("scale.twice: expected a 1-D float32 tensor");
    return -1;
  }
  if (EMBER_API->tensor_empty(1, x.shape, x.dtype, EMBER_DEVICE_CPU, 0, out) != 0)
    return -1;
  if (EMBER_API->tensor_view(*out, &y) != 0) return -1;
  const float* src = (const float*)x.data; /* offset already applied */
  float* dst = (float*)y.data;
  for (int64_t i = 0; i < x.shape[0]; ++i) dst[i] = 2.0f * src[i * x.strides[0]];
  return 0;
}

static void free_buffer(void* data, void* ctx) {
  (void)ctx;
  free(data);
}

/* scale.arange_blob(n): n floats in malloc'd memory, owned by the tensor. */
static PyObject* arange_blob(PyObject* self, PyObject* arg) {
  (void)self;
  int64_t n = PyLong_AsLongLong(arg);
  if (n == -1 && PyErr_Occurred()) return NULL;
  float* data = malloc((size_t)n * sizeof(float));
  if (data == NULL) return PyErr_NoMemory();
  for (int64_t i = 0; i < n; ++i) data[i] = (float)i;
  EmberDType f32 = {EMBER_TYPE_FLOAT, 32, 1};
  EmberTensor* t;
  if (EMBER_API->tensor_from_blob(data, 1, &n, NULL, f32, EMBER_DEVICE_CPU, 0,
                                  free_buffer, NULL, &t) != 0) {
    free(data);
    PyErr_SetString(PyExc_RuntimeError, EMBER_API->last_error());
    return NULL;
  }
  PyObject* obj = EMBER_API->tensor_to_pyobject(t); /* new reference */
  EMBER_API->tensor_release(t);                     /* drop the handle */
  return obj;
}

static PyMethodDef methods[] = {
    {"arange_blob", arange_blob, METH_O, "n floats in external memory"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "scale", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_scale(void) {
  if (ember_import_core() != 0) return NULL; /* ImportError already set */
  if (EMBER_API->register_kernel("scale.twice", EMBER_DEVICE_CPU, twice) != 0) {
    PyErr_SetString(PyExc_RuntimeError, EMBER_API->last_error());
    return NULL;
  }
  return PyModule_Create(&module);
}
