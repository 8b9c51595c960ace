# SPDX-License-Identifier: BSD-3-Clause
"""Tensor properties, conversions and the Python number/sequence protocol."""

from __future__ import annotations

from . import _C
from ._device import CPU, as_device, check_available
from ._dtypes import BY_NAME, dtype
from ._registry import Tensor, export, method, prop
from ._size import Size


@prop
def shape(self) -> Size:
    return Size(self._sizes)


@method
def size(self, dim=None):
    if dim is None:
        return Size(self._sizes)
    sizes = self._sizes
    n = len(sizes)
    if n == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return sizes[dim]


@prop
def device(self):
    return CPU


@prop
def is_cuda(self) -> bool:
    return False


@prop
def is_cpu(self) -> bool:
    return True


@export
def is_tensor(obj) -> bool:
    """Whether ``obj`` is a Tensor (``isinstance(obj, ember.Tensor)``)."""
    return isinstance(obj, Tensor)


@export
def numel(input) -> int:  # noqa: A002 - PyTorch's name
    """The number of elements of ``input``."""
    return input.numel()


@export
@method
def is_floating_point(self) -> bool:
    return self.dtype.is_floating_point


@export
@method
def is_complex(self) -> bool:
    return False


@export
@method
def is_nonzero(self) -> bool:
    """Whether a one-element tensor is not zero (NaN counts as nonzero);
    any other size raises, as ``bool(tensor)`` does."""
    return self.__bool__()


@method
def type(self, dtype=None):  # noqa: A002
    if dtype is None:
        return (
            "ember."
            + {
                "bool": "BoolTensor",
                "uint8": "ByteTensor",
                "int8": "CharTensor",
                "int16": "ShortTensor",
                "int32": "IntTensor",
                "int64": "LongTensor",
                "float16": "HalfTensor",
                "bfloat16": "BFloat16Tensor",
                "float32": "FloatTensor",
                "float64": "DoubleTensor",
            }[self.dtype.name]
        )
    return self.to(dtype)


def _parse_to(args, kwargs):
    dev, dt = kwargs.pop("device", None), kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, dtype):
            dt = a
        elif isinstance(a, Tensor):
            dt, dev = a.dtype, a.device
        elif a is not None and not isinstance(a, bool):
            dev = a
    return dev, dt, copy


@method
def to(self, *args, **kwargs):
    """Converts dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``."""
    dev, dt, copy = _parse_to(args, kwargs)
    if dev is not None:
        check_available(as_device(dev))
    result = self if dt is None else self._to_dtype(dt)
    if copy and result is self:
        result = self.clone()
    return result


def _caster(name):
    target = BY_NAME[name]

    def cast(self, memory_format=None):
        return self._to_dtype(target)

    cast.__name__ = name
    return cast


for _m, _t in {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "bfloat16": "bfloat16",
    "long": "int64",
    "int": "int32",
    "short": "int16",
    "char": "int8",
    "byte": "uint8",
    "bool": "bool",
}.items():
    setattr(Tensor, _m, _caster(_t))


@method
def cpu(self, memory_format=None):
    return self


@method
def cuda(self, device=None, non_blocking=False):
    check_available(as_device(device if device is not None else "cuda"))


@method
def numpy(self, *, force=False):
    """A numpy array sharing this tensor's memory."""
    if self._requires_grad and not force:
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
    return _C.to_numpy(self)


# numpy defers to our reflected operators (np.float64(2) * t is a Tensor), as for torch.Tensor
Tensor.__array_priority__ = 1000


@method
def __array__(self, dtype=None, copy=None):
    arr = _C.to_numpy(self)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr.copy() if copy else arr


@method
def tolist(self):
    if self.dtype.name == "bfloat16":
        return self.float().tolist()
    return _C.to_numpy(self).tolist()


@method
def __len__(self):
    if self.dim() == 0:
        raise TypeError("len() of a 0-d tensor")
    return self._sizes[0]


@method
def __iter__(self):
    if self.dim() == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self.select(0, i) for i in range(self._sizes[0]))


@method
def __bool__(self):
    n = self.numel()
    if n != 1:
        raise RuntimeError(
            f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} is ambiguous"
        )
    return bool(self.item())


@method
def __float__(self):
    return float(self.item())


