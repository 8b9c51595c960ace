# SPDX-License-Identifier: BSD-3-Clause
"""Tensor creation: from data, filled, ranges and random."""

from __future__ import annotations

import functools
import operator

from . import _C
from ._device import as_device, check_available
from ._dtypes import BY_NAME, from_numpy_dtype
from ._reduce import _torch_name
from ._registry import EXPORTS, Tensor, export

_int64 = BY_NAME["int64"]
_bool = BY_NAME["bool"]


def _check_options(device, requires_grad):
    # requires_grad is applied by the wrapper _with_requires_grad puts on each factory
    if device is not None:
        check_available(as_device(device))


def _size_args(size) -> list[int]:
    """Accepts f(2, 3), f((2, 3)) and f([2, 3])."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.__index__()
        if isinstance(s, bool) or not isinstance(s, int):
            if not hasattr(s, "__index__"):
                raise TypeError(f"size must be a tuple of ints, but got an element of type {type(s).__name__}")
            s = s.__index__()
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return out


def _scalar_dtype(value):
    if isinstance(value, bool):
        return _bool
    if isinstance(value, int):
        return _int64
    return _C.get_default_dtype()


def _inferred_int(np_dtype):
    """The dtype of integer data numpy gave ``np_dtype``: one ember has, else int64."""
    try:
        return from_numpy_dtype(np_dtype)
    except TypeError:  # uint16/32/64
        return _int64


@export
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, arrays, tensors)."""
    _check_options(device, requires_grad)
    if isinstance(data, Tensor):
        t = data.clone()
        return t if dtype is None else t._to_dtype(dtype)
    import numpy as np

    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        inferred = from_numpy_dtype(arr.dtype)
    else:
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise ValueError(f"tensor(): ragged nested sequence: {e}") from None
        kind = arr.dtype.kind
        if kind == "b":
            inferred = _bool
        elif kind in "iu":
            # numpy integer scalars keep their type (promoted with each other
            # and with Python ints, which are int64), as in PyTorch
            inferred = _inferred_int(arr.dtype)
            arr = arr.astype(np.int64, copy=False)
        elif kind == "f":
            inferred = _C.get_default_dtype()
        else:
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    target = dtype or inferred
    if arr.dtype.kind == "f" and arr.dtype.itemsize not in (2, 4, 8):
        arr = arr.astype(np.float64)
    src = _C.from_numpy(arr if arr.ndim == 0 else np.ascontiguousarray(arr))
    if src.dtype is target:
        return src.clone()
    return src._to_dtype(target)


@export
def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a tensor or numpy array when it can."""
    if isinstance(data, Tensor):
        return data if dtype is None else data._to_dtype(dtype)
    import numpy as np

    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        return t if dtype is None else t._to_dtype(dtype)
    return tensor(data, dtype=dtype, device=device)


export(as_tensor, name="asarray")


@export
def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with a numpy array (no copy)."""
    import numpy as np

    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return _C.from_numpy(ndarray)


@export
def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with any DLPack producer (numpy, PyTorch, ...)."""
    if hasattr(ext, "__dlpack__"):
        try:
            capsule = ext.__dlpack__(max_version=(1, 0))
        except TypeError:
            capsule = ext.__dlpack__()
    else:
        capsule = ext
    return _C.from_dlpack_capsule(capsule)


def _fill_out(out, size, fill):
    """PyTorch's ``out=`` for a factory: ``out`` must have the requested size."""
    if list(out.shape) != size:
        raise RuntimeError(f"out= has shape {list(out.shape)} but the result has shape {size}")
    return fill(out)


@export
def empty(*size, dtype=None, device=None, requires_grad=False, pin_memory=False, memory_format=None, out=None):
    _check_options(device, requires_grad)
    if out is not None:
        return _fill_out(out, _size_args(size), lambda t: t)
    return _C.empty(_size_args(size), dtype or _C.get_default_dtype())


