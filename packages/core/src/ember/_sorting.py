# SPDX-License-Identifier: BSD-3-Clause
"""Sorting, selection, searching and counting: sort, topk, kthvalue, median,
mode, quantile, unique, searchsorted, bincount, histograms and running
extremes.

Everything is built from a few core primitives: ``sort_last`` and
``topk_last`` (along the last dim; NaN sorts as the largest value, ties keep
index order), ``searchsorted``, and ``take_offsets``/``put_offsets_`` (gather
and scatter by element offset). The dim of interest is moved last with a view
(``transpose`` or ``permute``) and moved back afterwards; per-row positions
become element offsets into a contiguous ``(rows, n)`` matrix."""

from __future__ import annotations

import collections
import math

from . import _C
from ._creation import arange, empty, full, linspace, ones, tensor, zeros
from ._dtypes import BY_NAME
from ._pointwise import lerp, where
from ._reduce import _finish, return_types
from ._registry import Tensor, export, method
from ._views import _wrap

_int64 = BY_NAME["int64"]
_int32 = BY_NAME["int32"]
_bool = BY_NAME["bool"]
_uint8 = BY_NAME["uint8"]
_float32 = BY_NAME["float32"]
_float64 = BY_NAME["float64"]
_ASSIGN, _ADD, _AMIN = 0, 1, 4  # put_offsets_ modes

for _name, _fields in {
    "topk": ("values", "indices"),
    "kthvalue": ("values", "indices"),
    "median": ("values", "indices"),
    "nanmedian": ("values", "indices"),
    "mode": ("values", "indices"),
    "cummax": ("values", "indices"),
    "cummin": ("values", "indices"),
    "histogram": ("hist", "bin_edges"),
}.items():
    setattr(return_types, _name, collections.namedtuple(_name, _fields))


# ---- helpers -------------------------------------------------------------------
def _size(input, d: int) -> int:
    return input.size(d) if input.dim() else 1


def _rows(input, d: int):
    """``input`` with dim ``d`` moved last (others keep their order), as a
    contiguous ``(rows, n)`` matrix, and the shape of the other dims."""
    if input.dim() == 0:
        return input.reshape(1, 1), []
    order = [i for i in range(input.dim()) if i != d] + [d]
    batch = [input.size(i) for i in order[:-1]]
    return input.permute(order).contiguous().reshape(math.prod(batch), input.size(d)), batch


def _unrows(r, batch, input, d: int, keepdim: bool):
    """A per-row result ``(..., rows)`` back in ``input``'s layout with dim
    ``d`` reduced (kept as size 1 when ``keepdim``)."""
    lead = list(r.shape[:-1])
    r = r.reshape(lead + batch)
    return r.unsqueeze(len(lead) + d) if keepdim and input.dim() else r


def _gather_rows(src, pos):
    """``src[r, pos[..., r]]`` for a contiguous ``(rows, n)`` matrix ``src``."""
    rows, n = src.shape
    return _C.take_offsets(src, pos + arange(rows) * n)


def _along(fn, input, d: int):
    """``fn`` applied to ``input`` with dim ``d`` last; its tensors moved back."""
    results = fn(input.transpose(d, -1))
    if input.dim() <= 1 or d == input.dim() - 1:
        return results
    return tuple(t.transpose(d, -1).contiguous() for t in results)


def _out_pair(kind, values, indices, out):
    if out is not None:
        values, indices = _finish(values, out[0]), _finish(indices, out[1])
    return kind(values, indices)


def _check_reduction_size(name, input, d):
    if input.numel() == 0 and _size(input, d) == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _run_starts(keys, nan_equal=False):
    """Bool ``(rows, n)``: where a run of equal values starts in each row."""
    starts = ones(*keys.shape, dtype=_bool)
    if keys.size(-1) > 1:
        a, b = keys[..., :-1], keys[..., 1:]
        differ = b != a
        if nan_equal and keys.dtype.is_floating_point:
            differ = differ & ~(a.isnan() & b.isnan())
        starts[..., 1:] = differ
    return starts


