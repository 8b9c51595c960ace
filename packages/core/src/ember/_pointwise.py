# SPDX-License-Identifier: BSD-3-Clause
"""Pointwise ops, generated from one table: each entry gives the
``ember.<name>`` function, the ``Tensor.<name>`` method, the in-place
``Tensor.<name>_`` and the ``out=`` form, all backed by one core kernel."""

from __future__ import annotations

from . import _C
from ._dtypes import torch_name as _torch_name
from ._registry import EXPORTS, Tensor, export, method

_BIN = _C.binary_ops
_UN = _C.unary_ops

# name: (kernel, aliases, has in-place form)
BINARY = {
    "add": ("add", ("plus",), True),
    "sub": ("sub", ("subtract",), True),
    "mul": ("mul", ("multiply",), True),
    "true_divide": ("div", (), True),
    "floor_divide": ("floor_divide", (), True),
    "remainder": ("remainder", (), True),
    "fmod": ("fmod", (), True),
    "pow": ("pow", (), True),
    "atan2": ("atan2", ("arctan2",), True),
    "minimum": ("minimum", (), False),
    "maximum": ("maximum", (), False),
    "eq": ("eq", (), True),
    "ne": ("ne", ("not_equal",), True),
    "lt": ("lt", ("less",), True),
    "le": ("le", ("less_equal",), True),
    "gt": ("gt", ("greater",), True),
    "ge": ("ge", ("greater_equal",), True),
    "logical_and": ("logical_and", (), True),
    "logical_or": ("logical_or", (), True),
    "logical_xor": ("logical_xor", (), True),
    "bitwise_and": ("bitwise_and", (), True),
    "bitwise_or": ("bitwise_or", (), True),
    "bitwise_xor": ("bitwise_xor", (), True),
    "bitwise_left_shift": ("bitwise_left_shift", (), True),
    "bitwise_right_shift": ("bitwise_right_shift", (), True),
}

# name: (kernel, aliases, has in-place form)
UNARY = {
    "neg": ("neg", ("negative",), True),
    "abs": ("abs", ("absolute",), True),
    "sign": ("sign", (), True),
    "exp": ("exp", (), True),
    "exp2": ("exp2", (), True),
    "expm1": ("expm1", (), True),
    "log": ("log", (), True),
    "log2": ("log2", (), True),
    "log10": ("log10", (), True),
    "log1p": ("log1p", (), True),
    "sqrt": ("sqrt", (), True),
    "rsqrt": ("rsqrt", (), True),
    "sin": ("sin", (), True),
    "cos": ("cos", (), True),
    "tan": ("tan", (), True),
    "asin": ("asin", ("arcsin",), True),
    "acos": ("acos", ("arccos",), True),
    "atan": ("atan", ("arctan",), True),
    "sinh": ("sinh", (), True),
    "cosh": ("cosh", (), True),
    "tanh": ("tanh", (), True),
    "sigmoid": ("sigmoid", (), True),
    "relu": ("relu", (), True),
    "erf": ("erf", (), True),
    "erfc": ("erfc", (), True),
    "floor": ("floor", (), True),
    "ceil": ("ceil", (), True),
    "trunc": ("trunc", ("fix",), True),
    "frac": ("frac", (), True),
    "reciprocal": ("reciprocal", (), True),
    "logical_not": ("logical_not", (), False),
    "bitwise_not": ("bitwise_not", (), True),
    "isnan": ("isnan", (), False),
    "isinf": ("isinf", (), False),
    "isfinite": ("isfinite", (), False),
    "isposinf": ("isposinf", (), False),
    "isneginf": ("isneginf", (), False),
    "signbit": ("signbit", (), False),
}


# Binary functions that, as in PyTorch, also take a Python number as 'input'
# (ember.pow(2, t)); the others need a Tensor there.
NUMBER_INPUT = {
    "add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "pow",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
}  # fmt: skip


def _check_tensor(name, x, other=None):
    if isinstance(x, Tensor) or (name in NUMBER_INPUT and isinstance(other, Tensor)):
        return
    raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")


def _make_binary(name, kernel):
    op = _BIN[kernel]

    def fn(input, other, *, out=None):
        _check_tensor(name, input, other)
        return _C.binary(op, input, other, out)

    def meth(self, other):
        return _C.binary(op, self, other, None)

    def inplace(self, other):
        _C.binary(op, self, other, self)
        return self

    return fn, meth, inplace


