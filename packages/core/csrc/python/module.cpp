// SPDX-License-Identifier: BSD-3-Clause
// ember._C: the core's extension module.
#include <pybind11/pybind11.h>

#include "../cpu/blas.h"
#include "../cpu/kernels/kernel_table.h"
#include "../cpu/thread_pool.h"
#include "../tensor/allocator.h"
#include "../tensor/errors.h"
#include "autograd_seam.h"
#include "convert.h"
#include "graph_record.h"

#define EMBER_STR2(x) #x
#define EMBER_STR(x) EMBER_STR2(x)

namespace py = pybind11;

PYBIND11_MODULE(_C, m) {
  using namespace ember;
  m.doc() = "ember's tensor core";
  m.attr("__version__") = EMBER_STR(EMBER_VERSION);

  // One place maps core errors to the Python exceptions PyTorch raises.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyObject* type = PyExc_RuntimeError;
      switch (e.kind()) {
        case ErrorKind::Value: type = PyExc_ValueError; break;
        case ErrorKind::Type: type = PyExc_TypeError; break;
        case ErrorKind::Index: type = PyExc_IndexError; break;
        case ErrorKind::NotImplemented: type = PyExc_NotImplementedError; break;
        case ErrorKind::Runtime: break;
      }
      PyErr_SetString(type, e.what());
    }
  });

  bind_tensor(m);
  bind_ops(m);
  bind_numpy(m);
  bind_abi(m);
  bind_dlpack(m);
  bind_nn_ops(m);
  bind_autograd_seam(m);
  bind_graph_record(m);

  m.def("get_num_threads", &get_num_threads,
        "The number of threads of ember's pool (which also runs OpenBLAS's GEMMs).");
  m.def("set_num_threads", &set_num_threads, py::arg("n"),
        "Sets the threads of ember's pool (which also runs OpenBLAS's GEMMs).");
  m.def("simd_level", &simd_level,
        "The instruction set of the loops chosen at load: baseline, avx2 or avx512.");
  m.def("blas_info", &blas_info, "The OpenBLAS build ember links, and its kernel.");
  m.def("empty_cache", &cpu_empty_cache,
        "Returns the CPU block cache's free blocks to the system.");
  m.def("set_cache_limit", &cpu_set_cache_limit, py::arg("bytes"),
        "Caps the bytes the CPU block cache keeps (0 disables it).");
  m.def("memory_stats", [] {  // documented in the Python front
    AllocatorStats s = cpu_allocator_stats();
    py::dict d;
    d["allocated_bytes"] = s.allocated_bytes;
    d["cached_bytes"] = s.cached_bytes;
    d["cache_hits"] = s.cache_hits;
    d["cache_misses"] = s.cache_misses;
    d["cache_limit_bytes"] = s.cache_limit_bytes;
    return d;
  });
  m.def("build_config", [] {
    py::dict d;
    d["compiler"] = EMBER_COMPILER;
    d["cuda"] = false;
    d["isa_built"] = "baseline avx2 avx512";
    return d;
  });
}
