# SPDX-License-Identifier: BSD-3-Clause
"""Softmax and log-softmax (the core's fused row kernel) and their gradients."""

from __future__ import annotations

import warnings

from .. import _C
from ._common import check_tensor, is_half, opmath, torch_name, wrap_dim


def _implicit_dim(ndim: int, name: str) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax(name, input, dim, dtype, log):
    check_tensor(name, "input", input)
    if dim is None:
        dim = _implicit_dim(input.dim(), name)
    dim = wrap_dim(dim, input.dim())
    x = input if dtype is None else input._to_dtype(dtype)
    if not x.dtype.is_floating_point:
        kernel = "log_softmax" if log else "softmax"
        raise NotImplementedError(f"\"{kernel}_lastdim_kernel_impl\" not implemented for '{torch_name(x.dtype)}'")
    out = _C.softmax(opmath(x), dim, log)
    return out._to_dtype(x.dtype) if is_half(x) else out


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably in one pass
    per row (16-bit floats in float32). ``dtype`` casts the input first."""
    return _softmax("softmax", input, dim, dtype, False)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(x))`` along ``dim``, computed without forming the softmax."""
    return _softmax("log_softmax", input, dim, dtype, True)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x)`` along ``dim``."""
    check_tensor("softmin", "input", input)
    return _softmax("softmin", -input if dtype is None else -input._to_dtype(dtype), dim, None, False)


def softmax_backward(grad_output, output, dim):
    """Gradient of :func:`softmax` from its ``output``:
    ``output * (grad - sum(grad * output, dim))``."""
    dim = wrap_dim(dim, output.dim())
    g, y = opmath(grad_output), opmath(output)
    gi = y * (g - (g * y).sum(dim, keepdim=True))
    return gi._to_dtype(output.dtype)


def log_softmax_backward(grad_output, output, dim):
    """Gradient of :func:`log_softmax` from its ``output``:
    ``grad - exp(output) * sum(grad, dim)``."""
    dim = wrap_dim(dim, output.dim())
    g, y = opmath(grad_output), opmath(output)
    gi = g - y.exp() * g.sum(dim, keepdim=True)
    return gi._to_dtype(output.dtype)


def softmin_backward(grad_output, output, dim):
    """Gradient of :func:`softmin` from its ``output``."""
    return -softmax_backward(grad_output, output, dim)