def _make_unary(name, kernel):
    op = _UN[kernel]

    def fn(input, *, out=None):
        _check_tensor(name, input)
        return _C.unary(op, input, out)

    def meth(self):
        return _C.unary(op, self, None)

    def inplace(self):
        _C.unary(op, self, self)
        return self

    return fn, meth, inplace


def _install(table, make):
    for name, (kernel, aliases, has_inplace) in table.items():
        fn, meth, inplace = make(name, kernel)
        for n in (name, *aliases):
            fn.__name__ = meth.__name__ = n
            EXPORTS.setdefault(n, fn)
            setattr(Tensor, n, meth)
            if has_inplace:
                setattr(Tensor, n + "_", inplace)


_install(BINARY, _make_binary)
_install(UNARY, _make_unary)


@export
def square(input, *, out=None):
    """``input * input``; bool squares to int64, as ``pow(input, 2)`` in PyTorch."""
    _check_tensor("square", input)
    if input.dtype.name == "bool":
        input = input._to_dtype(_dt("int64"))
    return _C.unary(_UN["square"], input, out)


@method(name="square")
def _square_method(self):
    return square(self)


@method(name="square_")
def _square_inplace(self):
    return square(self, out=self)


# ---- ops with extra arguments ---------------------------------------------
def _scaled(other, alpha):
    if alpha == 1:
        return other
    if isinstance(alpha, float) and isinstance(other, Tensor) and not other.dtype.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return other * alpha


