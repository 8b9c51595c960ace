/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test extension that reaches ember-core only through ember/abi.h, as a
 * user's extension would. EXT_NAME is the module name (the same source is
 * built for several ABI versions, see CMakeLists.txt).
 *
 * Python side: tests/test_abi_extension.py and tests/test_abi_mismatch.py.
 */
#define PY_SSIZE_T_CLEAN
#include <ember/abi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXT_CAT2(a, b) a##b
#define EXT_CAT(a, b) EXT_CAT2(a, b)
#define EXT_STR2(x) #x
#define EXT_STR(x) EXT_STR2(x)

static const EmberDType kFloat32 = {EMBER_TYPE_FLOAT, 32, 1};

/* Raises RuntimeError with the core's last error. */
static PyObject* raise_last_error(void) {
  PyErr_SetString(PyExc_RuntimeError, EMBER_API->last_error());
  return NULL;
}

static PyObject* shape_tuple(int32_t n, const int64_t* values) {
  PyObject* t = PyTuple_New(n);
  if (t == NULL) return NULL;
  for (int32_t i = 0; i < n; ++i)
    PyTuple_SET_ITEM(t, i, PyLong_FromLongLong(values[i]));
  return t;
}

static int64_t numel(const EmberTensorView* v) {
  int64_t n = 1;
  for (int32_t d = 0; d < v->ndim; ++d) n *= v->shape[d];
  return n;
}

/* Element offset (in elements) of the linear-th element in row-major order. */
static int64_t offset_of(const EmberTensorView* v, int64_t linear) {
  int64_t off = 0;
  for (int32_t d = v->ndim - 1; d >= 0; --d) {
    off += (linear % v->shape[d]) * v->strides[d];
    linear /= v->shape[d];
  }
  return off;
}

/* Reads a Python ember tensor's handle and view; *h is a new reference. */
static int view_of(PyObject* obj, EmberTensor** h, EmberTensorView* v) {
  if (EMBER_API->tensor_from_pyobject(obj, h) != 0) return -1;
  if (EMBER_API->tensor_view(*h, v) != 0) {
    EMBER_API->tensor_release(*h);
    return -1;
  }
  return 0;
}

/* versions() -> (runtime major, runtime feature, core version,
                  header major, header feature, target feature) */
static PyObject* versions(PyObject* self, PyObject* args) {
  (void)self, (void)args;
  return Py_BuildValue("(iisiii)", EMBER_API->abi_major(),
                       EMBER_API->abi_feature(), EMBER_API->core_version(),
                       EMBER_ABI_MAJOR, EMBER_ABI_FEATURE,
                       EMBER_TARGET_FEATURE);
}

/* describe(t) -> (shape, strides, (code, bits, lanes), (device type, id),
                   data address) */
static PyObject* describe(PyObject* self, PyObject* obj) {
  (void)self;
  EmberTensor* h;
  EmberTensorView v;
  if (view_of(obj, &h, &v) != 0) return raise_last_error();
  PyObject* result = Py_BuildValue(
      "(NN(iii)(ii)K)", shape_tuple(v.ndim, v.shape),
      shape_tuple(v.ndim, v.strides), v.dtype.code, v.dtype.bits,
      v.dtype.lanes, v.device_type, v.device_id,
      (unsigned long long)(uintptr_t)v.data);
  EMBER_API->tensor_release(h);
  return result;
}

/* sum(t) -> float: sums a float32 or float64 tensor of any layout. */
static PyObject* sum(PyObject* self, PyObject* obj) {
  (void)self;
  EmberTensor* h;
  EmberTensorView v;
  if (view_of(obj, &h, &v) != 0) return raise_last_error();
  double total = 0.0;
  int64_t n = numel(&v);
  if (v.dtype.code == EMBER_TYPE_FLOAT && v.dtype.bits == 32) {
    const float* p = (const float*)v.data;
    for (int64_t i = 0; i < n; ++i) total += p[offset_of(&v, i)];
  } else if (v.dtype.code == EMBER_TYPE_FLOAT && v.dtype.bits == 64) {
    const double* p = (const double*)v.data;
    for (int64_t i = 0; i < n; ++i) total += p[offset_of(&v, i)];
  } else {
    EMBER_API->tensor_release(h);
    PyErr_SetString(PyExc_TypeError, "sum: expected float32 or float64");
    return NULL;
  }
  EMBER_API->tensor_release(h);
  return PyFloat_FromDouble(total);
}