@method
def __int__(self):
    return int(self.item())


@method
def __index__(self):
    if self.dtype.is_floating_point or self.dtype.name == "bool" or self.numel() != 1:
        raise TypeError("only integer tensors of a single element can be converted to an index")
    return int(self.item())


@method
def __complex__(self):
    return complex(self.item())


@method
def __format__(self, spec):
    if self.dim() == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


@method
def __reduce_ex__(self, protocol):
    # Pickling goes through numpy (bfloat16 as float32 plus the dtype name).
    data = self.detach()
    arr = (data.float() if self.dtype.name == "bfloat16" else data).numpy().copy()
    return (_rebuild, (arr, self.dtype.name, self._requires_grad))


def _rebuild(arr, dtype_name, requires_grad=False):
    t = _C.from_numpy(arr)._to_dtype(BY_NAME[dtype_name])
    return t.requires_grad_() if requires_grad else t


@method
def __deepcopy__(self, memo):
    """A new leaf with a copy of the data, ``requires_grad``, ``.grad`` and the
    user's attributes (views are not kept together, unlike PyTorch)."""
    if self.__dict__.get("_grad_fn") is not None:
        raise RuntimeError(
            "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment."
        )
    import copy

    prev = _C._set_grad_enabled(False)
    try:
        new = self.clone()
    finally:
        _C._set_grad_enabled(prev)
    memo[id(self)] = new
    if self._requires_grad:
        new.requires_grad_()
    for key, value in self.__dict__.items():
        if key == "_grad" and value is not None:
            new.__dict__["_grad"] = copy.deepcopy(value, memo)
        elif not key.startswith("_"):  # the user's own attributes; autograd's stay behind
            new.__dict__[key] = copy.deepcopy(value, memo)
    return new


@method
def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    versioned = max_version is not None and tuple(max_version) >= (1, 0)
    src = self.clone() if copy else self
    return _C.to_dlpack(src, versioned)


@method
def __dlpack_device__(self):
    return (1, 0)


# ember-multiprocessing's (share_memory_, is_shared), registered by its import
_sharing_handler = None


def _set_sharing_handler(share_memory, is_shared) -> None:
    """Called by ``import ember.multiprocessing``: the functions behind
    ``Tensor.share_memory_`` and ``Tensor.is_shared``."""
    global _sharing_handler
    _sharing_handler = (share_memory, is_shared)


@method
def share_memory_(self):
    """Moves the storage to shared memory, in place (ember-multiprocessing)."""
    if _sharing_handler is None:
        import importlib

        try:
            importlib.import_module("ember.multiprocessing")  # registers the handler
        except ModuleNotFoundError as e:
            if e.name is None or not e.name.startswith("ember.multiprocessing"):
                raise
            raise ModuleNotFoundError(
                "share_memory_() is part of the 'ember-multiprocessing' distribution. "
                "Install it with: pip install ember-multiprocessing",
                name="ember.multiprocessing",
            ) from None
    return _sharing_handler[0](self)


@method
def is_shared(self) -> bool:
    # nothing is shared before ember.multiprocessing is imported: receiving a
    # shared tensor imports it
    return _sharing_handler is not None and _sharing_handler[1](self)


@method
def new_empty(self, *size, dtype=None, device=None):
    from ._creation import empty

    return empty(*size, dtype=dtype or self.dtype)


@method
def new_zeros(self, *size, dtype=None, device=None):
    from ._creation import zeros

    return zeros(*size, dtype=dtype or self.dtype)


@method
def new_ones(self, *size, dtype=None, device=None):
    from ._creation import ones

    return ones(*size, dtype=dtype or self.dtype)


@method
def new_full(self, size, fill_value, *, dtype=None, device=None):
    from ._creation import full

    return full(size, fill_value, dtype=dtype or self.dtype)


@method
def new_tensor(self, data, *, dtype=None, device=None):
    from ._creation import tensor

    return tensor(data, dtype=dtype or self.dtype)


@method
def zero_(self):
    return self.fill_(0)


@method
def __array_namespace__(self, /, api_version=None):
    """The array API namespace ``ember.array_api`` (imported on first use)."""
    from . import array_api

    return array_api.__array_namespace__(self, api_version)
