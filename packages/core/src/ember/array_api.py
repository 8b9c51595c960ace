# SPDX-License-Identifier: BSD-3-Clause
"""``ember.array_api``: ember as a namespace of the Python array API standard
(version 2023.12), for code written against the standard (``xp = x.__array_namespace__()``).

Every function wraps the ember functions of the same purpose (no kernel of its
own): the standard's names (``acos``, ``concat``, ``permute_dims``, ...), its
positional-only and keyword-only arguments (``axis``, ``keepdims``, ``copy``,
``correction``, ...) and its semantics where they differ from PyTorch's
(``squeeze`` of a dimension that is not 1 raises, ``std`` and ``var`` default
to ``correction=0``, ``sort`` is stable by default, ``axis=()`` reduces
nothing, ...). What the core lacks for full compliance is left out and listed
in ``docs/api/array_api.rst``.

Arrays are ``ember.Tensor`` objects; devices are ``ember.device`` objects
(only ``cpu`` in this build); the data types are ember's dtype objects.
"""

from __future__ import annotations

import builtins
import math
import sys
from collections import namedtuple

import ember

from ._device import as_device, check_available
from ._registry import Tensor

__array_api_version__ = "2023.12"
_API_VERSIONS = ("2021.12", "2022.12", "2023.12")

# ---- constants ----------------------------------------------------------------
e = math.e
inf = math.inf
nan = math.nan
newaxis = None
pi = math.pi

# ---- data types -----------------------------------------------------------------
bool = ember.bool
int8 = ember.int8
int16 = ember.int16
int32 = ember.int32
int64 = ember.int64
uint8 = ember.uint8
float32 = ember.float32
float64 = ember.float64
# not in the standard (allowed as extensions): half and brain floating point
float16 = ember.float16
bfloat16 = ember.bfloat16

# the standard's data types that ember has, by name
_STANDARD_DTYPES = {
    "bool": bool,
    "int8": int8,
    "int16": int16,
    "int32": int32,
    "int64": int64,
    "uint8": uint8,
    "float32": float32,
    "float64": float64,
}
_ALL_DTYPES = (bool, int8, int16, int32, int64, uint8, float16, bfloat16, float32, float64)
_SIGNED = (int8, int16, int32, int64)
_UNSIGNED = (uint8,)
_FLOATING = (float16, bfloat16, float32, float64)
_KINDS = {
    "bool": (bool,),
    "signed integer": _SIGNED,
    "unsigned integer": _UNSIGNED,
    "integral": _SIGNED + _UNSIGNED,
    "real floating": _FLOATING,
    "complex floating": (),
    "numeric": _SIGNED + _UNSIGNED + _FLOATING,
}


# ---- helpers ----------------------------------------------------------------------
def _check_device(device) -> None:
    """Raises unless ``device`` is None or a device of this build (the CPU)."""
    if device is not None:
        check_available(as_device(device))


def _dtype_of(x):
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, ember.dtype):
        return x
    raise TypeError(f"expected an ember.Tensor or an ember.dtype, got {type(x).__name__}")


