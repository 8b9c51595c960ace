# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the NN kernels: argument normalization, dtype handling
and loss reductions."""

from __future__ import annotations

import warnings

from .. import _C
from .._dtypes import BY_NAME, torch_name  # noqa: F401 - re-exported for the families
from .._registry import Tensor


class _LazyNumpy:
    """numpy, imported on first use (``import ember`` does not load it)."""

    def __getattr__(self, name):
        import numpy

        return getattr(numpy, name)


np = _LazyNumpy()

float32 = BY_NAME["float32"]
float64 = BY_NAME["float64"]
int64 = BY_NAME["int64"]
uint8 = BY_NAME["uint8"]
bool_ = BY_NAME["bool"]


def ntuple(value, n: int, name: str) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints."""
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return (int(value[0]),) * n
        if len(value) != n:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of {n} values to match the "
                f"convolution dimensions, but got {name}={list(value)}"
            )
        return tuple(int(v) for v in value)
    return (int(value),) * n


def check_tensor(name: str, arg: str, t) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(t).__name__}")


def check_floating(name: str, t) -> None:
    """PyTorch's message for a kernel that has no integer version."""
    if not t.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{torch_name(t.dtype)}'")


def is_half(t) -> bool:
    return t.dtype.name in ("float16", "bfloat16")


def opmath(t):
    """16-bit floats compute in float32 (PyTorch's accumulate type)."""
    return t._to_dtype(float32) if is_half(t) else t


def wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    dim = int(dim)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def arange(n: int, dtype=int64):
    return _C.arange(0, n, 1, dtype)


def zeros(shape, dtype):
    return _C.empty([int(s) for s in shape], dtype).fill_(0)


def full(shape, value, dtype):
    return _C.empty([int(s) for s in shape], dtype).fill_(value)


def as_float(value, like):
    """A Python number or tensor as a tensor of ``like``'s dtype."""
    if isinstance(value, Tensor):
        return value
    return full((), value, like.dtype)


# ---- losses ----------------------------------------------------------------
REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's ``size_average``/``reduce`` arguments (deprecated) folded into
    ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use "
        f"reduction='{_legacy(size_average, reduce)}' instead.",
        stacklevel=3,
    )
    return _legacy(size_average, reduce)


def _legacy(size_average, reduce) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def check_reduction(reduction: str, allowed=REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def reduce_loss(loss, reduction: str):
    """The elementwise ``loss`` reduced as ``reduction`` says."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def expand_grad(grad_output, shape, reduction: str, numel: int):
    """The upstream gradient of a reduced loss spread over the elementwise
    loss's ``shape`` (divided by the element count for 'mean')."""
    if reduction == "none":
        return grad_output
    g = grad_output.reshape(())
    if reduction == "mean":
        g = g / numel if numel else g * float("nan")
    return g.expand(*shape)
