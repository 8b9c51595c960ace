# SPDX-License-Identifier: BSD-3-Clause
"""Derivatives of the indexing kernels (gather/scatter by element offsets,
index_select, index_add) and of sort/topk."""

from __future__ import annotations

import ember
from ember import _C

from .._views import _extent, from_storage, to_storage
from . import derivative


@derivative("take_offsets")
def _take_offsets(ctx, g):
    offsets, geom = ctx.attrs
    sizes, strides, _ = geom
    lo, hi = _extent(geom)  # lo is the view's own first element: offsets count from there
    buffer = ember.zeros(hi - lo, dtype=g.dtype)
    _C.put_offsets_(buffer, offsets, g.contiguous(), 1)
    return buffer.as_strided(sizes, strides, 0)


_ASSIGN, _ADD = 0, 1


@derivative("put_offsets_")
def _put_offsets(ctx, g):
    offsets, mode, geom = ctx.attrs
    if mode not in (_ASSIGN, _ADD):
        name = {2: "prod", 3: "amax", 4: "amin"}.get(mode, str(mode))
        raise NotImplementedError(f"the derivative of scatter_reduce with reduce='{name}' is not implemented.")
    need_dst, need_values = ctx.needs_input_grad
    buffer, lo = to_storage(g, geom)
    offsets = offsets - lo + geom[2] if lo != geom[2] else offsets
    g_values = _C.take_offsets(buffer, offsets) if need_values else None
    if mode == _ADD or not need_dst:
        return (g if need_dst else None), g_values
    cleared = buffer.clone()
    _C.put_offsets_(cleared, offsets, 0.0, _ASSIGN)
    return from_storage(cleared, geom, lo), g_values


@derivative("index_select")
def _index_select(ctx, g):
    dim, index = ctx.attrs
    (shape,) = ctx.input_shapes
    return ember.zeros(shape, dtype=g.dtype).index_add_(dim, index, g)


@derivative("index_add_")
def _index_add(ctx, g):
    dim, index, alpha = ctx.attrs
    need_dst, need_src = ctx.needs_input_grad
    g_src = None
    if need_src:
        g_src = g.index_select(dim, index) if g.dim() else g
        if alpha != 1:
            g_src = g_src * alpha
    return (g if need_dst else None), g_src


def _scatter_back(ctx, g_values):
    _, indices = ctx.result
    (shape,) = ctx.input_shapes
    if len(shape) == 0:
        return g_values
    return ember.zeros(shape, dtype=g_values.dtype).scatter(-1, indices, g_values)


@derivative("sort_last", result=True)
def _sort_last(ctx, g_values, g_indices):
    return _scatter_back(ctx, g_values)


@derivative("topk_last", result=True)
def _topk_last(ctx, g_values, g_indices):
    return _scatter_back(ctx, g_values)


@derivative("embedding")
def _embedding(ctx, g):
    from ember._nn.embedding import embedding_backward

    indices, padding_idx, scale_grad_by_freq = ctx.attrs
    num_weights = ctx.input_shapes[0][0]
    return embedding_backward(g, indices, num_weights, padding_idx, scale_grad_by_freq)