def _filled(size, value, dtype, device, requires_grad, out):
    _check_options(device, requires_grad)
    if out is not None:
        return _fill_out(out, _size_args(size), lambda t: t.fill_(value))
    return _C.full(_size_args(size), value, dtype or _C.get_default_dtype())  # version 0


@export
def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _filled(size, 0, dtype, device, requires_grad, out)


@export
def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _filled(size, 1, dtype, device, requires_grad, out)


@export
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _filled((size,), fill_value, dtype or _scalar_dtype(fill_value), device, requires_grad, out)


def _like(name, maker):
    def like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, **kw):
        return maker(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad, **kw)

    like.__name__ = name
    return like


for _name, _maker in {"empty_like": empty, "zeros_like": zeros, "ones_like": ones}.items():
    export(_like(_name, _maker), name=_name)


@export
def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


@export
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """Values from ``start`` to ``end`` (exclusive) every ``step``."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = _C.get_default_dtype() if is_float else _int64
    _check_options(device, requires_grad)
    return _C.arange(float(start), float(end), float(step), dtype)


@export
def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_options(device, requires_grad)
    if not isinstance(steps, int) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    return _C.linspace(float(_number(start)), float(_number(end)), steps, dtype or _C.get_default_dtype())


@export
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None):
    """``base ** linspace(start, end, steps)``."""
    exps = linspace(start, end, steps, dtype=BY_NAME["float64"])
    result = _C.binary(_C.binary_ops["pow"], float(base), exps, None)
    return result._to_dtype(dtype or _C.get_default_dtype())


@export
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    """A 2-D tensor with ones on the diagonal."""
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    _check_options(device, requires_grad)
    rows, cols = _C.arange(0.0, float(n), 1.0, _int64), _C.arange(0.0, float(m), 1.0, _int64)
    diagonal = _C.binary(_C.binary_ops["eq"], rows.unsqueeze(1), cols.unsqueeze(0), None)  # fresh: version 0
    if out is not None:
        return _fill_out(out, [n, m], lambda t: t.copy_(diagonal))
    return diagonal._to_dtype(dtype or _C.get_default_dtype())


# ---- random ---------------------------------------------------------------
def _seed_arg(seed) -> int:
    """A seed as the core's int64: PyTorch takes any int in [-2**63, 2**64)
    and keeps it modulo 2**64."""
    seed = operator.index(seed)
    if not -(2**63) <= seed < 2**64:
        raise ValueError(f"Overflow when unpacking long long: seed {seed} is outside [-2**63, 2**64)")
    return seed - 2**64 if seed >= 2**63 else seed


def _int64_bits(v) -> int:
    """The int64 with the bit pattern of ``v`` modulo 2**64 (the core's state words)."""
    v = int(v) % 2**64
    return v - 2**64 if v >= 2**63 else v


_core_manual_seed = _C.Generator.manual_seed


def _generator_manual_seed(self, seed):
    """Seeds this generator (any int in [-2**63, 2**64)); returns it."""
    return _core_manual_seed(self, _seed_arg(seed))


_C.Generator.manual_seed = _generator_manual_seed


@export
def manual_seed(seed):
    """Seeds the default generator; returns it."""
    return _C.default_generator().manual_seed(seed)


@export
def seed():
    return _C.default_generator().seed()


@export
def initial_seed():
    return _C.default_generator().initial_seed()


@export
def get_rng_state():
    return tensor(list(_C.default_generator()._get_state()), dtype=_int64)


@export
def set_rng_state(state):
    s, o = (_int64_bits(v) for v in state.tolist())
    _C.default_generator()._set_state(s, o)


def _get_state(self):
    return tensor([int(v) for v in self._get_state()], dtype=_int64)


def _set_state(self, state):
    s, o = (_int64_bits(v) for v in state.tolist())
    self._set_state(s, o)
    return self


_C.Generator.get_state = _get_state
_C.Generator.set_state = _set_state


def _random_tensor(size, dtype, device, requires_grad, out, name=None):
    """(tensor to fill, whether it is fresh): ``out`` (checked) or a new tensor,
    which the fill leaves at version 0."""
    _check_options(device, requires_grad)
    t = out if out is not None else empty(*size, dtype=dtype)
    if out is not None:
        _fill_out(out, _size_args(size), lambda t: t)
    if name is not None:
        _check_float(t, name)
    return t, out is None


@export
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Uniform samples in [0, 1)."""
    t, fresh = _random_tensor(size, dtype, device, requires_grad, out, "rand")
    return _C.uniform_(t, 0.0, 1.0, generator, fresh)


@export
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Standard normal samples."""
    t, fresh = _random_tensor(size, dtype, device, requires_grad, out, "randn")
    return _C.normal_(t, 0.0, 1.0, generator, fresh)


def _check_float(t, name):
    if not t.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_torch_name(t.dtype)}'")