/* roundtrip(t) -> the Python object for t's handle */
static PyObject* roundtrip(PyObject* self, PyObject* obj) {
  (void)self;
  EmberTensor* h;
  if (EMBER_API->tensor_from_pyobject(obj, &h) != 0) return raise_last_error();
  PyObject* result = EMBER_API->tensor_to_pyobject(h);
  EMBER_API->tensor_release(h);
  return result != NULL ? result : raise_last_error();
}

/* ---- external memory ----------------------------------------------------- */

#define BLOB_MAGIC 0x454d4252 /* "EMBR" */
typedef struct {
  int magic;
  void* data;
} BlobCtx;

static long g_deleted = 0; /* deleter calls with the right (data, ctx) */
static long g_bad = 0;     /* deleter calls with anything else */

static void blob_deleter(void* data, void* ctx) {
  BlobCtx* c = (BlobCtx*)ctx;
  if (c != NULL && c->magic == BLOB_MAGIC && c->data == data) {
    ++g_deleted;
    c->magic = 0;
    free(c);
    free(data);
  } else {
    ++g_bad;
  }
}

/* A malloc'd float32 buffer holding 0, 1, ..., n-1 and its deleter context. */
static float* new_blob(Py_ssize_t n, BlobCtx** ctx) {
  float* data = (float*)malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
  *ctx = (BlobCtx*)malloc(sizeof(BlobCtx));
  if (data == NULL || *ctx == NULL) {
    free(data);
    free(*ctx);
    PyErr_NoMemory();
    return NULL;
  }
  for (Py_ssize_t i = 0; i < n; ++i) data[i] = (float)i;
  (*ctx)->magic = BLOB_MAGIC;
  (*ctx)->data = data;
  return data;
}

/* wrap(shape, strides=None) -> a float32 tensor over a malloc'd buffer of
   `size` elements 0..size-1 (size: the extent the strides reach); the
   buffer is freed by the deleter. */
static PyObject* wrap(PyObject* self, PyObject* args) {
  (void)self;
  PyObject* shape_obj;
  PyObject* strides_obj = Py_None;
  if (!PyArg_ParseTuple(args, "O!|O", &PyTuple_Type, &shape_obj, &strides_obj))
    return NULL;
  int32_t ndim = (int32_t)PyTuple_GET_SIZE(shape_obj);
  int64_t shape[8], strides[8];
  if (ndim > 8) return PyErr_Format(PyExc_ValueError, "ndim > 8");
  int have_strides = strides_obj != Py_None;
  if (have_strides && (!PyTuple_Check(strides_obj) ||
                       PyTuple_GET_SIZE(strides_obj) != ndim))
    return PyErr_Format(PyExc_ValueError, "strides must be a tuple of ndim");
  int64_t extent = 1;
  for (int32_t i = 0; i < ndim; ++i) {
    shape[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(shape_obj, i));
    strides[i] = have_strides ? PyLong_AsLongLong(PyTuple_GET_ITEM(strides_obj, i)) : 0;
  }
  if (PyErr_Occurred()) return NULL;
  if (have_strides) {
    for (int32_t i = 0; i < ndim; ++i) extent += (shape[i] - 1) * strides[i];
  } else {
    for (int32_t i = 0; i < ndim; ++i) extent *= shape[i];
  }
  BlobCtx* ctx;
  float* data = new_blob((Py_ssize_t)extent, &ctx);
  if (data == NULL) return NULL;
  EmberTensor* h;
  if (EMBER_API->tensor_from_blob(data, ndim, shape, have_strides ? strides : NULL,
                                  kFloat32, EMBER_DEVICE_CPU, 0, blob_deleter,
                                  ctx, &h) != 0) {
    free(ctx);
    free(data);
    return raise_last_error();
  }
  PyObject* result = EMBER_API->tensor_to_pyobject(h);
  EMBER_API->tensor_release(h);
  return result != NULL ? result : raise_last_error();
}

/* try_wrap_bad_dtype() -> (rc, last_error): tensor_from_blob with an
   unsupported dtype fails, and the buffer stays the caller's (the deleter
   must not run). */