@export
def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, broadcasting and promoting types."""
    _check_tensor("add", input, other)
    return _C.binary(_BIN["add"], input, _scaled(other, alpha), out)


@export
def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    _check_tensor("sub", input, other)
    return _C.binary(_BIN["sub"], input, _scaled(other, alpha), out)


EXPORTS["subtract"] = sub


@method(name="add")
def _add_method(self, other, *, alpha=1):
    return _C.binary(_BIN["add"], self, _scaled(other, alpha), None)


@method(name="add_")
def _add_inplace(self, other, *, alpha=1):
    _C.binary(_BIN["add"], self, _scaled(other, alpha), self)
    return self


@method(name="sub")
def _sub_method(self, other, *, alpha=1):
    return _C.binary(_BIN["sub"], self, _scaled(other, alpha), None)


Tensor.subtract = _sub_method


@method(name="sub_")
def _sub_inplace(self, other, *, alpha=1):
    _C.binary(_BIN["sub"], self, _scaled(other, alpha), self)
    return self


def _trunc_divide(a, b, out):
    common = _C.result_type(a, b)
    if common.is_floating_point:
        if common.name in ("float16", "bfloat16"):  # truncate the float32 quotient, then round (as PyTorch)
            a, b = (v._to_dtype(_dt("float32")) if isinstance(v, Tensor) else v for v in (a, b))
            r = _C.unary(_UN["trunc"], _C.binary(_BIN["div"], a, b, None), None)
            return _store(r, common, out)
        return _C.unary(_UN["trunc"], _C.binary(_BIN["div"], a, b, None), out)
    # integers: C-style truncation, computed exactly in the common dtype
    # (signs too: -17 as uint8 is 239)
    common = _C.result_type(a, b)
    a, b = (v._to_dtype(common) if isinstance(v, Tensor) else _C.full([], v, common) for v in (a, b))
    fl = _C.binary(_BIN["floor_divide"], a, b, None)
    rem = _C.binary(_BIN["remainder"], a, b, None)
    neg = _C.binary(_BIN["ne"], _C.binary(_BIN["lt"], a, 0, None), _C.binary(_BIN["lt"], b, 0, None), None)
    fix = _C.binary(_BIN["logical_and"], neg, _C.binary(_BIN["ne"], rem, 0, None), None)
    res = _C.binary(_BIN["add"], fl, fix, None)
    if out is not None:
        out.copy_(res)
        return out
    return res._to_dtype(fl.dtype)


@export
def div(input, other, *, rounding_mode=None, out=None):
    """True division, or rounded with ``rounding_mode`` 'trunc' or 'floor'."""
    _check_tensor("div", input, other)
    if rounding_mode is None:
        return _C.binary(_BIN["div"], input, other, out)
    if rounding_mode == "floor":
        return _C.binary(_BIN["floor_divide"], input, other, out)
    if rounding_mode == "trunc":
        return _trunc_divide(input, other, out)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


EXPORTS["divide"] = div


@method(name="div")
def _div_method(self, other, *, rounding_mode=None):
    return div(self, other, rounding_mode=rounding_mode)


@method(name="div_")
def _div_inplace(self, other, *, rounding_mode=None):
    return div(self, other, rounding_mode=rounding_mode, out=self)


Tensor.divide = _div_method
Tensor.divide_ = _div_inplace
Tensor.true_divide = _div_method


def _opmath(t):
    """16-bit floats compute in float32 and round once at the end (PyTorch's opmath)."""
    return t._to_dtype(_dt("float32")) if t.dtype.name in ("float16", "bfloat16") else t


def _store(result, dtype, out):
    """``result`` cast to ``dtype``, or written into ``out`` (which must have its shape)."""
    if out is None:
        return result._to_dtype(dtype)
    if tuple(out.shape) != tuple(result.shape):
        raise RuntimeError(
            f"output with shape {list(out.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    out.copy_(result)
    return out


@export
def round(input, *, decimals=0, out=None):  # noqa: A001 - PyTorch's name
    """Rounds half to even, optionally to ``decimals`` decimal places."""
    _check_tensor("round", input)
    if decimals == 0:
        return _C.unary(_UN["round"], input, out)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{_torch_name(input.dtype)}'")
    # as PyTorch: divide by 10**-decimals rather than multiply by an inexact 10**decimals
    scale = 10.0 ** abs(decimals)
    x = _opmath(input)
    if decimals > 0:
        r = _C.binary(_BIN["div"], _C.unary(_UN["round"], x * scale, None), scale, None)
    else:
        r = _C.binary(_BIN["mul"], _C.unary(_UN["round"], x / scale, None), scale, None)
    return _store(r, input.dtype, out)


@method(name="round")
def _round_method(self, *, decimals=0):
    return round(self, decimals=decimals)


@method(name="round_")
def _round_inplace(self, *, decimals=0):
    return round(self, decimals=decimals, out=self)


def _dtype_limits(dt):
    import numpy as np

    name = "float32" if dt.name == "bfloat16" else dt.name
    info = np.finfo(name)
    big = 3.3895313892515355e38 if dt.name == "bfloat16" else float(info.max)
    return big


@export
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replaces NaN, +inf and -inf with finite values (the dtype's extremes by default)."""
    _check_tensor("nan_to_num", input)
    if not input.dtype.is_floating_point:
        return _C.unary(_UN["nan_to_num"], input, out)
    big = _dtype_limits(input.dtype)
    params = [float(nan), big if posinf is None else float(posinf), -big if neginf is None else float(neginf)]
    return _C.unary(_UN["nan_to_num"], input, out, params)


@method(name="nan_to_num")
def _nan_to_num_method(self, nan=0.0, posinf=None, neginf=None):
    return nan_to_num(self, nan, posinf, neginf)


@method(name="nan_to_num_")
def _nan_to_num_inplace(self, nan=0.0, posinf=None, neginf=None):
    return nan_to_num(self, nan, posinf, neginf, out=self)


@export
def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` holds, else ``other`` (broadcast)."""
    if input is None and other is None:
        raise NotImplementedError("where(condition) is nonzero(condition, as_tuple=True): not in this release")
    return _C.where(condition, input, other, out)


@method(name="where")
def _where_method(self, condition, other):
    return _C.where(condition, self, other, None)


@export
def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    """Clamps into [min, max]; either bound may be None (or a tensor)."""
    _check_tensor("clamp", input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    result = input
    if min is not None:
        result = _C.binary(_BIN["maximum"], result, min, None if max is not None else out)
    if max is not None:
        result = _C.binary(_BIN["minimum"], result, max, out)
    return result


EXPORTS["clip"] = clamp


@method(name="clamp")
def _clamp_method(self, min=None, max=None):  # noqa: A002
    return clamp(self, min, max)


@method(name="clamp_")
def _clamp_inplace(self, min=None, max=None):  # noqa: A002
    return clamp(self, min, max, out=self)


Tensor.clip = _clamp_method
Tensor.clip_ = _clamp_inplace


@export
def clamp_min(input, min, *, out=None):  # noqa: A002
    return clamp(input, min, None, out=out)


@export
def clamp_max(input, max, *, out=None):  # noqa: A002
    return clamp(input, None, max, out=out)


Tensor.clamp_min = clamp_min
Tensor.clamp_max = clamp_max
Tensor.clamp_min_ = lambda self, min: clamp(self, min, None, out=self)  # noqa: A002
Tensor.clamp_max_ = lambda self, max: clamp(self, None, max, out=self)  # noqa: A002


@export
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``."""
    # PyTorch's order: (value * tensor1) * tensor2
    return add(input, (tensor1 if value == 1 else tensor1 * value) * tensor2, out=out)


@export
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``."""
    if not (tensor1.dtype.is_floating_point or tensor2.dtype.is_floating_point):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes."
        )
    return add(input, (tensor1 if value == 1 else tensor1 * value) / tensor2, out=out)


Tensor.addcmul = lambda self, tensor1, tensor2, *, value=1: addcmul(self, tensor1, tensor2, value=value)
Tensor.addcdiv = lambda self, tensor1, tensor2, *, value=1: addcdiv(self, tensor1, tensor2, value=value)
Tensor.addcmul_ = lambda self, tensor1, tensor2, *, value=1: addcmul(self, tensor1, tensor2, value=value, out=self)
Tensor.addcdiv_ = lambda self, tensor1, tensor2, *, value=1: addcdiv(self, tensor1, tensor2, value=value, out=self)


@export
def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``, as PyTorch computes it: from ``end``
    when ``|weight| >= 0.5``, in float32 for 16-bit floats."""
    _check_tensor("lerp", input)
    if not isinstance(end, Tensor) or end.dtype != input.dtype:
        got = end.dtype.name if isinstance(end, Tensor) else type(end).__name__
        raise RuntimeError(f"expected dtype {input.dtype.name} for `end` but got dtype {got}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for '{_torch_name(input.dtype)}'")
    start, end = _opmath(input), _opmath(end)
    diff = end - start
    if isinstance(weight, Tensor):
        w = _opmath(weight)
        r = _C.where(w.abs() < 0.5, start + w * diff, end - diff * (1 - w), None)
    elif abs(weight) < 0.5:
        r = start + weight * diff
    else:
        r = end - diff * (1 - weight)
    return _store(r, input.dtype, out)


@method(name="lerp")
def _lerp_method(self, end, weight):
    return lerp(self, end, weight)


@method(name="lerp_")
def _lerp_inplace(self, end, weight):
    return lerp(self, end, weight, out=self)


@export
def positive(input):
    if input.dtype.name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


Tensor.__pos__ = positive
Tensor.positive = positive


@export
def float_power(input, exponent, *, out=None):
    """``pow`` computed in float64."""
    a = input._to_dtype(_dt("float64")) if isinstance(input, Tensor) else float(input)
    e = exponent._to_dtype(_dt("float64")) if isinstance(exponent, Tensor) else float(exponent)
    return _C.binary(_BIN["pow"], a, e, out)


def _dt(name):
    from ._dtypes import BY_NAME

    return BY_NAME[name]


@export
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``input == other`` or ``|input - other| <= atol + rtol * |other|``
    (finite differences only: infinities are close only to themselves)."""
    if input.dtype != other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"rtol and atol must be non-negative, got rtol={rtol} and atol={atol}")
    close = input == other
    if equal_nan and input.dtype.is_floating_point:
        close = close | (input.isnan() & other.isnan())
    if rtol == 0 and atol == 0:
        return close
    if input.dtype.name == "bool":
        input, other = input._to_dtype(_C.get_default_dtype()), other._to_dtype(_C.get_default_dtype())
    allowed = atol + (rtol * other).abs()
    actual = (input - other).abs()
    return close | (actual.isfinite() & (actual <= allowed))


@export
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@export
def equal(input, other) -> bool:
    """True when both have the same shape and elements."""
    return tuple(input.shape) == tuple(other.shape) and bool((input == other).all())


Tensor.isclose = isclose
Tensor.allclose = allclose
Tensor.equal = equal


@export
def sigmoid(input, *, out=None):
    return _C.unary(_UN["sigmoid"], input, out)


@export
def logit(input, eps=None):
    x = input if eps is None else clamp(input, eps, 1 - eps)
    return (x / (1 - x)).log()


Tensor.logit = logit
