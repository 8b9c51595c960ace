# SPDX-License-Identifier: BSD-3-Clause
"""Reductions: the core's framework (sum, prod, amax, amin, all, any,
argmax, argmin) and the composites built on it (mean, var, std, norm,
logsumexp, max/min with indices), plus cumulative sums and products."""

from __future__ import annotations

import collections
import math

from . import _C
from ._dtypes import BY_NAME
from ._dtypes import torch_name as _torch_name
from ._registry import EXPORTS, Tensor, export, method

_R = _C.reduce_ops
_float32 = BY_NAME["float32"]


class return_types:  # noqa: N801 - PyTorch's namespace name
    max = collections.namedtuple("max", ["values", "indices"])
    min = collections.namedtuple("min", ["values", "indices"])
    sort = collections.namedtuple("sort", ["values", "indices"])
    var_mean = collections.namedtuple("var_mean", ["var", "mean"])
    std_mean = collections.namedtuple("std_mean", ["std", "mean"])


EXPORTS["return_types"] = return_types


def _dims(dim) -> list[int]:
    if dim is None:
        return []
    if isinstance(dim, (tuple, list)):
        return [int(d) for d in dim]
    return [int(dim)]


def _count(input, dims) -> int:
    """Elements reduced over ``dims`` (a 0-d tensor reduces over dim 0 or -1 to itself)."""
    if not dims or input.dim() == 0:
        return input.numel()
    n = 1
    for d in dims:
        n *= input.size(d)
    return n


def _finish(result, out):
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        raise RuntimeError(f"out= has shape {list(out.shape)} but the result has shape {list(result.shape)}")
    out.copy_(result)
    return out


def _reduction(name, op):
    kernel = _R[op]

    def fn(input, dim=None, keepdim=False, *, dtype=None, out=None):
        if dtype is not None:
            input = input._to_dtype(dtype)
        r = _C.reduce(kernel, input, _dims(dim), keepdim)
        return _finish(r if dtype is None else r._to_dtype(dtype), out)

    fn.__name__ = name
    return fn


sum = export(_reduction("sum", "sum"), name="sum")  # noqa: A001
prod = export(_reduction("prod", "prod"), name="prod")
Tensor.sum = sum
Tensor.prod = prod


def _extreme(name, op):
    kernel = _R[op]

    def fn(input, dim=(), keepdim=False, *, out=None):
        dims = _dims(dim)
        if not dims and input.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return _finish(_C.reduce(kernel, input, dims, keepdim), out)

    fn.__name__ = name
    return fn


amax = export(_extreme("amax", "amax"), name="amax")
amin = export(_extreme("amin", "amin"), name="amin")
Tensor.amax = amax
Tensor.amin = amin


def _logical(name, op):
    kernel = _R[op]

    def fn(input, dim=None, keepdim=False, *, out=None):
        r = _C.reduce(kernel, input, _dims(dim), keepdim)
        if input.dtype.name == "uint8":  # PyTorch keeps uint8 here
            r = r._to_dtype(input.dtype)
        return _finish(r, out)

    fn.__name__ = name
    return fn


all = export(_logical("all", "all"), name="all")  # noqa: A001
any = export(_logical("any", "any"), name="any")  # noqa: A001
Tensor.all = all
Tensor.any = any


def _arg(name, op):
    kernel = _R[op]

    def fn(input, dim=None, keepdim=False, *, out=None):
        if input.dtype.name == "bool":
            raise RuntimeError(f"{name}(): does not support bool input")
        if dim is None:
            if input.numel() == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            r = _C.reduce(kernel, input, [], False)
            if keepdim:
                r = r.reshape([1] * input.dim())
            return _finish(r, out)
        return _finish(_C.reduce(kernel, input, [int(dim)], keepdim), out)

    fn.__name__ = name
    return fn


argmax = export(_arg("argmax", "argmax"), name="argmax")
argmin = export(_arg("argmin", "argmin"), name="argmin")
Tensor.argmax = argmax
Tensor.argmin = argmin


def _max_min(name, extreme, arg_op, pairwise, result_type):
    def fn(input, dim=None, keepdim=False, *, out=None):
        if isinstance(dim, Tensor):
            return _C.binary(_C.binary_ops[pairwise], input, dim, out)
        if dim is None:
            if keepdim:
                raise TypeError(f"{name}() received an invalid combination of arguments: keepdim without dim")
            return extreme(input, out=out)
        if input.dim() == 0 or input.numel() == 0:  # the reductions' own checks and messages
            values = extreme(input, dim, keepdim)
            indices = _C.reduce(_R[arg_op], input, [int(dim)], keepdim)
        else:  # one pass for the indices, then a gather of the values
            indices = _C.reduce(_R[arg_op], input, [int(dim)], True)  # checks dim
            d = int(dim) + input.dim() if int(dim) < 0 else int(dim)
            values = input.gather(d, indices)
            if not keepdim:
                indices, values = indices.squeeze(d), values.squeeze(d)
        if out is not None:
            out[0].copy_(values)
            out[1].copy_(indices)
            values, indices = out
        return result_type(values, indices)

    fn.__name__ = name
    return fn


max = export(_max_min("max", amax, "argmax", "maximum", return_types.max), name="max")  # noqa: A001
min = export(_max_min("min", amin, "argmin", "minimum", return_types.min), name="min")  # noqa: A001
Tensor.max = max
Tensor.min = min