static PyObject* try_wrap_bad_dtype(PyObject* self, PyObject* args) {
  (void)self, (void)args;
  BlobCtx* ctx;
  float* data = new_blob(4, &ctx);
  if (data == NULL) return NULL;
  int64_t shape[1] = {4};
  EmberDType bad = {EMBER_TYPE_FLOAT, 24, 1};
  EmberTensor* h = NULL;
  int rc = EMBER_API->tensor_from_blob(data, 1, shape, NULL, bad, EMBER_DEVICE_CPU,
                                       0, blob_deleter, ctx, &h);
  if (rc == 0) {
    EMBER_API->tensor_release(h);
  } else {
    free(ctx);
    free(data);
  }
  return Py_BuildValue("(is)", rc, EMBER_API->last_error());
}

/* deleted() -> (calls with the right data and ctx, calls with anything else) */
static PyObject* deleted(PyObject* self, PyObject* args) {
  (void)self, (void)args;
  return Py_BuildValue("(ll)", g_deleted, g_bad);
}

/* ---- allocation and errors ---------------------------------------------- */

static int parse_shape(PyObject* obj, int32_t* ndim, int64_t* shape) {
  if (!PyTuple_Check(obj) || PyTuple_GET_SIZE(obj) > 8) {
    PyErr_SetString(PyExc_ValueError, "shape must be a tuple of at most 8 ints");
    return -1;
  }
  *ndim = (int32_t)PyTuple_GET_SIZE(obj);
  for (int32_t i = 0; i < *ndim; ++i)
    shape[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(obj, i));
  return PyErr_Occurred() ? -1 : 0;
}

/* empty(shape, code, bits, device_type=CPU) -> (rc, last_error, tensor or None) */
static PyObject* empty(PyObject* self, PyObject* args) {
  (void)self;
  PyObject* shape_obj;
  int code, bits, device_type = EMBER_DEVICE_CPU;
  if (!PyArg_ParseTuple(args, "Oii|i", &shape_obj, &code, &bits, &device_type))
    return NULL;
  int32_t ndim;
  int64_t shape[8];
  if (parse_shape(shape_obj, &ndim, shape) != 0) return NULL;
  EmberDType dtype = {(uint8_t)code, (uint8_t)bits, 1};
  EmberTensor* h = NULL;
  EMBER_API->set_error("");
  int rc = EMBER_API->tensor_empty(ndim, shape, dtype, device_type, 0, &h);
  PyObject* t;
  if (rc == 0) {
    t = EMBER_API->tensor_to_pyobject(h);
    EMBER_API->tensor_release(h);
    if (t == NULL) return raise_last_error();
  } else {
    t = Py_None;
    Py_INCREF(t);
  }
  return Py_BuildValue("(isN)", rc, EMBER_API->last_error(), t);
}

/* try_from_pyobject(obj) -> (rc, last_error) */
static PyObject* try_from_pyobject(PyObject* self, PyObject* obj) {
  (void)self;
  EmberTensor* h = NULL;
  int rc = EMBER_API->tensor_from_pyobject(obj, &h);
  if (rc == 0) EMBER_API->tensor_release(h);
  return Py_BuildValue("(is)", rc, EMBER_API->last_error());
}

/* cuda_stream() -> (rc, last_error, stream address) */
static PyObject* cuda_stream(PyObject* self, PyObject* args) {
  (void)self, (void)args;
  void* stream = NULL;
  int rc = EMBER_API->cuda_current_stream(0, &stream);
  return Py_BuildValue("(isK)", rc, EMBER_API->last_error(),
                       (unsigned long long)(uintptr_t)stream);
}

static PyObject* set_error(PyObject* self, PyObject* arg) {
  (void)self;
  const char* msg = PyUnicode_AsUTF8(arg);
  if (msg == NULL) return NULL;
  EMBER_API->set_error(msg);
  Py_RETURN_NONE;
}

static PyObject* last_error(PyObject* self, PyObject* args) {
  (void)self, (void)args;
  return PyUnicode_FromString(EMBER_API->last_error());
}

/* ---- kernels ------------------------------------------------------------- */

#define OP_PREFIX EXT_STR(EXT_NAME) "."

/* "<ext>.scale2": 2 * x for one float32 tensor of any layout; the result
   is contiguous. */
