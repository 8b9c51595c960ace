# SPDX-License-Identifier: BSD-3-Clause
"""Embedding lookup (one gather of whole rows) and its dense gradient (one
scatter-add of the output gradient's rows), and ``one_hot``."""

from __future__ import annotations

from .. import _C
from .._autograd_tensor import recorded_as
from ._common import arange, check_tensor, int64, opmath, torch_name, zeros


def _check_indices(input, num_embeddings):
    if input.dtype.name not in ("int64", "int32"):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {torch_name(input.dtype)} tensor instead (while checking arguments for embedding)"
        )
    if input.numel() and (bool((input < 0).any()) or bool((input >= num_embeddings).any())):
        raise IndexError("index out of range in self")


def _padding_idx(padding_idx, num_embeddings):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx += num_embeddings
    return int(padding_idx)


def _row_offsets(indices, weight):
    """Element offsets of the rows ``weight[indices]``: [*indices.shape, D]."""
    d = weight.shape[1]
    idx = indices._to_dtype(int64).unsqueeze(-1)
    return idx * weight.stride(0) + arange(d).mul(weight.stride(1))


def embedding_renorm_(weight, indices, max_norm, norm_type=2.0):
    """Rescales, in place, the rows of ``weight`` that ``indices`` reference
    whose ``norm_type``-norm exceeds ``max_norm`` to that norm (PyTorch's
    ``embedding_renorm_``); returns ``weight``."""
    flat = indices.reshape(-1)._to_dtype(int64)
    offsets = _row_offsets(flat, weight)
    rows = _C.take_offsets(weight, offsets)
    r = opmath(rows)
    p = float(norm_type)
    a = r.abs()
    if p == 2:
        norms = a.square().sum(1).sqrt()
    elif p == 1:
        norms = a.sum(1)
    elif p == float("inf"):
        norms = a.amax(1)
    else:
        norms = (a**p).sum(1) ** (1.0 / p)
    scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0, None)
    _C.put_offsets_(weight, offsets, (r * scale.unsqueeze(1))._to_dtype(weight.dtype), 0)
    return weight


@recorded_as("embedding")  # its gradient honours padding_idx and scale_grad_by_freq
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` ([num_embeddings, D]) at integer ``input``: shape
    ``[*input.shape, D]``. ``max_norm`` first renormalizes, in place, the
    referenced rows whose norm exceeds it. ``padding_idx`` and
    ``scale_grad_by_freq`` only affect the gradient (:func:`embedding_backward`,
    which autograd uses for this op)."""
    check_tensor("embedding", "input", input)
    check_tensor("embedding", "weight", weight)
    if weight.dim() != 2:
        raise RuntimeError(f"'weight' must be 2-D, got weight of size {list(weight.shape)}")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported")
    _padding_idx(padding_idx, weight.shape[0])
    _check_indices(input, weight.shape[0])
    if max_norm is not None:
        embedding_renorm_(weight, input, max_norm, norm_type)
    return _C.take_offsets(weight, _row_offsets(input, weight))


def embedding_backward(grad_output, input, num_weights, padding_idx=None, scale_grad_by_freq=False):
    """Dense gradient of :func:`embedding` with respect to ``weight``.

    Parameters
    ----------
    grad_output : Tensor
        ``[*input.shape, D]``.
    input : Tensor
        The forward's indices.
    num_weights : int
        ``weight.shape[0]``.
    padding_idx : int or None
        That row's gradient is zero.
    scale_grad_by_freq : bool
        Divide each row's gradient by the number of times it occurs in ``input``.

    Returns
    -------
    Tensor
        ``[num_weights, D]``.
    """
    d = grad_output.shape[-1]
    idx = input.reshape(-1)._to_dtype(int64)
    g = opmath(grad_output).reshape(idx.numel(), d)
    if scale_grad_by_freq:
        counts = zeros([num_weights], g.dtype)
        _C.put_offsets_(counts, idx, 1.0, 1)
        g = g / _C.take_offsets(counts, idx).unsqueeze(1)
    grad_weight = zeros([num_weights, d], g.dtype)
    _C.put_offsets_(grad_weight, idx.unsqueeze(1) * d + arange(d), g, 1)
    pad = _padding_idx(padding_idx, num_weights)
    if pad is not None:
        grad_weight[pad] = 0
    return grad_weight._to_dtype(grad_output.dtype)


def one_hot(tensor, num_classes=-1):
    """``[*tensor.shape, num_classes]`` int64 with a 1 at each value's
    position (``num_classes=-1``: one more than the largest value)."""
    check_tensor("one_hot", "tensor", tensor)
    if tensor.dtype != int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return zeros([*tensor.shape, num_classes], int64)
    if bool((tensor < 0).any()):
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(tensor.amax().item()) + 1
    elif bool((tensor >= num_classes).any()):
        raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == arange(num_classes))._to_dtype(int64)
