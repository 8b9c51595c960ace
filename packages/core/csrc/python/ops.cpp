// SPDX-License-Identifier: BSD-3-Clause
// Op entry points used by the Python front: pointwise, reductions, matmul,
// creation and random.
#include <pybind11/pybind11.h>
#include <random>
#include <pybind11/stl.h>

#include "../cpu/kernels/kernel_table.h"
#include "../ops/creation.h"
#include "../ops/elementwise.h"
#include "../ops/matmul.h"
#include "../ops/promotion.h"
#include "../ops/random.h"
#include "../ops/reduce.h"
#include "../tensor/errors.h"
#include "autograd_seam.h"
#include "convert.h"
#include "graph_record.h"

namespace ember {
namespace {

Tensor optional_tensor(py::handle h) {
  return h.is_none() ? nullptr : h.cast<Tensor>();
}

template <typename Enum>
py::dict op_ids(int count, const char* (*name)(Enum)) {
  py::dict d;
  for (int i = 0; i < count; ++i) d[name(static_cast<Enum>(i))] = i;
  return d;
}

Generator& generator_or_default(py::handle h) {
  if (h.is_none()) return *default_generator();
  return h.cast<Generator&>();
}

}  // namespace

void bind_ops(py::module_& m) {
  m.attr("binary_ops") = op_ids<BinaryOp>(kNumBinaryOps, binary_op_name);
  m.attr("unary_ops") = op_ids<UnaryOp>(kNumUnaryOps, unary_op_name);
  m.attr("reduce_ops") = op_ids<ReduceOp>(kNumReduceOps, reduce_op_name);

  m.def("binary", [](int op, py::handle a, py::handle b, py::handle out) -> py::object {
    const char* name = binary_op_name(static_cast<BinaryOp>(op));
    Tensor ta = as_operand_or_throw(a, name), tb = as_operand_or_throw(b, name);
    if (autograd_wants(ta, tb, out)) {
      if (out.is_none())
        if (py::object r = native_record_binary(op, a, b, ta, tb)) return r;
      return autograd_call("binary", op, a, b, out);
    }
    return py::cast(binary(static_cast<BinaryOp>(op), ta, tb, optional_tensor(out)));
  }, py::arg("op"), py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("unary", [](int op, const Tensor& a, py::handle out,
                    std::vector<double> params) -> py::object {
    if (autograd_wants(a, out)) {
      if (out.is_none())
        if (py::object r = native_record_unary(op, py::cast(a), a, params)) return r;
      return autograd_call("unary", op, a, out, params);
    }
    return py::cast(unary(static_cast<UnaryOp>(op), a, optional_tensor(out),
                          params.empty() ? nullptr : params.data()));
  }, py::arg("op"), py::arg("a"), py::arg("out") = py::none(),
     py::arg("params") = std::vector<double>{});
  m.def("where", [](const Tensor& c, py::handle a, py::handle b, py::handle out) -> py::object {
    if (autograd_wants(a, b, out)) return autograd_call("where", c, a, b, out);
    return py::cast(where(c, as_operand_or_throw(a, "where"), as_operand_or_throw(b, "where"),
                          optional_tensor(out)));
  }, py::arg("condition"), py::arg("a"), py::arg("b"), py::arg("out") = py::none());
  m.def("reduce", [](int op, const Tensor& a, std::vector<int64_t> dims,
                     bool keepdim) -> py::object {
    if (autograd_wants(a)) return autograd_call("reduce", op, a, dims, keepdim);
    return py::cast(reduce(static_cast<ReduceOp>(op), a, std::move(dims), keepdim));
  }, py::arg("op"), py::arg("a"), py::arg("dims"), py::arg("keepdim"));
  m.def("cumulative", recorded("cumulative", &cumulative), py::arg("a"), py::arg("dim"), py::arg("product"));
  m.def("cumulative_extreme", recorded("cumulative_extreme", &cumulative_extreme), py::arg("a"), py::arg("dim"), py::arg("max"),
        "(values, indices) of the running max (or min) along dim, as cummax/cummin.");
  m.def("batched_gemm", [](const Tensor& a, const Tensor& b, py::handle out,
                           double alpha, double beta) -> py::object {
    if (autograd_wants(a, b, out)) return autograd_call("batched_gemm", a, b, out, alpha, beta);
    return py::cast(batched_gemm(a, b, optional_tensor(out), alpha, beta));
  }, py::arg("a"), py::arg("b"), py::arg("out") = py::none(),
     py::arg("alpha") = 1.0, py::arg("beta") = 0.0);

  m.def("empty", [](const Shape& shape, py::handle dtype) {
    return TensorImpl::empty(shape, dtype_from_object(dtype));
  });
  m.def("arange", [](double start, double end, double step, py::handle dtype) {
    return arange(start, end, step, dtype_from_object(dtype));
  });
  m.def("linspace", [](double start, double end, int64_t steps, py::handle dtype) {
    return linspace(start, end, steps, dtype_from_object(dtype));
  });

  m.def("promote_types", [](py::handle a, py::handle b) {
    return dtype_object(promote_types(dtype_from_object(a), dtype_from_object(b)));
  });
  m.def("result_type", [](py::args operands) {
    std::vector<Tensor> held;
    std::vector<const TensorImpl*> ptrs;
    for (py::handle h : operands) {
      held.push_back(as_operand_or_throw(h, "result_type"));
      ptrs.push_back(held.back().get());
    }
    return dtype_object(result_type(ptrs));
  });
  m.def("can_cast", [](py::handle from, py::handle to) {
    return can_cast(dtype_from_object(from), dtype_from_object(to));
  });
  m.def("get_default_dtype", [] { return dtype_object(default_float_dtype()); });
  m.def("set_default_dtype", [](py::handle d) { set_default_float_dtype(dtype_from_object(d)); });

  py::class_<Generator, std::shared_ptr<Generator>>(m, "Generator")
      .def(py::init([](py::object /*device*/) { return std::make_shared<Generator>(); }),
           py::arg("device") = py::none())
      // any Python int in [-2**63, 2**64): taken modulo 2**64, as PyTorch
      .def("manual_seed", [](Generator& g, py::int_ seed) -> Generator& {
            g.manual_seed(static_cast<uint64_t>(PyLong_AsUnsignedLongLongMask(seed.ptr())));
            return g;
          }, py::return_value_policy::reference)
      .def("initial_seed", [](const Generator& g) { return g.seed(); })
      .def("seed", [](Generator& g) {  // a fresh non-deterministic seed below 2**63
            std::random_device rd;
            uint64_t s = ((static_cast<uint64_t>(rd()) << 32) ^ rd()) >> 1;
            g.manual_seed(s);
            return s;
          })
      // the state as two int64 (bit patterns of the uint64 seed and offset)
      .def("_get_state", [](const Generator& g) {
            return py::make_tuple(static_cast<int64_t>(g.seed()), static_cast<int64_t>(g.offset()));
          })
      .def("_set_state", [](Generator& g, int64_t seed, int64_t offset) {
            g.set_state(static_cast<uint64_t>(seed), static_cast<uint64_t>(offset));
          });
  m.def("default_generator", &default_generator);
  // fresh=True: t was just made by a factory (its version stays 0)
  m.def("uniform_", [](const Tensor& t, double lo, double hi, py::handle g, bool fresh) {
    if (autograd_wants(t)) { autograd_call("uniform_", t, lo, hi, g, fresh); return t; }
    uniform_(t, lo, hi, generator_or_default(g), fresh);
    return t;
  }, py::arg("t"), py::arg("low"), py::arg("high"), py::arg("generator") = py::none(),
     py::arg("fresh") = false);
  m.def("normal_", [](const Tensor& t, double mean, double std, py::handle g, bool fresh) {
    if (autograd_wants(t)) { autograd_call("normal_", t, mean, std, g, fresh); return t; }
    normal_(t, mean, std, generator_or_default(g), fresh);
    return t;
  }, py::arg("t"), py::arg("mean"), py::arg("std"), py::arg("generator") = py::none(),
     py::arg("fresh") = false);
  m.def("random_int_", [](const Tensor& t, int64_t lo, int64_t hi, py::handle g, bool fresh) {
    if (autograd_wants(t)) { autograd_call("random_int_", t, lo, hi, g, fresh); return t; }
    random_int_(t, lo, hi, generator_or_default(g), fresh);
    return t;
  }, py::arg("t"), py::arg("low"), py::arg("high"), py::arg("generator") = py::none(),
     py::arg("fresh") = false);
  m.def("full", [](const Shape& shape, py::handle value, py::handle dtype) {
    Tensor t = TensorImpl::empty(shape, dtype_from_object(dtype));
    fill_(t, as_operand_or_throw(value, "full"), /*bump=*/false);
    return t;
  }, py::arg("shape"), py::arg("value"), py::arg("dtype"),
     "A new tensor filled with value (its version counter at 0).");
  m.def("randperm", [](int64_t n, py::handle g) { return randperm(n, generator_or_default(g)); },
        py::arg("n"), py::arg("generator") = py::none());
}

}  // namespace ember