def _require_float(name, input, dtype):
    dt = dtype or input.dtype
    if not dt.is_floating_point:
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_torch_name(dt)}"
        )
    return dt


def _widened(input):
    """16-bit floats reduce in float32 (as PyTorch's accumulate type)."""
    return input._to_dtype(_float32) if input.dtype.itemsize == 2 else input


@export
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean over ``dim`` (all dims by default)."""
    dt = _require_float("mean", input, dtype)
    x = _widened(input._to_dtype(dt))
    dims = _dims(dim)
    s = _C.reduce(_R["sum"], x, dims, keepdim)
    n = _count(input, dims)
    r = _C.binary(_C.binary_ops["div"], s, float(n) if n else math.nan, None)
    return _finish(r._to_dtype(dt), out)


Tensor.mean = mean


def _var(input, dim, correction, keepdim, name):
    dt = _require_float(name, input, None)
    x = _widened(input)
    dims = _dims(dim)
    n = _count(input, dims)
    mu = _C.binary(_C.binary_ops["div"], _C.reduce(_R["sum"], x, dims, True), float(n) if n else math.nan, None)
    dev = x - mu
    ss = _C.reduce(_R["sum"], dev * dev, dims, keepdim)
    denom = n - correction
    v = _C.binary(_C.binary_ops["div"], ss, float(denom) if denom > 0 else 0.0, None)
    mean_out = mu if keepdim else _C.reduce(_R["sum"], mu, dims, False)
    return v._to_dtype(dt), mean_out._to_dtype(dt)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _dim_and_unbiased(dim, unbiased):
    # var(x, True) means unbiased=True in PyTorch's older signature
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


@export
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance with Bessel's ``correction`` (1 by default)."""
    dim, unbiased = _dim_and_unbiased(dim, unbiased)
    return _finish(_var(input, dim, _correction(unbiased, correction), keepdim, "var")[0], out)


@export
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation: ``sqrt(var(...))``."""
    dim, unbiased = _dim_and_unbiased(dim, unbiased)
    return _finish(var(input, dim, keepdim=keepdim, correction=_correction(unbiased, correction)).sqrt(), out)


@export
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, unbiased = _dim_and_unbiased(dim, unbiased)
    return return_types.var_mean(*_var(input, dim, _correction(unbiased, correction), keepdim, "var_mean"))


@export
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, m = var_mean(input, dim, unbiased, keepdim, correction=correction)
    return return_types.std_mean(v.sqrt(), m)


Tensor.var = var
Tensor.std = std


@export
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default)."""
    if dtype is not None:
        input = input._to_dtype(dtype)
    _require_float("norm", input, None)
    x = _widened(input)
    dims = _dims(dim)
    a = x.abs()
    if p in ("fro", 2, 2.0):
        r = _C.reduce(_R["sum"], a * a, dims, keepdim).sqrt()
    elif p in (math.inf, "inf", -math.inf, "-inf"):
        if _count(input, dims) == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {p} norm on an empty tensor because the "
                "operation does not have an identity"
            )
        r = _C.reduce(_R["amax" if p in (math.inf, "inf") else "amin"], a, dims, keepdim)
    elif p == 0:
        r = _C.reduce(_R["sum"], (a != 0)._to_dtype(x.dtype), dims, keepdim)
    elif p == 1:
        r = _C.reduce(_R["sum"], a, dims, keepdim)
    elif isinstance(p, (int, float)):
        r = _C.reduce(_R["sum"], a ** float(p), dims, keepdim) ** (1.0 / p)
    else:
        raise RuntimeError(f"norm(): unsupported norm type {p!r}")
    return _finish(r._to_dtype(input.dtype), out)


Tensor.norm = norm


@export
def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim``, computed stably."""
    x = input if input.dtype.is_floating_point else input._to_dtype(_C.get_default_dtype())
    dims = _dims(dim)
    if x.numel() == 0:
        return _finish(_C.reduce(_R["sum"], x.exp(), dims, keepdim).log(), out)
    m = _C.reduce(_R["amax"], x, dims, True)
    m = _C.where(m.isinf(), 0.0, m, None)
    s = _C.reduce(_R["sum"], (x - m).exp(), dims, keepdim).log()
    shift = m if keepdim else _C.reduce(_R["sum"], m, dims, False)
    return _finish(s + shift, out)


Tensor.logsumexp = logsumexp


@export
def count_nonzero(input, dim=None):
    return _C.reduce(_R["sum"], input != 0, _dims(dim), False)


Tensor.count_nonzero = count_nonzero


def _cumulative(name, product):
    def fn(input, dim, *, dtype=None, out=None):
        if dtype is not None:
            input = input._to_dtype(dtype)
        r = _C.cumulative(input, int(dim), product)
        return _finish(r if dtype is None else r._to_dtype(dtype), out)

    fn.__name__ = name
    return fn


cumsum = export(_cumulative("cumsum", False), name="cumsum")
cumprod = export(_cumulative("cumprod", True), name="cumprod")
Tensor.cumsum = cumsum
Tensor.cumprod = cumprod


@method(name="cumsum_")
def _cumsum_inplace(self, dim):
    return self.copy_(cumsum(self, dim))


@method(name="cumprod_")
def _cumprod_inplace(self, dim):
    return self.copy_(cumprod(self, dim))
