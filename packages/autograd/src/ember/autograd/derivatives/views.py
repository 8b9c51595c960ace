# SPDX-License-Identifier: BSD-3-Clause
"""The derivative of as_strided, which every view (view, reshape, permute,
expand, select, slicing, ...) is made with."""

from __future__ import annotations

from .._views import scatter_into_storage
from . import derivative


def _non_unit(geom):
    sizes, strides, _ = geom
    return [(s, st) for s, st in zip(sizes, strides) if s != 1]


def _as_permutation(in_geom, out_geom):
    """The order of the input's non-unit dims in the output, when the output
    is the input's elements rearranged (reshape of a contiguous run,
    transpose, permute, squeeze, unsqueeze); else None."""
    if in_geom[2] != out_geom[2]:
        return None
    a, b = _non_unit(in_geom), _non_unit(out_geom)
    if sorted(a) != sorted(b) or len(set(a)) != len(a):
        return None
    return [b.index(p) for p in a]


@derivative("as_strided")
def _as_strided(ctx, g):
    in_geom, out_geom = ctx.attrs
    if in_geom == out_geom:
        return g
    order = _as_permutation(in_geom, out_geom)
    if order is not None:
        sizes = [s for s, _ in _non_unit(out_geom)]
        return g.reshape(sizes).permute(order).reshape(in_geom[0])
    if _is_contiguous(in_geom) and _is_contiguous(out_geom) and in_geom[2] == out_geom[2]:
        if _numel(in_geom[0]) == _numel(out_geom[0]):
            return g.reshape(in_geom[0])  # a view of a contiguous tensor with another shape
    return scatter_into_storage(g, out_geom, in_geom, g)


def _numel(sizes):
    n = 1
    for s in sizes:
        n *= s
    return n


def _is_contiguous(geom):
    sizes, strides, _ = geom
    expected = 1
    for s, st in zip(reversed(sizes), reversed(strides)):
        if s != 1 and st != expected:
            return False
        expected *= s
    return True