def _scalar_kind(value) -> str:
    if isinstance(value, builtins.bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    raise TypeError(f"expected an ember.Tensor or a Python bool, int or float, got {type(value).__name__}")


def _arrays(x1, x2):
    """Both operands as tensors of one dtype: the two dtypes promoted, or a
    Python scalar beside a tensor made a 0-d tensor of the dtype the pair
    promotes to (the standard's scalar rules)."""
    a1, a2 = isinstance(x1, Tensor), isinstance(x2, Tensor)
    if a1 and a2:
        if x1.dtype != x2.dtype:
            # PyTorch lets a 0-d tensor's dtype give way to the other's; the
            # standard promotes the two dtypes whatever the dimensions
            dt = ember.promote_types(x1.dtype, x2.dtype)
            return x1.to(dt), x2.to(dt)
        return x1, x2
    if a1:
        _scalar_kind(x2)
        return x1, ember.tensor(x2, dtype=ember.result_type(x1, x2), device=x1.device)
    if a2:
        _scalar_kind(x1)
        return ember.tensor(x1, dtype=ember.result_type(x2, x1), device=x2.device), x2
    raise TypeError(f"expected at least one ember.Tensor operand, got {type(x1).__name__} and {type(x2).__name__}")


def _axes(axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (an int or a sequence of ints) as non-negative ints; IndexError
    for one out of range, ValueError for a repeated one."""
    items = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in items:
        a = a.__index__()
        if not -ndim <= a < ndim:
            raise IndexError(f"axis {a} is out of bounds for an array of {ndim} dimensions")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {axis!r}")
    return tuple(out)


def _reduce(fn, x, axis, keepdims, **kw):
    """``fn`` (an ember reduction) over ``axis`` with the standard's meaning of
    ``axis=()``: reduce nothing (computed as the reduction of a new size-1
    dimension, so dtypes and special values follow the reduction's rules)."""
    if axis is not None and not isinstance(axis, int) and len(tuple(axis)) == 0:
        return fn(x.unsqueeze(-1), dim=-1, keepdim=False, **kw)
    if axis is not None and not isinstance(axis, int):
        axis = tuple(axis)
    return fn(x, dim=axis, keepdim=keepdims, **kw)


def _finish(fn, name: str, doc: str):
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = __name__
    fn.__doc__ = doc
    return fn


def _unary(name: str, target: str, note: str = ""):
    def fn(x, /):
        return getattr(ember, target)(x)

    doc = f"Elementwise ``{name}`` of ``x``: ``ember.{target}``."
    return _finish(fn, name, doc + (f"\n\n{note}" if note else ""))


def _binary(name: str, target: str, note: str = ""):
    def fn(x1, x2, /):
        a, b = _arrays(x1, x2)
        return getattr(ember, target)(a, b)

    doc = (
        f"Elementwise ``{name}`` of ``x1`` and ``x2`` (broadcast, promoted): ``ember.{target}``. "
        "One of the two may be a Python scalar."
    )
    return _finish(fn, name, doc + (f"\n\n{note}" if note else ""))


# ---- data type functions ------------------------------------------------------
def astype(x, dtype, /, *, copy=True, device=None):
    """``x`` converted to ``dtype``. With ``copy=False`` ``x`` itself is
    returned when it already has ``dtype``; otherwise the result is a new
    array. ``device`` may only name the CPU."""
    _check_device(device)
    if x.dtype == dtype:
        return x.clone() if copy else x
    return x.to(dtype)


def can_cast(from_, to, /):
    """Whether ``from_`` (a dtype or an array) casts to ``to`` under the type
    promotion rules: whether ``result_type(from_, to)`` is ``to``. Across kinds
    this follows ember's promotion: bool casts to every type, integers to every
    floating type, floating types to no integer."""
    from_, to = _dtype_of(from_), _dtype_of(to)
    return ember.promote_types(from_, to) == to


class finfo_object:  # noqa: N801 - the standard's name
    """Machine limits of a floating-point data type (what :func:`finfo` returns)."""

    __slots__ = ("bits", "eps", "max", "min", "smallest_normal", "dtype")

    def __init__(self, bits, eps, max, min, smallest_normal, dtype):
        self.bits, self.eps, self.max, self.min = bits, eps, max, min
        self.smallest_normal, self.dtype = smallest_normal, dtype

    def __repr__(self):
        return (
            f"finfo(bits={self.bits}, eps={self.eps}, max={self.max}, min={self.min}, "
            f"smallest_normal={self.smallest_normal}, dtype={self.dtype!r})"
        )


class iinfo_object:  # noqa: N801 - the standard's name
    """Limits of an integer data type (what :func:`iinfo` returns)."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, bits, max, min, dtype):
        self.bits, self.max, self.min, self.dtype = bits, max, min, dtype

    def __repr__(self):
        return f"iinfo(bits={self.bits}, min={self.min}, max={self.max}, dtype={self.dtype!r})"


# bits, mantissa bits (without the implicit one), largest exponent
_FLOAT_LAYOUT = {"float16": (16, 10, 15), "bfloat16": (16, 7, 127), "float32": (32, 23, 127), "float64": (64, 52, 1023)}


def finfo(type, /):
    """Machine limits of a floating-point ``type`` (a dtype or an array):
    ``bits``, ``eps``, ``max``, ``min``, ``smallest_normal`` (Python floats)
    and ``dtype``. Raises ValueError for a type that is not floating point."""
    dt = _dtype_of(type)
    if dt.name not in _FLOAT_LAYOUT:
        raise ValueError(f"finfo: {dt!r} is not a floating-point data type")
    bits, mant, emax = _FLOAT_LAYOUT[dt.name]
    largest = (2.0 - 2.0**-mant) * 2.0**emax
    return finfo_object(bits, 2.0**-mant, largest, -largest, 2.0 ** (1 - emax), dt)


def iinfo(type, /):
    """Limits of an integer ``type`` (a dtype or an array): ``bits``, ``max``,
    ``min`` (Python ints) and ``dtype``. Raises ValueError for a type that is
    not an integer type."""
    dt = _dtype_of(type)
    if dt not in _SIGNED + _UNSIGNED:
        raise ValueError(f"iinfo: {dt!r} is not an integer data type")
    bits = dt.itemsize * 8
    if dt.is_signed:
        return iinfo_object(bits, 2 ** (bits - 1) - 1, -(2 ** (bits - 1)), dt)
    return iinfo_object(bits, 2**bits - 1, 0, dt)


def isdtype(dtype, kind):
    """Whether ``dtype`` is of ``kind``: a dtype, one of the kind names
    ``"bool"``, ``"signed integer"``, ``"unsigned integer"``, ``"integral"``,
    ``"real floating"``, ``"complex floating"``, ``"numeric"``, or a tuple of
    these. ``float16`` and ``bfloat16`` count as real floating."""
    if not isinstance(dtype, ember.dtype):
        raise TypeError(f"isdtype: expected an ember.dtype, got {builtins.type(dtype).__name__}")
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, ember.dtype):
        return dtype == kind
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise ValueError(f"isdtype: unknown kind {kind!r}; expected one of {sorted(_KINDS)}")
        return dtype in _KINDS[kind]
    raise TypeError(f"isdtype: kind must be a dtype, a str or a tuple of these, got {builtins.type(kind).__name__}")


def result_type(*arrays_and_dtypes):
    """The dtype the arguments (arrays and dtypes; Python scalars too, as an
    extension) promote to. Mixed kinds follow ember's promotion (an integer
    and a floating type give the floating type)."""
    if not arrays_and_dtypes:
        raise ValueError("result_type: at least one array or dtype is required")
    result = None
    scalars = []
    for a in arrays_and_dtypes:
        if isinstance(a, (Tensor, ember.dtype)):
            dt = _dtype_of(a)
            result = dt if result is None else ember.promote_types(result, dt)
        else:
            _scalar_kind(a)
            scalars.append(a)
    for s in scalars:
        if result is None:
            result = ember.tensor(s).dtype
        else:
            result = ember.result_type(ember.empty(0, dtype=result), s)
    return result


# ---- creation ---------------------------------------------------------------------
def _shape(shape) -> tuple[int, ...]:
    return (shape,) if isinstance(shape, int) else tuple(shape)


def arange(start, /, stop=None, step=1, *, dtype=None, device=None):
    """``ember.arange``: ``[start, stop)`` (``[0, start)`` without ``stop``) in
    steps of ``step``, empty when ``step`` points away from ``stop``; integer
    bounds give the default integer dtype, floating ones the default floating
    dtype."""
    if stop is None:
        start, stop = 0, start
    if step != 0 and (stop - start) * step < 0:
        stop = start  # the standard's empty range where PyTorch raises
    return ember.arange(start, stop, step, dtype=dtype, device=device)


def asarray(obj, /, *, dtype=None, device=None, copy=None):
    """An array from ``obj``: an array, a numpy array, a DLPack or buffer
    object, a Python scalar or a nested sequence. ``copy=True`` always copies;
    ``copy=None`` shares memory where it can (arrays, numpy arrays, DLPack
    producers, buffers); ``copy=False`` never copies and raises ValueError
    where a copy is needed."""
    _check_device(device)
    if isinstance(obj, Tensor):
        if dtype is None or dtype == obj.dtype:
            return obj.clone() if copy else obj
        if copy is False:
            raise ValueError(f"asarray(copy=False): converting {obj.dtype!r} to {dtype!r} needs a copy")
        return obj.to(dtype)
    if copy:
        return ember.tensor(obj, dtype=dtype)
    import numpy as np

    shared = None
    try:
        if isinstance(obj, np.ndarray):
            shared = ember.from_numpy(obj)
        elif hasattr(obj, "__dlpack__"):
            shared = ember.from_dlpack(obj)
        elif not isinstance(obj, (builtins.bool, int, float, complex, list, tuple, str, np.generic)):
            shared = ember.from_numpy(np.asarray(memoryview(obj)))
    except (TypeError, ValueError, RuntimeError, BufferError):
        shared = None
    if shared is not None:
        return asarray(shared, dtype=dtype, copy=copy)
    if copy is False:
        raise ValueError(f"asarray(copy=False): a {type(obj).__name__} must be copied to make an array")
    return ember.tensor(obj, dtype=dtype)


def empty(shape, *, dtype=None, device=None):
    """``ember.empty``: an uninitialised array of ``shape`` (an int or a tuple)."""
    return ember.empty(_shape(shape), dtype=dtype, device=device)


def empty_like(x, /, *, dtype=None, device=None):
    """``ember.empty_like``: an uninitialised array shaped like ``x``."""
    return ember.empty_like(x, dtype=dtype, device=device)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None):
    """``ember.eye``: ones on the ``k``-th diagonal (above the main one for
    ``k > 0``), zeros elsewhere."""
    if n_cols is None:
        n_cols = n_rows
    if k == 0:
        return ember.eye(n_rows, n_cols, dtype=dtype, device=device)
    _check_device(device)
    ones_ = ember.ones((n_rows, n_cols), dtype=bool)
    return ember.triu(ember.tril(ones_, k), k).to(dtype or ember.get_default_dtype())


def full(shape, fill_value, *, dtype=None, device=None):
    """``ember.full``: ``fill_value`` everywhere; without ``dtype`` a bool
    gives bool, an int the default integer dtype, a float the default floating
    dtype."""
    return ember.full(_shape(shape), fill_value, dtype=dtype, device=device)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    """``ember.full_like``: ``fill_value`` everywhere, shaped like ``x`` (of ``x``'s
    dtype unless ``dtype`` is given)."""
    return ember.full_like(x, fill_value, dtype=dtype, device=device)


def linspace(start, stop, /, num, *, dtype=None, device=None, endpoint=True):
    """``ember.linspace``: ``num`` evenly spaced values from ``start`` to
    ``stop`` (``stop`` excluded when ``endpoint`` is False)."""
    if endpoint or num == 0:
        return ember.linspace(start, stop, num, dtype=dtype, device=device)
    return ember.linspace(start, stop, num + 1, dtype=dtype, device=device)[:-1]


def meshgrid(*arrays, indexing="xy"):
    """``ember.meshgrid`` as a list, with the standard's default
    ``indexing="xy"`` (PyTorch's is ``"ij"``)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if not arrays:
        return []
    return list(ember.meshgrid(*arrays, indexing=indexing))


def ones(shape, *, dtype=None, device=None):
    """``ember.ones``: an array of ones of ``shape`` (an int or a tuple)."""
    return ember.ones(_shape(shape), dtype=dtype, device=device)


def ones_like(x, /, *, dtype=None, device=None):
    """``ember.ones_like``: ones shaped like ``x``."""
    return ember.ones_like(x, dtype=dtype, device=device)


def tril(x, /, *, k=0):
    """``ember.tril``: the lower triangle (on and below the ``k``-th diagonal)
    of each matrix of ``x``."""
    return ember.tril(x, k)


def triu(x, /, *, k=0):
    """``ember.triu``: the upper triangle (on and above the ``k``-th
    diagonal) of each matrix of ``x``."""
    return ember.triu(x, k)


def zeros(shape, *, dtype=None, device=None):
    """``ember.zeros``: an array of zeros of ``shape`` (an int or a tuple)."""
    return ember.zeros(_shape(shape), dtype=dtype, device=device)


def zeros_like(x, /, *, dtype=None, device=None):
    """``ember.zeros_like``: zeros shaped like ``x``."""
    return ember.zeros_like(x, dtype=dtype, device=device)


def from_dlpack(x, /, *, device=None, copy=None):
    """``ember.from_dlpack``: an array sharing memory with the DLPack producer
    ``x`` (a copy with ``copy=True``). ``device`` may only name the CPU."""
    _check_device(device)
    t = ember.from_dlpack(x)
    return t.clone() if copy else t


# ---- elementwise ------------------------------------------------------------------
abs = _unary("abs", "abs")
acos = _unary("acos", "acos")
asin = _unary("asin", "asin")
atan = _unary("atan", "atan")
bitwise_invert = _unary("bitwise_invert", "bitwise_not")
ceil = _unary("ceil", "ceil")
cos = _unary("cos", "cos")
cosh = _unary("cosh", "cosh")
exp = _unary("exp", "exp")
expm1 = _unary("expm1", "expm1")
floor = _unary("floor", "floor")
isfinite = _unary("isfinite", "isfinite")
isinf = _unary("isinf", "isinf")
isnan = _unary("isnan", "isnan")
log = _unary("log", "log")
log1p = _unary("log1p", "log1p")
log2 = _unary("log2", "log2")
log10 = _unary("log10", "log10")
logical_not = _unary("logical_not", "logical_not")
negative = _unary("negative", "negative")
positive = _unary("positive", "positive")
round = _unary("round", "round", "Halves round to the nearest even value.")
sign = _unary("sign", "sign")
signbit = _unary("signbit", "signbit")
sin = _unary("sin", "sin")
sinh = _unary("sinh", "sinh")
sqrt = _unary("sqrt", "sqrt")
square = _unary("square", "square")
tan = _unary("tan", "tan")
tanh = _unary("tanh", "tanh")
trunc = _unary("trunc", "trunc")

add = _binary("add", "add")
atan2 = _binary("atan2", "atan2")
bitwise_and = _binary("bitwise_and", "bitwise_and")
bitwise_left_shift = _binary("bitwise_left_shift", "bitwise_left_shift")
bitwise_or = _binary("bitwise_or", "bitwise_or")
bitwise_right_shift = _binary("bitwise_right_shift", "bitwise_right_shift")
bitwise_xor = _binary("bitwise_xor", "bitwise_xor")
divide = _binary("divide", "true_divide", "True division: integer operands give the default floating dtype.")
equal = _binary("equal", "eq")
floor_divide = _binary("floor_divide", "floor_divide")
greater = _binary("greater", "gt")
greater_equal = _binary("greater_equal", "ge")
less = _binary("less", "lt")
less_equal = _binary("less_equal", "le")
logical_and = _binary("logical_and", "logical_and")
logical_or = _binary("logical_or", "logical_or")
logical_xor = _binary("logical_xor", "logical_xor")
maximum = _binary("maximum", "maximum", "NaN propagates.")
minimum = _binary("minimum", "minimum", "NaN propagates.")
multiply = _binary("multiply", "mul")
not_equal = _binary("not_equal", "ne")
pow = _binary("pow", "pow", "An integer to a negative integer power raises RuntimeError.")
remainder = _binary("remainder", "remainder", "The result has the sign of ``x2``, as Python's ``%``.")
subtract = _binary("subtract", "sub")


def copysign(x1, x2, /):
    """Elementwise: the magnitude of ``x1`` with the sign bit of ``x2``
    (composed from ``abs``, ``signbit`` and ``where``)."""
    a, b = _arrays(x1, x2)
    magnitude = ember.abs(a)
    return ember.where(ember.signbit(b), ember.neg(magnitude), magnitude)


def hypot(x1, x2, /):
    """Elementwise ``sqrt(x1**2 + x2**2)`` without overflow or underflow in
    the squares; infinite when either is infinite, even beside a NaN (composed
    from ember's elementwise functions)."""
    a, b = _arrays(x1, x2)
    a, b = ember.abs(a), ember.abs(b)
    big, small = ember.maximum(a, b), ember.minimum(a, b)
    ratio = ember.where(big == 0, ember.zeros_like(big), small / big)
    out = big * ember.sqrt(1 + ratio * ratio)
    return ember.where(ember.isinf(a) | ember.isinf(b), ember.full_like(out, math.inf), out)


def logaddexp(x1, x2, /):
    """Elementwise ``log(exp(x1) + exp(x2))`` without overflow: the larger
    value plus ``log1p(exp(-|x1 - x2|))`` (composed from ember's elementwise
    functions)."""
    a, b = _arrays(x1, x2)
    big = ember.maximum(a, b)
    out = big + ember.log1p(ember.exp(ember.neg(ember.abs(a - b))))
    # equal values (infinities included, where a - b is NaN): x + log(2)
    return ember.where(a == b, a + math.log(2.0), out)


def clip(x, /, min=None, max=None):
    """``ember.clip``: ``x`` limited to ``[min, max]`` (either may be None, a
    Python scalar or an array); the result has ``x``'s dtype when the bounds
    are of ``x``'s kind. NaN in ``x`` stays NaN."""
    if min is None and max is None:
        return x.clone()
    if x.dtype in _SIGNED + _UNSIGNED:
        # a Python int bound beyond x's range would wrap around in x's dtype
        info = iinfo(x.dtype)
        if isinstance(min, int) and not isinstance(min, builtins.bool):
            min = builtins.min(builtins.max(min, info.min), info.max)
        if isinstance(max, int) and not isinstance(max, builtins.bool):
            max = builtins.min(builtins.max(max, info.min), info.max)
    out = ember.clip(x, min, max)
    if out.dtype != x.dtype and out.dtype.is_floating_point == x.dtype.is_floating_point:
        out = out.to(x.dtype)
    return out


def conj(x, /):
    """The complex conjugate: ``x`` itself (ember has no complex dtypes)."""
    return x


def real(x, /):
    """The real component: ``x`` itself (ember has no complex dtypes)."""
    return x


def imag(x, /):
    """The imaginary component: zeros like ``x`` (ember has no complex dtypes)."""
    return ember.zeros_like(x)


# ---- indexing ---------------------------------------------------------------------
def take(x, indices, /, *, axis=None):
    """``ember.index_select``: the elements of ``x`` at ``indices`` (a 1-D
    integer array; negative indices count from the end) along ``axis``. Without
    ``axis`` ``x`` must be 1-D (an N-D ``x`` is flattened first, as an
    extension)."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    (axis,) = _axes(axis, x.ndim)
    if not isinstance(indices, Tensor):
        indices = ember.tensor(indices, dtype=int64)
    indices = ember.where(indices < 0, indices + x.shape[axis], indices)
    return ember.index_select(x, axis, indices)


# ---- linear algebra ---------------------------------------------------------------
def matmul(x1, x2, /):
    """``ember.matmul``: the matrix product, broadcast over leading dimensions."""
    return ember.matmul(x1, x2)


def matrix_transpose(x, /):
    """``x.mT``: the last two dimensions swapped (a view). Raises ValueError
    for an array of fewer than two dimensions."""
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: expected an array of at least 2 dimensions, got {x.ndim}")
    return x.mT


def tensordot(x1, x2, /, *, axes=2):
    """The sum of products over ``axes``: the last ``axes`` dimensions of
    ``x1`` with the first ``axes`` of ``x2`` (an int), or the dimensions named
    by a pair of sequences (composed from ``permute``, ``reshape`` and
    ``matmul``)."""
    dt = ember.promote_types(x1.dtype, x2.dtype)
    x1, x2 = x1.to(dt), x2.to(dt)
    if isinstance(axes, int):
        if axes < 0 or axes > builtins.min(x1.ndim, x2.ndim):
            raise ValueError(f"tensordot: axes={axes} must be in [0, {builtins.min(x1.ndim, x2.ndim)}]")
        a1 = tuple(range(x1.ndim - axes, x1.ndim))
        a2 = tuple(range(axes))
    else:
        first, second = axes
        a1, a2 = _axes(first, x1.ndim), _axes(second, x2.ndim)
        if len(a1) != len(a2):
            raise ValueError("tensordot: the two sequences of axes must have the same length")
    for i, j in zip(a1, a2):
        if x1.shape[i] != x2.shape[j]:
            raise ValueError(f"tensordot: dimension {i} of x1 ({x1.shape[i]}) and {j} of x2 ({x2.shape[j]}) differ")
    free1 = [i for i in range(x1.ndim) if i not in a1]
    free2 = [j for j in range(x2.ndim) if j not in a2]
    k = math.prod(x1.shape[i] for i in a1)
    m = math.prod(x1.shape[i] for i in free1)
    n = math.prod(x2.shape[j] for j in free2)
    left = x1.permute(*free1, *a1).reshape(m, k)
    right = x2.permute(*a2, *free2).reshape(k, n)
    shape = [x1.shape[i] for i in free1] + [x2.shape[j] for j in free2]
    return ember.matmul(left, right).reshape(shape)


def vecdot(x1, x2, /, *, axis=-1):
    """The dot product of the vectors along ``axis`` (of the broadcast
    shape), the other dimensions broadcast; the contracted dimension must have
    the same size in both (composed from ``mul`` and ``sum``)."""
    dt = ember.promote_types(x1.dtype, x2.dtype)
    ndim = builtins.max(x1.ndim, x2.ndim)
    if not -ndim <= axis < ndim:
        raise IndexError(f"vecdot: axis {axis} is out of bounds for arrays of {ndim} dimensions")
    neg = axis - ndim if axis >= 0 else axis
    if -neg > x1.ndim or -neg > x2.ndim or x1.shape[neg] != x2.shape[neg]:
        raise ValueError(f"vecdot: x1 {tuple(x1.shape)} and x2 {tuple(x2.shape)} differ along axis {axis}")
    return ember.sum(ember.mul(x1.to(dt), x2.to(dt)), dim=neg, dtype=dt)


# ---- manipulation -----------------------------------------------------------------
def broadcast_arrays(*arrays):
    """``ember.broadcast_tensors`` as a list: the arrays broadcast to one shape (views)."""
    return list(ember.broadcast_tensors(*arrays))


def broadcast_to(x, /, shape):
    """``ember.broadcast_to``: ``x`` broadcast to ``shape`` (a view)."""
    return ember.broadcast_to(x, _shape(shape))


def concat(arrays, /, *, axis=0):
    """``ember.concat``: the arrays joined along ``axis`` (flattened first
    when ``axis`` is None), promoted to one dtype."""
    if axis is None:
        return ember.concat([a.reshape(-1) for a in arrays], dim=0)
    return ember.concat(list(arrays), dim=axis)


def expand_dims(x, /, *, axis=0):
    """``ember.unsqueeze``: ``x`` with a new dimension of size 1 at ``axis``
    (in ``[-x.ndim - 1, x.ndim]``; IndexError outside)."""
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise IndexError(f"expand_dims: axis {axis} is out of bounds for an array of {x.ndim} dimensions")
    return ember.unsqueeze(x, axis)


def flip(x, /, *, axis=None):
    """``ember.flip``: the order of elements reversed along ``axis`` (an int,
    a tuple, or every dimension when None)."""
    dims = tuple(range(x.ndim)) if axis is None else _axes(axis, x.ndim)
    return ember.flip(x, dims)


def moveaxis(x, source, destination, /):
    """``ember.moveaxis``: the dimensions ``source`` moved to ``destination`` (a view)."""
    return ember.moveaxis(x, source, destination)


def permute_dims(x, /, axes):
    """``ember.permute``: the dimensions of ``x`` reordered as ``axes`` (a view)."""
    return ember.permute(x, tuple(axes))


def repeat(x, repeats, /, *, axis=None):
    """``ember.repeat_interleave``: each element repeated ``repeats`` times
    (an int, or an array with one count per element) along ``axis`` (of the
    flattened array when None)."""
    return ember.repeat_interleave(x, repeats, dim=axis)


def reshape(x, /, shape, *, copy=None):
    """``ember.reshape``: ``x`` with ``shape`` (one entry may be -1).
    ``copy=True`` always copies; ``copy=False`` returns a view or raises
    ValueError when the strides do not allow one."""
    shape = _shape(shape)
    if copy is False:
        try:
            return x.view(shape)
        except RuntimeError as err:
            raise ValueError(f"reshape(copy=False): {err}") from None
    out = ember.reshape(x, shape)
    return out.clone() if copy else out


def roll(x, /, shift, *, axis=None):
    """``ember.roll``: elements shifted by ``shift`` along ``axis`` (of the
    flattened array when None), wrapping around. An int ``shift`` with a
    tuple ``axis`` shifts each of them by it."""
    if axis is None:
        return ember.roll(x, shift)
    if isinstance(axis, int):
        return ember.roll(x, shift, axis)
    axis = tuple(axis)
    if isinstance(shift, int):
        shift = (shift,) * len(axis)
    return ember.roll(x, tuple(shift), axis)


def squeeze(x, /, axis):
    """``ember.squeeze`` of the dimensions ``axis`` (an int or a tuple), which
    must have size 1: ValueError otherwise (PyTorch ignores them)."""
    dims = _axes(axis, x.ndim)
    for d in dims:
        if x.ndim == 0 or x.shape[d] != 1:
            raise ValueError(f"squeeze: dimension {d} has size {x.shape[d] if x.ndim else 0}, not 1")
    return ember.squeeze(x, dims) if dims else x


def stack(arrays, /, *, axis=0):
    """``ember.stack``: the arrays (of one shape) joined along a new dimension ``axis``."""
    return ember.stack(list(arrays), dim=axis)


def tile(x, repetitions, /):
    """``ember.tile``: ``x`` repeated ``repetitions[i]`` times along each dimension."""
    return ember.tile(x, tuple(repetitions))


def unstack(x, /, *, axis=0):
    """``ember.unbind``: the slices of ``x`` along ``axis``, as a tuple of views."""
    return tuple(ember.unbind(x, axis))


# ---- searching --------------------------------------------------------------------
def argmax(x, /, *, axis=None, keepdims=False):
    """``ember.argmax``: the index of the first largest value, of the
    flattened array when ``axis`` is None."""
    return ember.argmax(x, dim=axis, keepdim=keepdims)


def argmin(x, /, *, axis=None, keepdims=False):
    """``ember.argmin``: the index of the first smallest value, of the
    flattened array when ``axis`` is None."""
    return ember.argmin(x, dim=axis, keepdim=keepdims)


def nonzero(x, /):
    """``ember.nonzero(x, as_tuple=True)``: a tuple of index arrays, one per
    dimension. Raises ValueError for a 0-d array."""
    if x.ndim == 0:
        raise ValueError("nonzero: a 0-d array is not allowed (add a dimension first)")
    return tuple(ember.nonzero(x, as_tuple=True))


def searchsorted(x1, x2, /, *, side="left", sorter=None):
    """``ember.searchsorted``: where the values ``x2`` would be inserted into
    the sorted 1-D array ``x1`` (sorted by ``sorter`` when given) to keep it
    sorted; ``side`` says which end of a run of equal values."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    x1, x2 = _arrays(x1, x2)
    return ember.searchsorted(x1, x2, side=side, sorter=sorter)


def where(condition, x1, x2, /):
    """``ember.where``: ``x1`` where ``condition`` is True, else ``x2`` (broadcast, promoted;
    either may be a Python scalar)."""
    if isinstance(x1, Tensor) or isinstance(x2, Tensor):
        x1, x2 = _arrays(x1, x2)
    return ember.where(condition, x1, x2)


# ---- set functions ------------------------------------------------------------------
UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def unique_all(x, /):
    """The distinct values of ``x`` (sorted, flattened), the index of the
    first occurrence of each in the flattened ``x``, the index into the values
    of each element of ``x`` (shaped like ``x``) and the count of each. NaNs
    are distinct from each other. ``ember.unique``, with the first indices by
    ``scatter_reduce``."""
    values, inverse, counts = ember.unique(x, sorted=True, return_inverse=True, return_counts=True)
    n = x.numel()
    first = ember.full((values.shape[0],), n, dtype=int64)
    first = first.scatter_reduce(0, inverse.reshape(-1), ember.arange(n), reduce="amin", include_self=True)
    return UniqueAllResult(values, first, inverse, counts)


def unique_counts(x, /):
    """The distinct values of ``x`` (sorted, flattened) and the count of each
    (NaNs are distinct): ``ember.unique``."""
    values, counts = ember.unique(x, sorted=True, return_counts=True)
    return UniqueCountsResult(values, counts)


def unique_inverse(x, /):
    """The distinct values of ``x`` (sorted, flattened) and the index into
    them of each element of ``x`` (shaped like ``x``): ``ember.unique``."""
    values, inverse = ember.unique(x, sorted=True, return_inverse=True)
    return UniqueInverseResult(values, inverse)


def unique_values(x, /):
    """The distinct values of ``x`` (sorted, flattened; NaNs are distinct): ``ember.unique``."""
    return ember.unique(x, sorted=True)


# ---- sorting ------------------------------------------------------------------------
def argsort(x, /, *, axis=-1, descending=False, stable=True):
    """``ember.argsort``: the indices that sort ``x`` along ``axis``. The sort
    is always stable (equal values keep their order, also when descending);
    NaN sorts as the largest value."""
    return ember.argsort(x, dim=axis, descending=descending, stable=stable)


def sort(x, /, *, axis=-1, descending=False, stable=True):
    """``ember.sort(...).values``: ``x`` sorted along ``axis`` (stable; NaN
    sorts as the largest value)."""
    return ember.sort(x, dim=axis, descending=descending, stable=stable).values


# ---- statistical ----------------------------------------------------------------------
def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """``ember.cumsum``: running sums along ``axis`` (which may be left out
    for a 1-D array), with a leading zero when ``include_initial``. The
    dtype follows ``sum``'s rules."""
    if axis is None:
        if x.ndim != 1:
            raise ValueError("cumulative_sum: axis is required for an array that is not 1-D")
        axis = 0
    (axis,) = _axes(axis, x.ndim)
    out = ember.cumsum(x, axis, dtype=dtype)
    if include_initial:
        shape = list(out.shape)
        shape[axis] = 1
        out = ember.concat([ember.zeros(shape, dtype=out.dtype), out], dim=axis)
    return out


def max(x, /, *, axis=None, keepdims=False):
    """``ember.amax``: the largest value over ``axis`` (all dimensions when
    None, none when ``()``); NaN propagates. Raises RuntimeError over zero
    elements."""
    return _reduce(ember.amax, x, axis, keepdims)


def mean(x, /, *, axis=None, keepdims=False):
    """``ember.mean`` over ``axis`` (all dimensions when None, none when
    ``()``). ``x`` must be floating point (RuntimeError for integers)."""
    return _reduce(ember.mean, x, axis, keepdims)


def min(x, /, *, axis=None, keepdims=False):
    """``ember.amin``: the smallest value over ``axis`` (all dimensions when
    None, none when ``()``); NaN propagates. Raises RuntimeError over zero
    elements."""
    return _reduce(ember.amin, x, axis, keepdims)


def prod(x, /, *, axis=None, dtype=None, keepdims=False):
    """``ember.prod`` over ``axis`` (all dimensions when None, none when
    ``()``). Without ``dtype``, floating types are kept and integers and bool
    give ``int64``."""
    return _reduce(ember.prod, x, axis, keepdims, dtype=dtype)


def std(x, /, *, axis=None, correction=0.0, keepdims=False):
    """``ember.std`` over ``axis`` (all dimensions when None, none when
    ``()``), divided by ``N - correction``: the standard's default is
    ``correction=0`` (PyTorch's is 1)."""
    return _reduce(ember.std, x, axis, keepdims, correction=correction)


def sum(x, /, *, axis=None, dtype=None, keepdims=False):
    """``ember.sum`` over ``axis`` (all dimensions when None, none when
    ``()``). Without ``dtype``, floating types are kept and integers and bool
    give ``int64``."""
    return _reduce(ember.sum, x, axis, keepdims, dtype=dtype)


def var(x, /, *, axis=None, correction=0.0, keepdims=False):
    """``ember.var`` over ``axis`` (all dimensions when None, none when
    ``()``), divided by ``N - correction``: the standard's default is
    ``correction=0`` (PyTorch's is 1)."""
    return _reduce(ember.var, x, axis, keepdims, correction=correction)


# ---- utility ------------------------------------------------------------------------
def all(x, /, *, axis=None, keepdims=False):
    """``ember.all``: whether every element over ``axis`` is true (nonzero), as bool
    (PyTorch keeps ``uint8``)."""
    return _reduce(ember.all, x, axis, keepdims).to(bool)


def any(x, /, *, axis=None, keepdims=False):
    """``ember.any``: whether some element over ``axis`` is true (nonzero), as bool
    (PyTorch keeps ``uint8``)."""
    return _reduce(ember.any, x, axis, keepdims).to(bool)


# ---- inspection -----------------------------------------------------------------------
class Info:
    """What :func:`__array_namespace_info__` returns: the namespace's
    capabilities, devices and data types."""

    def capabilities(self):
        """``{"boolean indexing": True, "data-dependent shapes": True}``."""
        return {"boolean indexing": True, "data-dependent shapes": True}

    def default_device(self):
        """``ember.device("cpu")``."""
        return ember.device("cpu")

    def default_dtypes(self, *, device=None):
        """The default dtypes: ``"real floating"`` (``ember.get_default_dtype()``),
        ``"integral"`` and ``"indexing"`` (``int64``). There is no
        ``"complex floating"`` entry: ember has no complex dtypes."""
        _check_device(device)
        return {"real floating": ember.get_default_dtype(), "integral": int64, "indexing": int64}

    def dtypes(self, *, device=None, kind=None):
        """The standard's dtypes ember has, by name, those of ``kind`` (as in
        :func:`isdtype`) when given."""
        _check_device(device)
        if kind is None:
            return dict(_STANDARD_DTYPES)
        return {name: dt for name, dt in _STANDARD_DTYPES.items() if isdtype(dt, kind)}

    def devices(self):
        """``[ember.device("cpu")]``: the devices of this build."""
        return [ember.device("cpu")]


def __array_namespace_info__():
    """An :class:`Info` object describing this namespace."""
    return Info()


def __array_namespace__(self, /, api_version=None):
    """``Tensor.__array_namespace__``: the ``ember.array_api`` module.
    ``api_version`` may be None, ``"2021.12"``, ``"2022.12"`` or ``"2023.12"``
    (ValueError otherwise); every one of them gets this namespace."""
    if api_version is not None and api_version not in _API_VERSIONS:
        raise ValueError(
            f"api_version {api_version!r} is not supported; ember.array_api implements {__array_api_version__}"
        )
    return sys.modules[__name__]


__all__ = sorted(
    [
        # constants
        "e",
        "inf",
        "nan",
        "newaxis",
        "pi",
        # data types
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "float32",
        "float64",
        "float16",
        "bfloat16",
        # data type functions
        "astype",
        "can_cast",
        "finfo",
        "iinfo",
        "isdtype",
        "result_type",
        # creation
        "arange",
        "asarray",
        "empty",
        "empty_like",
        "eye",
        "from_dlpack",
        "full",
        "full_like",
        "linspace",
        "meshgrid",
        "ones",
        "ones_like",
        "tril",
        "triu",
        "zeros",
        "zeros_like",
        # elementwise
        "abs",
        "acos",
        "add",
        "asin",
        "atan",
        "atan2",
        "bitwise_and",
        "bitwise_invert",
        "bitwise_left_shift",
        "bitwise_or",
        "bitwise_right_shift",
        "bitwise_xor",
        "ceil",
        "clip",
        "conj",
        "copysign",
        "cos",
        "cosh",
        "divide",
        "equal",
        "exp",
        "expm1",
        "floor",
        "floor_divide",
        "greater",
        "greater_equal",
        "hypot",
        "imag",
        "isfinite",
        "isinf",
        "isnan",
        "less",
        "less_equal",
        "log",
        "log1p",
        "log2",
        "log10",
        "logaddexp",
        "logical_and",
        "logical_not",
        "logical_or",
        "logical_xor",
        "maximum",
        "minimum",
        "multiply",
        "negative",
        "not_equal",
        "positive",
        "pow",
        "real",
        "remainder",
        "round",
        "sign",
        "signbit",
        "sin",
        "sinh",
        "sqrt",
        "square",
        "subtract",
        "tan",
        "tanh",
        "trunc",
        # indexing
        "take",
        # linear algebra
        "matmul",
        "matrix_transpose",
        "tensordot",
        "vecdot",
        # manipulation
        "broadcast_arrays",
        "broadcast_to",
        "concat",
        "expand_dims",
        "flip",
        "moveaxis",
        "permute_dims",
        "repeat",
        "reshape",
        "roll",
        "squeeze",
        "stack",
        "tile",
        "unstack",
        # searching
        "argmax",
        "argmin",
        "nonzero",
        "searchsorted",
        "where",
        # set
        "unique_all",
        "unique_counts",
        "unique_inverse",
        "unique_values",
        # sorting
        "argsort",
        "sort",
        # statistical
        "cumulative_sum",
        "max",
        "mean",
        "min",
        "prod",
        "std",
        "sum",
        "var",
        # utility
        "all",
        "any",
        # inspection
        "__array_namespace_info__",
    ]
)

# Until the core registers Tensor.__array_namespace__ itself (lazily, without
# importing this module), importing ember.array_api attaches it.
if "__array_namespace__" not in Tensor.__dict__:
    Tensor.__array_namespace__ = __array_namespace__
