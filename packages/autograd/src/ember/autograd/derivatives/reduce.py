# SPDX-License-Identifier: BSD-3-Clause
"""Derivatives of reductions and scans."""

from __future__ import annotations

import ember

from . import derivative, not_differentiable

not_differentiable("all", "any", "argmax", "argmin")


def _reduced_dims(ctx):
    (shape,) = ctx.input_shapes
    dims, _ = ctx.attrs
    n = len(shape)
    if not dims or n == 0:
        return list(range(n))
    return sorted({d % n for d in dims})


def expand_back(ctx, g):
    """``g`` (a reduction's gradient) with the reduced dims restored, broadcast to the input's shape."""
    (shape,) = ctx.input_shapes
    _, keepdim = ctx.attrs
    if not keepdim and len(shape):
        for d in _reduced_dims(ctx):
            g = g.unsqueeze(d)
    return g.expand(shape)


def _keep(ctx, t):
    """A reduction's result ``t`` with keepdim dims."""
    _, keepdim = ctx.attrs
    if not keepdim and len(ctx.input_shapes[0]):
        for d in _reduced_dims(ctx):
            t = t.unsqueeze(d)
    return t


@derivative("sum")
def _sum(ctx, g):
    return expand_back(ctx, g)


@derivative("amax", inputs=True, result=True)
def _amax(ctx, g):
    return _spread_over_ties(ctx, g)


@derivative("amin", inputs=True, result=True)
def _amin(ctx, g):
    return _spread_over_ties(ctx, g)


def _spread_over_ties(ctx, g):
    """amax/amin share the gradient evenly between the elements that tie for the extreme."""
    (x,) = ctx.inputs
    mask = (x == _keep(ctx, ctx.result)).to(g.dtype)
    count = mask.sum(_reduced_dims(ctx), keepdim=True)
    return mask * (_keep(ctx, g) / count)


@derivative("prod", inputs=True, result=True)
def _prod(ctx, g):
    (x,) = ctx.inputs
    dims = _reduced_dims(ctx)
    g = _keep(ctx, g)
    if not bool((x == 0).any()):
        return g * _keep(ctx, ctx.result) / x
    # with zeros: the product of all the other elements, from exclusive scans
    n = x.dim()
    rest = [d for d in range(n) if d not in dims]
    perm = rest + dims
    moved = x.permute(perm) if n else x.reshape(1)
    flat = moved.reshape(*moved.shape[: len(rest)], -1)
    others = _exclusive_cumprod(flat) * _exclusive_cumprod(flat.flip(-1)).flip(-1)
    others = others.reshape(moved.shape)
    inverse = [perm.index(d) for d in range(n)]
    others = others.permute(inverse) if n else others.reshape(())
    return g * others


def _exclusive_cumprod(t):
    ones = ember.ones(*t.shape[:-1], 1, dtype=t.dtype)
    return ember.cat([ones, t[..., :-1]], -1).cumprod(-1)


@derivative("cumsum")
def _cumsum(ctx, g):
    (dim,) = ctx.attrs
    return g.flip(dim).cumsum(dim).flip(dim)


@derivative("cumprod", inputs=True, result=True)
def _cumprod(ctx, g):
    (x,) = ctx.inputs
    (dim,) = ctx.attrs
    if x.dim() == 0:
        return g
    if not bool((x == 0).any()):
        return (g * ctx.result).flip(dim).cumsum(dim).flip(dim) / x
    # with zeros: d y_j / d x_k = prod_{i <= j, i != k} x_i, summed against g_j for j >= k
    moved = x.movedim(dim, -1)
    gm = g.movedim(dim, -1)
    n = moved.shape[-1]
    idx = ember.arange(n)
    j, k = idx.view(n, 1), idx.view(1, n)
    # terms[..., j, k, i] = x_i for i <= j except i == k (1 there and above j)
    xi = moved.unsqueeze(-2).unsqueeze(-2).expand(*moved.shape[:-1], n, n, n)
    i = idx.view(1, 1, n)
    keep = (i <= j.unsqueeze(-1)) & (i != k.unsqueeze(-1))
    terms = ember.where(keep, xi, 1.0).prod(-1)
    mask = (j >= k).to(x.dtype)
    grad = (gm.unsqueeze(-1) * terms * mask).sum(-2)
    return grad.movedim(-1, dim)


@derivative("cummax", result=True)
def _cummax(ctx, g_values, g_indices):
    return _scatter_scan(ctx, g_values)


@derivative("cummin", result=True)
def _cummin(ctx, g_values, g_indices):
    return _scatter_scan(ctx, g_values)


def _scatter_scan(ctx, g):
    (dim,) = ctx.attrs
    _, indices = ctx.result
    (shape,) = ctx.input_shapes
    if len(shape) == 0:
        return g
    return ember.zeros(shape, dtype=g.dtype).scatter_add(dim, indices, g)


@derivative("logsumexp_last", inputs=True, result=True)
def _logsumexp_last(ctx, g):
    (x,) = ctx.inputs
    y = ctx.result
    return g.unsqueeze(-1) * (x - y.unsqueeze(-1)).exp()
