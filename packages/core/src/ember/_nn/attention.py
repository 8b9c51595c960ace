# SPDX-License-Identifier: BSD-3-Clause
"""Scaled dot-product attention (the math formulation: two batched GEMMs
around a fused softmax) and its gradient."""

from __future__ import annotations

import math

from .. import _C
from .._matmul import matmul
from ._common import arange, bool_, check_tensor, is_half, opmath
from .dropout import _keep_mask


def _causal_mask(length, source):
    """Bool [L, S]: True where query i may attend key j (j <= i)."""
    i = arange(length).view(length, 1)
    j = arange(source).view(1, source)
    return j <= i


def _check(query, key, value, attn_mask, is_causal):
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor("scaled_dot_product_attention", name, t)
        if t.dim() < 2:
            raise RuntimeError(f"scaled_dot_product_attention: {name} must be at least 2-D, got {list(t.shape)}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query's last dim ({query.shape[-1]}) must match key's "
            f"({key.shape[-1]}); got query {list(query.shape)} and key {list(key.shape)}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: key and value must have the same sequence length, got key "
            f"{list(key.shape)} and value {list(value.shape)}"
        )
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype.name} key.dtype: {key.dtype.name} and value.dtype: {value.dtype.name} instead."
        )
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"scaled_dot_product_attention: expected floating-point inputs, got {query.dtype.name}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")


def native_scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """:func:`scaled_dot_product_attention` that also returns what the
    gradient needs: ``(output, attn, dropout_mask)`` with ``attn`` the
    softmax probabilities (before dropout) and ``dropout_mask`` the bool
    keep-mask (or ``None``)."""
    _check(query, key, value, attn_mask, is_causal)
    if enable_gqa and query.dim() >= 3 and query.shape[-3] != key.shape[-3]:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa with fewer key/value heads")
    length, source = query.shape[-2], key.shape[-2]
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    q, k, v = opmath(query), opmath(key), opmath(value)
    scores = matmul(q * sc, k.transpose(-2, -1))
    if is_causal:
        scores = _C.where(_causal_mask(length, source), scores, -math.inf, None)
    elif attn_mask is not None:
        if attn_mask.dtype == bool_:
            scores = _C.where(attn_mask, scores, -math.inf, None)
        else:
            scores = scores + opmath(attn_mask)
    attn = _C.softmax(scores, -1, False)
    mask = None
    probs = attn
    if dropout_p > 0:
        mask = _keep_mask(list(attn.shape), dropout_p)
        probs = attn * (mask._to_dtype(attn.dtype) * (1.0 / (1.0 - dropout_p))) if dropout_p < 1 else attn * 0
    out = matmul(probs, v)
    if is_half(query):
        out = out._to_dtype(query.dtype)
    return out, attn, mask


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """``softmax(query @ key^T * scale + mask) @ value`` over the last two
    dims (batch dims broadcast).

    ``attn_mask``: bool (True = attend) or float (added to the scores);
    ``is_causal``: query ``i`` attends keys ``j <= i``; ``scale`` defaults to
    ``1 / sqrt(E)``; ``dropout_p`` drops attention weights.
    """
    return native_scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)[0]


def _sum_to(t, shape):
    shape = tuple(shape)
    if tuple(t.shape) == shape:
        return t
    lead = t.dim() - len(shape)
    if lead:
        t = t.sum(tuple(range(lead)))
    dims = tuple(i for i, s in enumerate(shape) if s == 1 and t.shape[i] != 1)
    if dims:
        t = t.sum(dims, keepdim=True)
    return t.reshape(shape)


def scaled_dot_product_attention_backward(
    grad_output, query, key, value, attn, dropout_mask=None, dropout_p=0.0, scale=None
):
    """Gradients of :func:`scaled_dot_product_attention`:
    ``(grad_query, grad_key, grad_value)`` from
    :func:`native_scaled_dot_product_attention`'s ``attn`` and ``dropout_mask``."""
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    g = opmath(grad_output)
    q, k, v = opmath(query), opmath(key), opmath(value)
    p = attn
    if dropout_mask is not None:
        keep = dropout_mask._to_dtype(p.dtype) * (1.0 / (1.0 - dropout_p) if dropout_p < 1 else 0.0)
        probs = p * keep
    else:
        keep, probs = None, p
    gv = matmul(probs.transpose(-2, -1), g)
    gp = matmul(g, v.transpose(-2, -1))
    if keep is not None:
        gp = gp * keep
    gs = p * (gp - (gp * p).sum(-1, keepdim=True))
    gq = matmul(gs, k) * sc
    gk = matmul(gs.transpose(-2, -1), q) * sc
    return (
        _sum_to(gq, query.shape)._to_dtype(query.dtype),
        _sum_to(gk, key.shape)._to_dtype(key.dtype),
        _sum_to(gv, value.shape)._to_dtype(value.dtype),
    )
