# SPDX-License-Identifier: BSD-3-Clause
"""Views and in-place writes. A view of a tensor that requires grad
remembers its base (the tensor that owns the storage); writing in place
through the view gives the base a new history (``CopySlices``), and other
views of the base take theirs from the base's newest history the next time
they are used."""

from __future__ import annotations

import ember

from .graph import Node, gradient_edge


def geometry(t):
    return (tuple(t._sizes), tuple(t.stride()), t.storage_offset())


def mark_view(view) -> None:
    """Records that ``view``'s grad_fn (just recorded) is current."""
    view.__dict__["_view_version"] = view._version


def refresh_view(view) -> None:
    """Gives ``view`` a grad_fn from its base's current history when the
    storage was written in place since its grad_fn was made (or it never had one)."""
    d = view.__dict__
    seen = d.get("_view_version")
    if seen is None and d.get("_grad_fn") is not None:
        # a view that got its history elsewhere (a custom Function's output): it is current
        d["_view_version"] = view._version
        return
    if seen == view._version:
        return
    base = view._base
    d["_view_version"] = view._version
    if not base._requires_grad:
        return
    d["_grad_fn"] = AsStridedView(gradient_edge(base), geometry(base), geometry(view))
    d["_output_nr"] = 0


def after_inplace(target, node) -> None:
    """After ``node`` wrote ``target`` in place: when ``target`` is a view,
    its base's history becomes CopySlices(old base, node)."""
    d = target.__dict__
    d["_view_version"] = target._version
    base = target._base
    if base is None:
        return
    base_d = base.__dict__
    old = gradient_edge(base) if base._requires_grad else None
    copy = CopySlices(old, (node, 0), geometry(base), geometry(target))
    base._requires_grad = True
    base_d["_grad_fn"] = copy
    base_d["_output_nr"] = 0
    d["_grad_fn"] = AsStridedView((copy, 0), geometry(base), geometry(target))
    d["_output_nr"] = 0


# ---- the storage-space helpers both nodes use -------------------------------
def _extent(*geoms):
    lo = min(off for _, _, off in geoms)
    hi = max(off + sum((s - 1) * st for s, st in zip(sizes, strides)) + 1 if all(sizes) else off
             for sizes, strides, off in geoms)  # fmt: skip
    return lo, max(hi, lo)


def _region(buffer, geom, lo):
    sizes, strides, off = geom
    return buffer.as_strided(sizes, strides, off - lo)


def scatter_into_storage(grad, out_geom, in_geom, like):
    """The gradient of ``as_strided(input, out_geom)`` w.r.t. the input:
    ``grad`` added into a zeroed copy of the storage, read back with the
    input's geometry."""
    lo, hi = _extent(out_geom, in_geom)
    buffer = ember.zeros(hi - lo, dtype=like.dtype)
    sizes, strides, off = out_geom
    # elements a zero stride repeats receive the sum of their copies
    summed = [i for i, (s, st) in enumerate(zip(sizes, strides)) if st == 0 and s > 1]
    if summed:
        grad = grad.sum(summed, keepdim=True)
        sizes = tuple(1 if i in summed else s for i, s in enumerate(sizes))
        out_geom = (sizes, strides, off)
    _write(buffer, out_geom, lo, grad, accumulate=_overlaps(out_geom))
    result = _region(buffer, in_geom, lo)
    if _overlaps(in_geom):
        # Note [Aliased view inputs]: elements of the input that share a
        # storage element (an expanded tensor) split that element's gradient
        # evenly, so the history that made the input (which sums its
        # aliases) sees the gradient once, not once per alias
        count = ember.zeros(hi - lo, dtype=like.dtype)
        _write(count, in_geom, lo, ember.ones(in_geom[0], dtype=like.dtype), accumulate=True)
        result = result / _region(count, in_geom, lo)
    return result


def _write(buffer, geom, lo, values, accumulate=False):
    """Writes ``values`` into ``buffer``'s elements at ``geom``. A gradient that
    is itself recorded (double backward) is written through offsets into the
    buffer itself, which autograd tracks; a plain one is copied through a view."""
    if accumulate or values._requires_grad:
        offsets = _offsets(geom) - lo
        ember._C.put_offsets_(buffer, offsets, values.expand(offsets.shape).contiguous(), 1 if accumulate else 0)
    else:
        _region(buffer, geom, lo).copy_(values)


def _overlaps(geom) -> bool:
    sizes, strides, _ = geom
    dims = sorted((st, s) for s, st in zip(sizes, strides) if s > 1)
    reach = 0
    for st, s in dims:
        if st <= reach:
            return True
        reach += (s - 1) * st
    return False


def _offsets(geom):
    sizes, strides, off = geom
    total = ember.full(sizes, off, dtype=ember.int64)
    for i, (s, st) in enumerate(zip(sizes, strides)):
        shape = [1] * len(sizes)
        shape[i] = s
        total = total + ember.arange(s).mul(st).reshape(shape)
    return total


class AsStridedView(Node):
    """The history of a view regenerated from its base's history."""

    _name = "AsStridedBackward0"

    def __init__(self, base_edge, base_geom, view_geom):
        super().__init__([base_edge if base_edge is not None else (None, 0)])
        self._geoms = (base_geom, view_geom)
        self._dtype = None

    def apply(self, grads, create_graph):
        base_geom, view_geom = self._geoms
        return (scatter_into_storage(grads[0], view_geom, base_geom, grads[0]),)


class CopySlices(Node):
    """A base after an in-place write through one of its views: the region
    of the view takes its gradient from the write, the rest from the base's
    previous history."""

    _name = "CopySlices"

    def __init__(self, base_edge, write_edge, base_geom, view_geom):
        super().__init__([base_edge if base_edge is not None else (None, 0), write_edge])
        self._geoms = (base_geom, view_geom)

    def apply(self, grads, create_graph):
        grad = grads[0]
        base_geom, view_geom = self._geoms
        lo, hi = _extent(base_geom, view_geom)
        buffer = ember.zeros(hi - lo, dtype=grad.dtype)
        _write(buffer, base_geom, lo, grad)
        region = _region(buffer, view_geom, lo)
        grad_write = region.clone()
        region.zero_()
        return (_region(buffer, base_geom, lo).clone(), grad_write)


def to_storage(values, geom):
    """(buffer, lo): a zeroed 1-D buffer spanning ``geom`` with ``values``
    written at ``geom`` (shifted by ``lo``), and ``lo``."""
    lo, hi = _extent(geom)
    buffer = ember.zeros(hi - lo, dtype=values.dtype)
    _write(buffer, geom, lo, values)
    return buffer, lo


def from_storage(buffer, geom, lo):
    return _region(buffer, geom, lo)