static int scale2_kernel(EmberTensor* const* inputs, int ninputs,
                         EmberTensor** out) {
  char msg[128];
  if (ninputs != 1) {
    snprintf(msg, sizeof msg, "scale2 takes 1 tensor, got %d", ninputs);
    EMBER_API->set_error(msg);
    return -1;
  }
  EmberTensorView in, res;
  if (EMBER_API->tensor_view(inputs[0], &in) != 0) return -1;
  if (in.dtype.code != EMBER_TYPE_FLOAT || in.dtype.bits != 32) {
    EMBER_API->set_error("scale2 expects a float32 tensor");
    return -1;
  }
  if (EMBER_API->tensor_empty(in.ndim, in.shape, in.dtype, EMBER_DEVICE_CPU,
                              0, out) != 0)
    return -1;
  if (EMBER_API->tensor_view(*out, &res) != 0) {
    EMBER_API->tensor_release(*out);
    *out = NULL;
    return -1;
  }
  const float* src = (const float*)in.data;
  float* dst = (float*)res.data;
  int64_t n = numel(&in);
  for (int64_t i = 0; i < n; ++i) dst[i] = 2.0f * src[offset_of(&in, i)];
  return 0;
}

/* "<ext>.add": x + y for two float32 tensors of the same shape. */
static int add_kernel(EmberTensor* const* inputs, int ninputs, EmberTensor** out) {
  if (ninputs != 2) {
    EMBER_API->set_error("add takes 2 tensors");
    return -1;
  }
  EmberTensorView a, b, res;
  if (EMBER_API->tensor_view(inputs[0], &a) != 0 ||
      EMBER_API->tensor_view(inputs[1], &b) != 0)
    return -1;
  if (a.ndim != b.ndim || memcmp(a.shape, b.shape, sizeof(int64_t) * a.ndim) != 0) {
    EMBER_API->set_error("add: shapes differ");
    return -1;
  }
  if (EMBER_API->tensor_empty(a.ndim, a.shape, kFloat32, EMBER_DEVICE_CPU, 0, out) != 0)
    return -1;
  if (EMBER_API->tensor_view(*out, &res) != 0) {
    EMBER_API->tensor_release(*out);
    *out = NULL;
    return -1;
  }
  const float* pa = (const float*)a.data;
  const float* pb = (const float*)b.data;
  float* dst = (float*)res.data;
  int64_t n = numel(&a);
  for (int64_t i = 0; i < n; ++i) dst[i] = pa[offset_of(&a, i)] + pb[offset_of(&b, i)];
  return 0;
}

/* "<ext>.fail": always fails with a message. */
static int fail_kernel(EmberTensor* const* inputs, int ninputs, EmberTensor** out) {
  (void)inputs, (void)out;
  char msg[128];
  snprintf(msg, sizeof msg, "fail kernel called with %d inputs", ninputs);
  EMBER_API->set_error(msg);
  return -1;
}

/* try_register_bad() -> (rc, last_error) for an empty op name */
static PyObject* try_register_bad(PyObject* self, PyObject* args) {
  (void)self, (void)args;
  int rc = EMBER_API->register_kernel("", EMBER_DEVICE_CPU, fail_kernel);
  return Py_BuildValue("(is)", rc, EMBER_API->last_error());
}

static PyMethodDef methods[] = {
    {"versions", versions, METH_NOARGS, NULL},
    {"describe", describe, METH_O, NULL},
    {"sum", sum, METH_O, NULL},
    {"roundtrip", roundtrip, METH_O, NULL},
    {"wrap", wrap, METH_VARARGS, NULL},
    {"try_wrap_bad_dtype", try_wrap_bad_dtype, METH_NOARGS, NULL},
    {"deleted", deleted, METH_NOARGS, NULL},
    {"empty", empty, METH_VARARGS, NULL},
    {"try_from_pyobject", try_from_pyobject, METH_O, NULL},
    {"cuda_stream", cuda_stream, METH_NOARGS, NULL},
    {"set_error", set_error, METH_O, NULL},
    {"last_error", last_error, METH_NOARGS, NULL},
    {"try_register_bad", try_register_bad, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, EXT_STR(EXT_NAME), NULL, -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC EXT_CAT(PyInit_, EXT_NAME)(void) {
  if (ember_import_core() != 0) return NULL;
  if (EMBER_API->register_kernel(OP_PREFIX "scale2", EMBER_DEVICE_CPU, scale2_kernel) != 0 ||
      EMBER_API->register_kernel(OP_PREFIX "add", EMBER_DEVICE_CPU, add_kernel) != 0 ||
      EMBER_API->register_kernel(OP_PREFIX "fail", EMBER_DEVICE_CPU, fail_kernel) != 0) {
    PyErr_SetString(PyExc_ImportError, EMBER_API->last_error());
    return NULL;
  }
  return PyModule_Create(&module);
}