# ---- sorting -------------------------------------------------------------------
@export
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sorts ``input`` along ``dim``.

    Parameters
    ----------
    input : Tensor
    dim : int, optional
        The dimension to sort along (the last by default).
    descending : bool, optional
        Largest first.
    stable : bool, optional
        Accepted for PyTorch compatibility: the sort is always stable, so equal
        elements keep their order.
    out : tuple of Tensor, optional
        ``(values, indices)`` to write into.

    Returns
    -------
    (values, indices) : ember.return_types.sort
        The sorted values and, as int64, the index each came from. NaN sorts
        as the largest value.

    Examples
    --------
    >>> ember.sort(ember.tensor([3, 1, 2]))
    sort(values=tensor([1, 2, 3]), indices=tensor([1, 2, 0]))
    """
    d = _wrap(dim, input.dim())
    values, indices = _along(lambda t: _C.sort_last(t, bool(descending), bool(stable)), input, d)
    return _out_pair(return_types.sort, values, indices, out)


@export
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim``: ``sort(...).indices``."""
    return sort(input, dim, descending, stable).indices


@export
def msort(input, *, out=None):
    """``input`` sorted along its first dimension: ``sort(input, 0).values``."""
    return _finish(sort(input, 0).values, out)


@export
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim``.

    Parameters
    ----------
    input : Tensor
    k : int
        How many, ``0 <= k <= input.size(dim)`` (else ``RuntimeError``).
    dim : int, optional
        The last by default.
    largest : bool, optional
        ``False`` selects the smallest.
    sorted : bool, optional
        Return them in order (largest first, or smallest first); otherwise in
        an unspecified order.

    Returns
    -------
    (values, indices) : ember.return_types.topk
        Among equal values, lower indices come first (PyTorch leaves the order
        of ties unspecified). NaN counts as the largest value.
    """
    d = _wrap(dim, input.dim())
    k = int(k)
    if not 0 <= k <= _size(input, d):
        raise RuntimeError("selected index k out of range")
    if input.dim() == 0:  # PyTorch returns the element for k = 0 too
        values, indices = input.clone(), zeros((), dtype=_int64)
    else:
        values, indices = _along(lambda t: _C.topk_last(t, k, bool(largest), bool(sorted)), input, d)
    return _out_pair(return_types.topk, values, indices, out)


def _kth_smallest(t, k):
    """The ``k``-th smallest element (``k >= 1``) along the last dim of ``t``
    and its index, in a size-1 last dim: the largest of the ``k`` smallest,
    which ``topk`` finds by selection, without sorting."""
    values, indices = _C.topk_last(t, k, False, False)
    keys = values._to_dtype(_uint8) if values.dtype == _bool else values
    at = keys.argmax(dim=-1, keepdim=True)  # NaN counts as the largest, as in the sort order
    offsets = at + (arange(at.numel()) * k).reshape(at.shape)
    return _C.take_offsets(values, offsets), _C.take_offsets(indices, offsets)


def _reduced(input, d, keepdim, fn):
    """``fn`` (which keeps a size-1 last dim) applied along dim ``d``."""
    if input.dim() == 0:
        return input.clone(), zeros((), dtype=_int64)
    values, indices = _along(fn, input, d)
    return (values, indices) if keepdim else (values.squeeze(d), indices.squeeze(d))


@export
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest element along ``dim`` (``k`` counts from 1) and
    its index, as ``ember.return_types.kthvalue(values, indices)``. Of equal
    values any one's index may be reported, as in PyTorch."""
    d = _wrap(dim, input.dim())
    _check_reduction_size("kthvalue", input, d)
    k = int(k)
    if not 1 <= k <= _size(input, d):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    values, indices = _reduced(input, d, keepdim, lambda t: _kth_smallest(t, k))
    return _out_pair(return_types.kthvalue, values, indices, out)


