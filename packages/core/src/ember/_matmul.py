# SPDX-License-Identifier: BSD-3-Clause
"""Matrix products with PyTorch's shape rules, on the core's batched GEMM
(OpenBLAS for float32/float64)."""

from __future__ import annotations

import math

from . import _C
from ._autograd_tensor import recorded_as
from ._registry import Tensor, export, method


def _need_dims(name, t, dims, what):
    if t.dim() != dims:
        raise RuntimeError(f"{name}: {what} must be a {dims}D tensor, got {t.dim()}D with shape {list(t.shape)}")


def _check_dtypes(a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}")


@export
@recorded_as("mm")  # one node, not the views and batched GEMM it runs
def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors."""
    _need_dims("mm", input, 2, "self")
    _need_dims("mm", mat2, 2, "mat2")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} "
            f"and {mat2.shape[0]}x{mat2.shape[1]})"
        )
    _check_dtypes(input, mat2)
    o = None if out is None else out.unsqueeze(0)
    r = _C.batched_gemm(input.unsqueeze(0), mat2.unsqueeze(0), o, 1.0, 0.0)
    return out if out is not None else r.squeeze(0)


@export
def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors."""
    _need_dims("bmm", input, 3, "batch1")
    _need_dims("bmm", mat2, 3, "batch2")
    _check_dtypes(input, mat2)
    return _C.batched_gemm(input, mat2, out, 1.0, 0.0)


@export
def mv(input, vec, *, out=None):
    """Matrix-vector product."""
    _need_dims("mv", input, 2, "self")
    _need_dims("mv", vec, 1, "vec")
    return _finish(mm(input, vec.unsqueeze(1)).squeeze(1), out)


@export
def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of the same size."""
    if input.dim() != 1 or tensor.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {tensor.dim()}D tensors")
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{tensor.shape[0]}] "
            f"to have the same number of elements, but got {input.shape[0]} and {tensor.shape[0]} elements respectively"
        )
    _check_dtypes(input, tensor)
    return _finish(mm(input.unsqueeze(0), tensor.unsqueeze(1)).reshape(()), out)


@export
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors."""
    if input.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError("outer: expected 1-D tensors")
    return _C.binary(_C.binary_ops["mul"], input.unsqueeze(1), vec2.unsqueeze(0), out)


export(outer, name="ger")


def _finish(result, out):
    if out is None:
        return result
    out.copy_(result)
    return out


@export
def matmul(input, other, *, out=None):
    """Matrix product with NumPy's broadcasting rules for 1-D and batched inputs."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("matmul(): arguments must be Tensors")
    da, db = input.dim(), other.dim()
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return dot(input, other, out=out)
    if da == 2 and db == 2:
        return mm(input, other, out=out)
    if da == 2 and db == 1:
        return mv(input, other, out=out)
    if da == 1 and db == 2:
        return _finish(mm(input.unsqueeze(0), other).squeeze(0), out)
    if db <= 2 and da >= 3:
        # fold the batch into rows: one large GEMM
        b2 = other if db == 2 else other.unsqueeze(1)
        if input.shape[-1] != b2.shape[0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({input.shape[-2]}x{input.shape[-1]} "
                f"and {b2.shape[0]}x{b2.shape[1]})"
            )
        rows = math.prod(input.shape[:-1])  # not -1: it can't be inferred when a size is 0
        r = mm(input.reshape(rows, input.shape[-1]), b2).reshape(*input.shape[:-1], b2.shape[1])
        return _finish(r if db == 2 else r.squeeze(-1), out)
    a = input.unsqueeze(0) if da == 1 else input
    b = other.unsqueeze(-1) if db == 1 else other
    batch = _broadcast(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[-2]}x{a.shape[-1]} "
            f"and {b.shape[-2]}x{b.shape[-1]})"
        )
    _check_dtypes(a, b)
    n = math.prod(batch)
    a3 = a.expand(*batch, *a.shape[-2:]).reshape(n, *a.shape[-2:])
    b3 = b.expand(*batch, *b.shape[-2:]).reshape(n, *b.shape[-2:])
    r = _C.batched_gemm(a3, b3, None, 1.0, 0.0).reshape(*batch, a.shape[-2], b.shape[-1])
    if da == 1:
        r = r.squeeze(-2)
    if db == 1:
        r = r.squeeze(-1)
    return _finish(r, out)


def _broadcast(a, b):
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"matmul: batch dimensions {a} and {b} cannot be broadcast")
        out.append(y if x == 1 else x)  # not max: 1 broadcasts to 0
    return tuple(out)


@export
@recorded_as("addmm")
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``."""
    _need_dims("addmm", mat1, 2, "mat1")
    _need_dims("addmm", mat2, 2, "mat2")
    shape = (mat1.shape[0], mat2.shape[1])
    acc = input.expand(*shape).contiguous().clone() if beta != 0 else mat1.new_empty(shape)
    _check_dtypes(mat1, mat2)
    _C.batched_gemm(mat1.unsqueeze(0), mat2.unsqueeze(0), acc.unsqueeze(0), float(alpha), float(beta))
    return _finish(acc, out)


@export
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (batch1 @ batch2)`` for 3-D batches."""
    _need_dims("baddbmm", batch1, 3, "batch1")
    _need_dims("baddbmm", batch2, 3, "batch2")
    shape = (batch1.shape[0], batch1.shape[1], batch2.shape[2])
    acc = input.expand(*shape).contiguous().clone() if beta != 0 else batch1.new_empty(shape)
    _check_dtypes(batch1, batch2)
    _C.batched_gemm(batch1, batch2, acc, float(alpha), float(beta))
    return _finish(acc, out)


for _name in ("mm", "bmm", "mv", "dot", "outer", "matmul", "addmm", "baddbmm"):
    setattr(Tensor, _name, globals()[_name])
Tensor.ger = outer


@method
def __matmul__(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(self, other)


@method
def __rmatmul__(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)
