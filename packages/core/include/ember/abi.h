/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ember's versioned C ABI: the one way native code outside ember-core
 * (components, user extensions) reaches the core.
 *
 * The core exports a table of function pointers as the capsule
 * `ember._C._ABI`. Call ember_import_core() once (in PyInit_*) and then use
 * EMBER_API->slot(...). The table only grows at its end within an ABI major
 * (each addition bumps EMBER_ABI_FEATURE); anything else bumps the major.
 * Only C types cross it: opaque handles, plain structs, int error codes and
 * a thread-local error message.
 *
 * Conventions: functions returning int return 0 on success and -1 on
 * failure, with the message in last_error(). Handles returned through an
 * `out` pointer are new references: release them with tensor_release().
 * Build with EMBER_TARGET_FEATURE=N to run on cores of feature level >= N;
 * slots newer than N are then hidden.
 */
#ifndef EMBER_ABI_H_
#define EMBER_ABI_H_

#include <Python.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMBER_ABI_MAJOR 1
#define EMBER_ABI_FEATURE 1
#ifndef EMBER_TARGET_FEATURE
#define EMBER_TARGET_FEATURE 1
#endif

/* The ABI is everything between the two markers below: tools/abi_check.py
   hashes it and CI fails if it changes without a version bump. */
/* EMBER_ABI_SLOTS_BEGIN */

/* DLPack's device and type codes. */
enum EmberDeviceType { EMBER_DEVICE_CPU = 1, EMBER_DEVICE_CUDA = 2 };
enum EmberTypeCode {
  EMBER_TYPE_INT = 0,
  EMBER_TYPE_UINT = 1,
  EMBER_TYPE_FLOAT = 2,
  EMBER_TYPE_BFLOAT = 4,
  EMBER_TYPE_BOOL = 6
};

typedef struct {
  uint8_t code; /* EmberTypeCode */
  uint8_t bits;
  uint16_t lanes; /* always 1 */
} EmberDType;

/* An opaque, refcounted reference to a tensor. */
typedef struct EmberTensor EmberTensor;

/* A DLPack-compatible description of a tensor. Its pointers stay valid
   while the handle it was read from is alive. */
typedef struct {
  void* data; /* address of the first element (offset applied) */
  int32_t device_type;
  int32_t device_id;
  int32_t ndim;
  EmberDType dtype;
  const int64_t* shape;
  const int64_t* strides; /* in elements */
} EmberTensorView;

/* Frees external memory wrapped by tensor_from_blob; ctx as passed. */
typedef void (*EmberDeleter)(void* data, void* ctx);

/* A kernel registered for an op name and device: reads `inputs`, sets
   *out to a new tensor, returns 0 or -1 (with set_error). */
typedef int (*EmberKernel)(EmberTensor* const* inputs, int ninputs,
                           EmberTensor** out);

typedef struct {
  /* 0, feature 1 */ int (*abi_major)(void);
  /* 1, feature 1 */ int (*abi_feature)(void);
  /* 2, feature 1: "0.1.0" */ const char* (*core_version)(void);
  /* 3, feature 1: the calling thread's last error, or "" */
  const char* (*last_error)(void);
  /* 4, feature 1: sets the message last_error() returns */
  void (*set_error)(const char* message);
  /* 5, feature 1: a handle for a Python ember tensor (new reference) */
  int (*tensor_from_pyobject)(PyObject* obj, EmberTensor** out);
  /* 6, feature 1: a new Python reference to the tensor; NULL on error */
  PyObject* (*tensor_to_pyobject)(EmberTensor* t);
  /* 7, feature 1: drops the handle's reference */
  void (*tensor_release)(EmberTensor* t);
  /* 8, feature 1: fills *view; valid while t is alive */
  int (*tensor_view)(EmberTensor* t, EmberTensorView* view);
  /* 9, feature 1: a new uninitialised contiguous tensor */
  int (*tensor_empty)(int32_t ndim, const int64_t* shape, EmberDType dtype,
                      int32_t device_type, int32_t device_id,
                      EmberTensor** out);
  /* 10, feature 1: wraps external memory; deleter(data, ctx) runs when the
     last tensor viewing it dies (may be NULL). strides in elements, NULL
     for contiguous. */
  int (*tensor_from_blob)(void* data, int32_t ndim, const int64_t* shape,
                          const int64_t* strides, EmberDType dtype,
                          int32_t device_type, int32_t device_id,
                          EmberDeleter deleter, void* ctx, EmberTensor** out);
  /* 11, feature 1: the current CUDA stream of a device as cudaStream_t;
     fails when the core was built without CUDA */
  int (*cuda_current_stream)(int32_t device_id, void** stream);
  /* 12, feature 1: registers `kernel` for (op_name, device_type); Python
     calls it with ember.ops.call(op_name, *tensors) */
  int (*register_kernel)(const char* op_name, int32_t device_type,
                         EmberKernel kernel);
} EmberCoreAPI;
/* EMBER_ABI_SLOTS_END */

#define EMBER_ABI_CAPSULE_NAME "ember._C._ABI"

/* ---- header-only import ------------------------------------------------ */
#ifndef EMBER_ABI_NO_IMPORT
static const EmberCoreAPI* EMBER_API = NULL;

/* Fetches the table. Returns 0, or -1 with an ImportError set that names
   both ABI versions and the command that fixes the mismatch. */
static int ember_import_core(void) {
  PyObject* mod = PyImport_ImportModule("ember._C");
  if (mod == NULL) return -1;
  PyObject* cap = PyObject_GetAttrString(mod, "_ABI");
  Py_DECREF(mod);
  if (cap == NULL) return -1;
  const EmberCoreAPI* api =
      (const EmberCoreAPI*)PyCapsule_GetPointer(cap, EMBER_ABI_CAPSULE_NAME);
  Py_DECREF(cap);
  if (api == NULL) return -1;
  int major = api->abi_major();
  int feature = api->abi_feature();
  if (major != EMBER_ABI_MAJOR || feature < EMBER_TARGET_FEATURE) {
    PyErr_Format(PyExc_ImportError,
                 "this extension was built for ember ABI %d.%d, but the "
                 "installed ember-core %s provides ABI %d.%d. Install a "
                 "matching core with: pip install --upgrade "
                 "\"ember-core>=0.%d,<0.%d\" "
                 "-- or rebuild the extension against the installed core "
                 "(pip install --no-build-isolation --force-reinstall "
                 "<extension>)",
                 EMBER_ABI_MAJOR, EMBER_TARGET_FEATURE, api->core_version(),
                 major, feature, EMBER_ABI_MAJOR, EMBER_ABI_MAJOR + 1);
    return -1;
  }
  EMBER_API = api;
  return 0;
}
#endif /* EMBER_ABI_NO_IMPORT */

#ifdef __cplusplus
}
#endif

#endif /* EMBER_ABI_H_ */