# ---- medians and modes ------------------------------------------------------
def _lower_median(t):
    """The lower median along the last dim of ``t`` (size-1 last dim); a row
    with a NaN gives NaN and the index of its first NaN."""
    values, indices = _kth_smallest(t, (t.size(-1) - 1) // 2 + 1)
    if t.dtype.is_floating_point:
        nan = t.isnan()
        has_nan = nan.any(dim=-1, keepdim=True)
        first_nan = nan._to_dtype(_uint8).argmax(dim=-1, keepdim=True)
        values, indices = where(has_nan, math.nan, values), where(has_nan, first_nan, indices)
    return values, indices


def _nan_median_rows(x):
    """The lower median of the non-NaN values of each row of ``x`` (rows, n)
    and its index; a row of NaNs gives its first NaN. Rows have different
    counts, so this sorts: NaN sorts last, the median is at (count - 1) // 2."""
    values, indices = _C.sort_last(x, False, True)
    pos = (x.size(1) - values.isnan().sum(dim=1) - 1).clamp(min=0) // 2
    return _gather_rows(values, pos), _gather_rows(indices, pos)


def _median(name, kind, ignore_nan):
    def fn(input, dim=None, keepdim=False, *, out=None):
        nans = ignore_nan and input.dtype.is_floating_point and bool(input.isnan().any())
        if dim is None:
            flat = input.reshape(-1)
            if nans:  # NaN sorts last: the k-th smallest of all with k from the non-NaN count
                count = flat.numel() - int(flat.isnan().sum())
                flat = flat if count else flat[:1]
                value = _kth_smallest(flat, (count - 1) // 2 + 1 if count else 1)[0]
            elif flat.numel():
                value = _lower_median(flat)[0]
            elif input.dtype.is_floating_point:
                value = full((), math.nan, dtype=input.dtype)
            else:
                raise RuntimeError(f"{name}() of an empty tensor of an integer dtype has no value")
            return _finish(value.reshape(()), out)
        d = _wrap(dim, input.dim())
        _check_reduction_size("median", input, d)
        if not nans:
            values, indices = _reduced(input, d, keepdim, _lower_median)
        else:
            x, batch = _rows(input, d)
            values, indices = (_unrows(t, batch, input, d, keepdim) for t in _nan_median_rows(x))
        return _out_pair(kind, values, indices, out)

    fn.__name__ = name
    return fn


median = export(_median("median", return_types.median, False), name="median")
median.__doc__ = """The lower median: of all elements (a 0-d tensor), or along ``dim``
    with the index it came from (``ember.return_types.median(values, indices)``).

    Of an even count the lower of the two middle values is returned, as PyTorch
    does. A NaN makes the median NaN (its index is that of the first NaN).
    With ``dim`` the index of a value that occurs more than once is one of its
    indices. The median of an empty tensor is NaN (an error for integers).
    """
nanmedian = export(_median("nanmedian", return_types.nanmedian, True), name="nanmedian")
nanmedian.__doc__ = """``median`` of the values that are not NaN (NaN where all are).
    """


@export
def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along ``dim`` (the smallest one, where several
    are as frequent) and the index of its last occurrence, as
    ``ember.return_types.mode(values, indices)``. NaNs count as equal to each
    other."""
    d = _wrap(dim, input.dim())
    _check_reduction_size("mode", input, d)
    x, batch = _rows(input, d)
    rows, n = x.shape
    if x.numel() == 0:
        values, indices = empty(rows, dtype=input.dtype), empty(rows, dtype=_int64)
    else:
        sv, si = _C.sort_last(x, False, True)
        run = _C.cumulative(_run_starts(sv, nan_equal=True), 1, False) - 1  # run number of each element
        counts = zeros(rows, n, dtype=_int64)
        _C.put_offsets_(counts, run + arange(rows).unsqueeze(1) * n, 1, _ADD)
        best = counts.argmax(dim=1)  # the first (smallest) most frequent run
        last = _gather_rows(_C.cumulative(counts, 1, False), best) - 1  # where it ends in sorted order
        values, indices = _gather_rows(sv, last), _gather_rows(si, last)
    values, indices = (_unrows(t, batch, input, d, keepdim) for t in (values, indices))
    return _out_pair(return_types.mode, values, indices, out)


# ---- quantiles -----------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, ignore_nan):
    def fn(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
        if input.numel() == 0:
            raise RuntimeError(f"{name}() input tensor must be non-empty")
        if input.dtype not in (_float32, _float64):
            raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
        if isinstance(q, Tensor):
            if q.dim() > 1:
                raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
            if q.dtype != input.dtype:
                raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
            if q.numel() and not bool(((q >= 0) & (q <= 1)).all()):
                raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
            qs, q_shape = q.reshape(-1), list(q.shape)
        else:
            if not 0 <= float(q) <= 1:
                raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {float(q)}")
            qs, q_shape = tensor([float(q)], dtype=input.dtype), []
        if interpolation not in _INTERPOLATIONS:
            raise RuntimeError(
                f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                f"but got {interpolation}"
            )
        if dim is None:
            x, batch, d = input.reshape(1, -1), [], None
        else:
            d = _wrap(dim, input.dim())
            x, batch = _rows(input, d)
        n = x.size(1)
        sv = _C.sort_last(x, False, False)[0]
        qs = qs.unsqueeze(1)  # (Q, 1) against (rows,)
        if ignore_nan:  # ranks among the non-NaN values; all NaN: rank 0, a NaN
            ranks = qs * (n - 1 - sv.isnan().sum(dim=1))
            ranks = where(ranks < 0, 0.0, ranks)
        else:  # a NaN in the row: the last rank, a NaN
            ranks = where(sv[:, -1].isnan(), float(n - 1), qs * (n - 1))
        if interpolation == "lower":
            ranks = ranks.floor()
        elif interpolation == "higher":
            ranks = ranks.ceil()
        elif interpolation == "nearest":
            ranks = ranks.round()  # half to even, as PyTorch
        below = ranks.long()
        result = _gather_rows(sv, below)
        if interpolation in ("linear", "midpoint"):
            weight = full(ranks.shape, 0.5, dtype=input.dtype) if interpolation == "midpoint" else ranks - below
            result = lerp(result, _gather_rows(sv, ranks.ceil().long()), weight)
        if not q_shape:
            result = result[0]
        if d is None:
            shape = [1] * input.dim() if keepdim else []
            return _finish(result.reshape(q_shape + shape), out)
        return _finish(_unrows(result, batch, input, d, keepdim), out)

    fn.__name__ = name
    return fn


quantile = export(_quantile("quantile", False), name="quantile")
quantile.__doc__ = """The ``q``-quantiles of ``input``, of all elements or along ``dim``.

    Parameters
    ----------
    input : Tensor
        float32 or float64, not empty.
    q : float or Tensor
        In [0, 1]; a 1-D tensor (of ``input``'s dtype) gives one result per
        entry, stacked along a new first dimension.
    dim : int, optional
        Reduce this dimension (all elements when ``None``).
    keepdim : bool, optional
    interpolation : {'linear', 'lower', 'higher', 'midpoint', 'nearest'}
        Between the two values around the rank ``q * (n - 1)``: interpolate
        linearly, take the lower, the higher, their mean, or the nearest
        (half to even).

    A NaN in a row makes its quantiles NaN; ``nanquantile`` ignores NaNs.
    """
nanquantile = export(_quantile("nanquantile", True), name="nanquantile")
nanquantile.__doc__ = """``quantile`` of the values that are not NaN (NaN where all are).
    """


# ---- unique --------------------------------------------------------------------
def _runs_result(values, starts, n, inverse, return_inverse, return_counts):
    """``unique``'s tuple from the run starts of sorted (or consecutive) keys."""
    first = _C.nonzero(starts).reshape(-1)
    result = [values(first)]
    if return_inverse:
        result.append(inverse())
    if return_counts:
        ends = empty(first.numel(), dtype=_int64)
        if first.numel():
            ends[:-1] = first[1:]
            ends[-1:] = n
        result.append(ends - first)
    return result[0] if len(result) == 1 else tuple(result)


def _check_unique_dim(input, d):
    if input.numel() == 0:
        if sum(1 for s in input.shape if s == 0) > 1:
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique cannot be applied ")
        if input.size(d) != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")


def _slices(input, d):
    """``input`` as a contiguous ``(n, m)`` matrix: one row per index of ``d``."""
    order = [d] + [i for i in range(input.dim()) if i != d]
    moved = input.permute(order).contiguous()
    n = input.size(d)
    return moved.reshape(n, moved.numel() // n if n else 0), list(moved.shape), order


def _unslice(rows, moved_shape, order, count):
    inverse_order = [order.index(i) for i in range(len(order))]
    return rows.reshape([count] + moved_shape[1:]).permute(inverse_order).contiguous()


def _dense_ranks(keys):
    """Rank of each entry among the distinct values of its row (``(c, n)``)."""
    c, n = keys.shape
    sv, si = _C.sort_last(keys, False, True)
    rank = _C.cumulative(_run_starts(sv), 1, False) - 1
    ranks = empty(c, n, dtype=_int64)
    _C.put_offsets_(ranks, si + arange(c).unsqueeze(1) * n, rank, _ASSIGN)
    return ranks


def _row_keys(x):
    """An int64 key per row of ``(n, m)`` that orders the rows as
    lexicographic comparison does: rank the columns, then repeatedly rank
    pairs of adjacent columns (``rank_a * n + rank_b``) until one is left."""
    n = x.size(0)
    keys = _dense_ranks(x.t())
    while keys.size(0) > 1:
        c = keys.size(0)
        half = c // 2
        paired = empty(half + c % 2, n, dtype=_int64)
        paired[:half] = keys[0 : 2 * half : 2] * n + keys[1 : 2 * half : 2]
        if c % 2:
            paired[half:] = keys[c - 1 :]
        keys = _dense_ranks(paired)
    return keys[0]


def _unique_dim(input, d, return_inverse, return_counts):
    _check_unique_dim(input, d)
    x, moved_shape, order = _slices(input, d)
    n = x.size(0)
    if input.numel() == 0:
        none = empty(0, dtype=_int64)
        result = [input.clone()] + [none] * (return_inverse + return_counts)
        return result[0] if len(result) == 1 else tuple(result)
    key = _row_keys(x)  # dense: key k is the k-th smallest distinct row
    count = int(key.max()) + 1
    first = full((count,), n, dtype=_int64)
    _C.put_offsets_(first, key, arange(n), _AMIN)
    m = x.size(1)
    result = [_unslice(_C.take_offsets(x, first.unsqueeze(1) * m + arange(m)), moved_shape, order, count)]
    if return_inverse:
        result.append(key)
    if return_counts:
        counts = zeros(count, dtype=_int64)
        _C.put_offsets_(counts, key, 1, _ADD)
        result.append(counts)
    return result[0] if len(result) == 1 else tuple(result)


@export
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of ``input`` (flattened), or its distinct slices
    along ``dim``, in ascending (lexicographic) order.

    Parameters
    ----------
    input : Tensor
    sorted : bool, optional
        Accepted for PyTorch compatibility; the result is always sorted.
    return_inverse : bool, optional
        Also return, for each element (slice), the index of its value in the
        result, shaped as ``input`` (as ``input.size(dim)``).
    return_counts : bool, optional
        Also return how often each distinct value occurs.
    dim : int, optional

    Returns
    -------
    Tensor, or a tuple ``(output, inverse, counts)`` of the parts asked for.
    NaNs are distinct from each other, as in PyTorch.

    Examples
    --------
    >>> ember.unique(ember.tensor([2, 1, 2, 3]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 2, 1]))
    """
    if dim is not None:
        if input.dim() == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return _unique_dim(input, _wrap(dim, input.dim()), return_inverse, return_counts)
    n = input.numel()
    sv, si = _C.sort_last(input.reshape(-1), False, True)
    starts = _run_starts(sv)

    def inverse():
        inv = empty(n, dtype=_int64)
        _C.put_offsets_(inv, si, _C.cumulative(starts, 0, False) - 1, _ASSIGN)
        return inv.reshape(input.shape)

    return _runs_result(lambda first: _C.take_offsets(sv, first), starts, n, inverse, return_inverse, return_counts)


@export
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapses each run of equal consecutive elements (or slices along
    ``dim``) to one; returns as ``unique`` does."""
    if dim is None:
        flat = input.reshape(-1).contiguous()
        starts = _run_starts(flat)

        def values(first):
            return _C.take_offsets(flat, first)

        n = flat.numel()
    else:
        if input.dim() == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        d = _wrap(dim, input.dim())
        _check_unique_dim(input, d)
        x, moved_shape, order = _slices(input, d)
        n, m = x.shape
        starts = ones(n, dtype=_bool)
        if n > 1 and m:
            starts[1:] = (x[1:] != x[:-1]).any(dim=1)

        def values(first):
            rows = _C.take_offsets(x, first.unsqueeze(1) * m + arange(m))
            return _unslice(rows, moved_shape, order, first.numel())

    def inverse():
        inv = _C.cumulative(starts, 0, False) - 1
        return inv.reshape(input.shape) if dim is None else inv

    return _runs_result(values, starts, n, inverse, return_inverse, return_counts)


# ---- searching -----------------------------------------------------------------
@export
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """Where ``input``'s values would be inserted into ``sorted_sequence`` to
    keep it sorted.

    Parameters
    ----------
    sorted_sequence : Tensor
        Sorted along its last dimension: 1-D, or with the same leading
        dimensions as ``input``.
    input : Tensor or number
    out_int32 : bool, optional
        Return int32 instead of int64.
    right : bool, optional
        For equal values, insert after them (``boundaries[i-1] <= v <
        boundaries[i]``) rather than before.
    side : {'left', 'right'}, optional
        The same as ``right``; the two must not contradict.
    sorter : Tensor, optional
        int64 indices that sort an unsorted ``sorted_sequence`` along its last
        dimension (as from ``argsort``).

    Examples
    --------
    >>> ember.searchsorted(ember.tensor([1, 3, 5]), ember.tensor([3, 6]))
    tensor([1, 3])
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if side == "left" and right:
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
            )
        right = side == "right"
    if sorted_sequence.dim() == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"
        )
    if sorter is not None:
        sorted_sequence = _apply_sorter(sorted_sequence, sorter)
    values = input if isinstance(input, Tensor) else tensor(input)
    result = _C.searchsorted(sorted_sequence, values, bool(right))
    return _finish(result._to_dtype(_int32) if out_int32 else result, out)


def _apply_sorter(seq, sorter):
    if sorter.dtype != _int64:
        raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype {sorter.dtype}")
    if list(sorter.shape) != list(seq.shape):
        raise RuntimeError(
            "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
            f"{list(seq.shape)}and got sorter tensor {list(sorter.shape)}"
        )
    n = seq.size(-1)
    if sorter.numel() and (int(sorter.min()) < 0 or int(sorter.max()) >= n):
        raise RuntimeError("torch.searchsorted(): sorter index out of range")
    rows = seq.numel() // n if n else 0
    taken = _gather_rows(seq.contiguous().reshape(rows, n), sorter.reshape(rows, n).t())
    return taken.t().reshape(seq.shape)


@export
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The index of the bucket each value of ``input`` falls in, for 1-D
    sorted ``boundaries``: ``searchsorted(boundaries, input, right=right)``.
    With ``right=False`` bucket ``i`` holds ``boundaries[i-1] < v <=
    boundaries[i]``."""
    if not isinstance(boundaries, Tensor) or boundaries.dim() != 1:
        nd = boundaries.dim() if isinstance(boundaries, Tensor) else 0
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({nd})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ---- counting ------------------------------------------------------------------
@export
def bincount(input, weights=None, minlength=0):
    """How often each value ``0, 1, ...`` occurs in the 1-D non-negative
    integer tensor ``input`` (the sum of ``weights`` at those positions, when
    given). The result has ``max(input.max() + 1, minlength)`` entries: int64
    counts, or float32 sums for float32 weights and float64 otherwise."""
    if input.dtype.is_floating_point or input.dtype == _bool:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.dim() != 1 or (input.numel() and int(input.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.dim() != 1 or weights.numel() != input.numel()):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    length = max(int(input.max()) + 1 if input.numel() else 0, int(minlength))
    offsets = input._to_dtype(_int64)
    if weights is None:
        counts = zeros(length, dtype=_int64)
        return _C.put_offsets_(counts, offsets, 1, _ADD)
    dt = _float32 if weights.dtype == _float32 else _float64
    return _C.put_offsets_(zeros(length, dtype=dt), offsets, weights._to_dtype(dt), _ADD)


def _bin_counts(pos, valid, bins, dtype, weight=None):
    """Sums of ``weight`` (or counts) per bin, ``pos`` the int64 bin of each
    element; elements not ``valid`` land in a spare bin that is dropped."""
    slot = where(valid, pos, bins)
    if weight is None:
        hist = zeros(bins + 1, dtype=_int64)
        _C.put_offsets_(hist, slot, 1, _ADD)
        return hist[:bins]._to_dtype(dtype)
    hist = zeros(bins + 1, dtype=dtype)
    return _C.put_offsets_(hist, slot, weight.reshape(-1), _ADD)[:bins]


def _float_only(name, input, allowed):
    if input.dtype.name not in allowed:
        raise NotImplementedError(f"\"{name}\" not implemented for '{input.dtype}'")


@export
def histc(input, bins=100, min=0, max=0, *, out=None):
    """A histogram of ``input``'s elements in ``bins`` equal-width bins
    between ``min`` and ``max`` (the data's range when both are equal).
    Elements outside the range, and NaNs, are not counted; the last bin
    includes ``max``. The result has ``input``'s floating dtype."""
    _float_only("histogram_cpu", input, ("float16", "bfloat16", "float32", "float64"))
    bins = int(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi and input.numel():
        lo, hi = float(input.min()), float(input.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    x = input.reshape(-1)
    # as PyTorch: the bin from (x - lo) * bins / (hi - lo) in x's dtype
    lo_t, hi_t = tensor(lo, dtype=x.dtype), tensor(hi, dtype=x.dtype)
    valid = (x >= lo_t) & (x <= hi_t)
    pos = where(valid, (x - lo_t) * bins / (hi_t - lo_t), 0.0).long().clamp(min=0, max=bins - 1)
    return _finish(_bin_counts(pos, valid, bins, x.dtype), out)


@export
def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """A histogram of ``input``'s elements (float32 or float64).

    Parameters
    ----------
    input : Tensor
    bins : int or Tensor
        The number of equal-width bins, or their edges (1-D, increasing,
        ``input``'s dtype).
    range : tuple of float, optional
        ``(min, max)`` of the equal-width bins; the data's range by default.
    weight : Tensor, optional
        Each element's weight (``input``'s shape and dtype) instead of 1.
    density : bool, optional
        Normalise so that the histogram integrates to 1.

    Returns
    -------
    (hist, bin_edges) : ember.return_types.histogram
        Bin ``i`` holds ``bin_edges[i] <= x < bin_edges[i+1]``, the last bin
        also ``x == bin_edges[-1]``.
    """
    _float_only("histogramdd", input, ("float32", "float64"))
    x = input.reshape(-1)
    if isinstance(bins, Tensor):
        if bins.dtype != input.dtype:
            raise RuntimeError("torch.histogramdd: input tensor and bins tensors should have the same dtype")
        if bins.dim() != 1 or bins.numel() < 1:
            raise RuntimeError("torch.histogramdd: bins tensor should have one dimension and at least 1 edge")
        edges = bins.contiguous()
    else:
        count = int(bins)
        if count <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {count} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x.numel():
            lo, hi = float(x.min()), float(x.max())
        else:  # as PyTorch
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {lo} max {hi} for dimension 0"
            )
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = linspace(lo, hi, count + 1, dtype=input.dtype)
    nbins = edges.numel() - 1
    if weight is not None and (list(weight.shape) != list(input.shape) or weight.dtype != input.dtype):
        raise RuntimeError("torch.histogramdd: weight should have the same shape and dtype as input")
    if nbins <= 0:
        hist = zeros(0, dtype=input.dtype)
    else:
        valid = (x >= edges[0]) & (x <= edges[-1])
        pos = (_C.searchsorted(edges, x, True) - 1).clamp(min=0, max=nbins - 1)
        hist = _bin_counts(pos, valid, nbins, input.dtype, weight)
        if density:
            hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    if out is not None:
        hist, edges = _finish(hist, out[0]), _finish(edges, out[1])
    return return_types.histogram(hist, edges)


# ---- running extremes ----------------------------------------------------------
def _running(name, kind, greater):
    def fn(input, dim, *, out=None):
        d = _wrap(dim, input.dim())
        values, indices = _C.cumulative_extreme(input, d, greater)  # one pass, in C++
        return _out_pair(kind, values, indices, out)

    fn.__name__ = name
    return fn


cummax = export(_running("cummax", return_types.cummax, True), name="cummax")
cummax.__doc__ = """The running maximum along ``dim`` and the index where each was
    reached, as ``ember.return_types.cummax(values, indices)``. Of equal values
    the later index is reported; a NaN propagates, as in PyTorch."""
cummin = export(_running("cummin", return_types.cummin, False), name="cummin")
cummin.__doc__ = """The running minimum along ``dim``; see ``cummax``."""


for _fn in (
    sort,
    argsort,
    msort,
    topk,
    kthvalue,
    median,
    nanmedian,
    mode,
    quantile,
    nanquantile,
    unique,
    unique_consecutive,
    bincount,
    histc,
    histogram,
    cummax,
    cummin,
):
    method(_fn)