@export
def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Integers uniform in [low, high)."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if high is None or size is None:
        raise TypeError("randint() missing required argument 'size'")
    t, fresh = _random_tensor((size,), dtype or _int64, device, requires_grad, out)
    return _C.random_int_(t, int(low), int(high), generator, fresh)


@export
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """A random permutation of ``0..n-1``."""
    p = _C.randperm(int(n), generator)
    return p if dtype is None else p._to_dtype(dtype)


@export
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, out=None):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast)."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shape = _C.binary(_C.binary_ops["add"], mean, std, None).shape
        ref = mean if isinstance(mean, Tensor) else std
        noise = empty(shape, dtype=ref.dtype if ref.dtype.is_floating_point else None)
        _C.normal_(noise, 0.0, 1.0, generator, True)
        return noise * std + mean
    if size is None:
        raise TypeError("normal(): with float mean and std, 'size' is required")
    t, fresh = _random_tensor((size,), dtype, None, False, out)
    return _C.normal_(t, float(mean), float(std), generator, fresh)


def _rand_like(name, fn):
    def like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, generator=None):
        return fn(input.shape, dtype=dtype or input.dtype, generator=generator)

    like.__name__ = name
    return like


export(_rand_like("rand_like", rand), name="rand_like")
export(_rand_like("randn_like", randn), name="randn_like")


@export
def randint_like(input, low=0, high=None, *, dtype=None, device=None, generator=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, generator=generator)


# In-place random fills, as Tensor methods.
def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    return _C.uniform_(self, float(a), float(b), generator)


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    return _C.normal_(self, float(mean), float(std), generator)


# random_()'s default upper bound (inclusive, as PyTorch): the largest integer
# each float type holds exactly with all below it, the largest value of an int type
_RANDOM_MAX = {
    "bool": 1, "uint8": 255, "int8": 127, "int16": 2**15 - 1, "int32": 2**31 - 1, "int64": 2**63 - 2,
    "float16": 2**11, "bfloat16": 2**8, "float32": 2**24, "float64": 2**53,
}  # fmt: skip


def _random_(self, from_=0, to=None, *, generator=None):
    """Integers uniform in [from, to); ``random_(to)`` is [0, to), and with no
    bounds [0, the dtype's largest exactly representable integer]."""
    if to is None and from_ != 0:  # random_(to)
        from_, to = 0, from_
    if to is None:
        to = _RANDOM_MAX[self.dtype.name] + 1
    return _C.random_int_(self, int(from_), int(to), generator)


Tensor.uniform_ = _uniform_
Tensor.normal_ = _normal_
Tensor.random_ = _random_


def _with_requires_grad(factory):
    """``factory`` with its ``requires_grad=`` applied to the tensor it returns."""

    @functools.wraps(factory)
    def wrapper(*args, requires_grad=False, **kwargs):
        t = factory(*args, **kwargs)
        return t.requires_grad_() if requires_grad else t

    return wrapper


def _takes_requires_grad(fn) -> bool:
    code = getattr(fn, "__code__", None)
    return code is not None and "requires_grad" in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]


for _name, _fn in list(EXPORTS.items()):
    if getattr(_fn, "__module__", None) == __name__ and _takes_requires_grad(_fn):
        EXPORTS[_name] = _with_requires_grad(_fn)
