// SPDX-License-Identifier: BSD-3-Clause
#include "elementwise.h"

#include "../tensor/errors.h"
#include "iterator.h"
#include "promotion.h"

namespace ember {
namespace {

bool binary_is_predicate(BinaryOp op) {
  switch (op) {
    case BinaryOp::eq: case BinaryOp::ne: case BinaryOp::lt:
    case BinaryOp::le: case BinaryOp::gt: case BinaryOp::ge:
    case BinaryOp::logical_and: case BinaryOp::logical_or:
    case BinaryOp::logical_xor:
      return true;
    default:
      return false;
  }
}

bool unary_is_predicate(UnaryOp op) {
  switch (op) {
    case UnaryOp::logical_not: case UnaryOp::isnan: case UnaryOp::isinf:
    case UnaryOp::isfinite: case UnaryOp::signbit: case UnaryOp::isposinf:
    case UnaryOp::isneginf:
      return true;
    default:
      return false;
  }
}

// Ops defined on floats only whose integer inputs PyTorch promotes to the
// default float dtype rather than rejecting.
bool unary_promotes_ints(UnaryOp op) {
  switch (op) {
    case UnaryOp::exp: case UnaryOp::exp2: case UnaryOp::expm1:
    case UnaryOp::log: case UnaryOp::log2: case UnaryOp::log10:
    case UnaryOp::log1p: case UnaryOp::sqrt: case UnaryOp::rsqrt:
    case UnaryOp::sin: case UnaryOp::cos: case UnaryOp::tan:
    case UnaryOp::asin: case UnaryOp::acos: case UnaryOp::atan:
    case UnaryOp::sinh: case UnaryOp::cosh: case UnaryOp::tanh:
    case UnaryOp::sigmoid: case UnaryOp::erf: case UnaryOp::erfc:
    case UnaryOp::reciprocal:
      return true;
    default:
      return false;
  }
}

[[noreturn]] void not_implemented(const char* name, ScalarType t) {
  detail::fail(ErrorKind::NotImplemented, "\"", name, "_cpu\" not implemented for '",
               scalar_type_torch_name(t), "'");
}

void check_same_device(const TensorImpl& a, const TensorImpl& b,
                       const char* name) {
  EMBER_CHECK(a.device() == b.device(),
              "Expected all tensors to be on the same device, but found at "
              "least two devices, ", a.device().str(), " and ",
              b.device().str(), "! (when checking arguments for ", name, ")");
}

// True when `t <op> 0` holds for some element (integer-division and
// integer-power checks, before a kernel would divide by zero).
bool any_compared_to_zero(const Tensor& t, BinaryOp op) {
  Tensor hits = binary(op, t, wrap_scalar(0, t->dtype()), nullptr);
  const bool* p = reinterpret_cast<const bool*>(hits->data());
  for (int64_t i = 0; i < hits->numel(); ++i)
    if (p[i]) return true;
  return false;
}

// Writes `result` into the caller's `out`, casting if its dtype differs.
Tensor finish_out(const Tensor& out, const Tensor& result) {
  copy_(out, result);
  return out;
}

// When out= has another dtype than the result, compute into a temporary.
bool needs_temp(const Tensor& out, ScalarType result_dtype, const char* name) {
  if (!out || out->dtype() == result_dtype) return false;
  EMBER_CHECK(can_cast(result_dtype, out->dtype()), "result type ",
              scalar_type_torch_name(result_dtype),
              " can't be cast to the desired output type ",
              scalar_type_torch_name(out->dtype()), " (in ", name, ")");
  return true;
}

}  // namespace

Tensor wrap_scalar(double v, ScalarType dtype) {
  Tensor t = TensorImpl::empty({}, dtype);
  Tensor src = TensorImpl::empty({}, ScalarType::Float64);
  *reinterpret_cast<double*>(src->data()) = v;
  char* ptrs[2] = {t->data(), src->data()};
  int64_t strides[2] = {0, 0};
  kernels().cast[static_cast<int>(ScalarType::Float64)][static_cast<int>(dtype)](
      ptrs, strides, 1, nullptr);
  t->is_wrapped_number = true;
  return t;
}

Tensor to_dtype(const Tensor& t, ScalarType dtype) {
  if (t->dtype() == dtype) return t;
  LoopFn loop = kernels(t->device().type).cast[static_cast<int>(t->dtype())][static_cast<int>(dtype)];
  return run_elementwise(nullptr, dtype, {t.get()}, loop);
}

void copy_(const Tensor& dst, const Tensor& src, bool bump) {
  check_same_device(*dst, *src, "copy_");
  EMBER_CHECK(broadcast_shapes(dst->sizes(), src->sizes()) == dst->sizes(),
              "The size of the source ", shape_str(src->sizes()),
              " cannot be broadcast to the destination shape ",
              shape_str(dst->sizes()));
  check_output(*dst, dst->sizes(), "copy_");
  LoopFn loop = kernels(dst->device().type).cast[static_cast<int>(src->dtype())][static_cast<int>(dst->dtype())];
  run_elementwise(dst, dst->dtype(), {src.get()}, loop);
  if (bump) dst->bump_version();
}

Tensor contiguous(const Tensor& t) {
  if (t->is_contiguous()) return t;
  Tensor out = TensorImpl::empty(t->sizes(), t->dtype());
  LoopFn loop = kernels(t->device().type).cast[static_cast<int>(t->dtype())][static_cast<int>(t->dtype())];
  return run_elementwise(out, t->dtype(), {t.get()}, loop);
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor out) {
  const char* name = binary_op_name(op);
  check_same_device(*a, *b, name);
  ScalarType common = result_type({a.get(), b.get()});
  if ((op == BinaryOp::div || op == BinaryOp::atan2) &&
      !is_floating(common))
    common = default_float_dtype();
  if (op == BinaryOp::sub) {
    EMBER_CHECK(common != ScalarType::Bool,
                "Subtraction, the `-` operator, with two bool tensors is not "
                "supported. Use the `^` or `logical_xor()` operator instead.");
    EMBER_CHECK(a->dtype() != ScalarType::Bool && b->dtype() != ScalarType::Bool,
                "Subtraction, the `-` operator, with a bool tensor is not "
                "supported. If you are trying to invert a mask, use the `~` or "
                "`logical_not()` operator instead.");
  }
  LoopFn loop = kernels(a->device().type).binary[static_cast<int>(op)][static_cast<int>(common)];
  if (!loop) not_implemented(name, common);
  ScalarType result_dtype = binary_is_predicate(op) ? ScalarType::Bool : common;
  Tensor ca = to_dtype(a, common), cb = to_dtype(b, common);
  if (is_integral(common, false)) {
    if (op == BinaryOp::floor_divide || op == BinaryOp::remainder ||
        op == BinaryOp::fmod)
      EMBER_CHECK(!any_compared_to_zero(cb, BinaryOp::eq), "ZeroDivisionError: integer division by zero in ", name);
    if (op == BinaryOp::pow)
      EMBER_CHECK(!any_compared_to_zero(cb, BinaryOp::lt), "Integers to negative integer powers are not allowed.");
  }
  if (out) {
    check_same_device(*out, *a, name);
    check_output(*out, broadcast_shapes(a->sizes(), b->sizes()), name);
    if (needs_temp(out, result_dtype, name))
      return finish_out(out, binary(op, a, b, nullptr));
    Tensor r = run_elementwise(out, result_dtype, {ca.get(), cb.get()}, loop);
    out->bump_version();
    return r;
  }
  return run_elementwise(nullptr, result_dtype, {ca.get(), cb.get()}, loop);
}

Tensor unary(UnaryOp op, const Tensor& a, Tensor out, const double* params) {
  const char* name = unary_op_name(op);
  ScalarType compute = a->dtype();
  EMBER_CHECK(!(op == UnaryOp::neg && compute == ScalarType::Bool),
              "Negation, the `-` operator, on a bool tensor is not supported. "
              "If you are trying to invert a mask, use the `~` or "
              "`logical_not()` operator instead.");
  if (unary_promotes_ints(op) && !is_floating(compute))
    compute = default_float_dtype();
  if (op == UnaryOp::nan_to_num && !is_floating(compute)) {
    // integers hold no NaN or infinity: a copy
    Tensor r = out ? out : TensorImpl::empty(a->sizes(), a->dtype());
    copy_(r, a);
    return r;
  }
  LoopFn loop = kernels(a->device().type).unary[static_cast<int>(op)][static_cast<int>(compute)];
  if (!loop) not_implemented(name, compute);
  ScalarType result_dtype = unary_is_predicate(op) ? ScalarType::Bool : compute;
  Tensor ca = to_dtype(a, compute);
  if (out) {
    check_same_device(*out, *a, name);
    check_output(*out, a->sizes(), name);
    if (needs_temp(out, result_dtype, name))
      return finish_out(out, unary(op, a, nullptr, params));
    Tensor r = run_elementwise(out, result_dtype, {ca.get()}, loop, params);
    out->bump_version();
    return r;
  }
  return run_elementwise(nullptr, result_dtype, {ca.get()}, loop, params);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor out) {
  EMBER_CHECK(cond->dtype() == ScalarType::Bool,
              "where expected condition to be a boolean tensor, but got a "
              "tensor with dtype ", scalar_type_torch_name(cond->dtype()));
  check_same_device(*cond, *a, "where");
  check_same_device(*a, *b, "where");
  ScalarType common = result_type({a.get(), b.get()});
  Tensor ca = to_dtype(a, common), cb = to_dtype(b, common);
  LoopFn loop = kernels(a->device().type).where[static_cast<int>(common)];
  if (out) {
    Shape shape = broadcast_shapes(cond->sizes(),
                                   broadcast_shapes(a->sizes(), b->sizes()));
    check_output(*out, shape, "where");
    if (needs_temp(out, common, "where"))
      return finish_out(out, where(cond, a, b, nullptr));
    run_elementwise(out, common, {cond.get(), ca.get(), cb.get()}, loop);
    out->bump_version();
    return out;
  }
  return run_elementwise(nullptr, common, {cond.get(), ca.get(), cb.get()}, loop);
}

void fill_(const Tensor& t, const Tensor& value, bool bump) {
  EMBER_CHECK(value->numel() == 1, "fill_ only supports 0-dimension value "
              "tensor but got tensor with ", value->dim(), " dimensions.");
  check_same_device(*t, *value, "fill_");
  // Every element gets the same value, so an expanded target is fine.
  Tensor v = value->dim() == 0 ? value : value->as_strided({}, {}, value->offset());
  LoopFn loop = kernels(t->device().type).cast[static_cast<int>(v->dtype())][static_cast<int>(t->dtype())];
  run_elementwise(t, t->dtype(), {v.get()}, loop);
  if (bump) t->bump_version();
}

}  // namespace ember
