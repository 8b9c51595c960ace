# SPDX-License-Identifier: BSD-3-Clause
"""Advanced indexing (integer tensors, lists and boolean masks in ``x[...]``)
and the gather/scatter family: index_select, gather, scatter*, index_add /
copy / fill / reduce / put, take, put, masked_*, nonzero and where(cond).

Note [Element offsets]: every op here turns its indices into int64 element
offsets from a tensor's first element (the sum over dims of coordinate times
stride), computed with tensor arithmetic, and hands them to the core:
``take_offsets`` reads, ``put_offsets_`` writes with a combine mode (assign,
add, multiply, amax, amin; sequential, so duplicate offsets combine
deterministically). Indices are validated (IndexError naming the index, the
dimension and its size) and negatives wrapped before any offset is formed.
No Python loop runs over elements.
"""

from __future__ import annotations

import warnings

from . import _C
from ._dtypes import BY_NAME
from ._dtypes import torch_name as _tname
from ._registry import EXPORTS, Tensor, export, method
from ._views import _index_view, _wrap

_int64 = BY_NAME["int64"]
_bool = BY_NAME["bool"]
_R = _C.reduce_ops
_B = _C.binary_ops
ASSIGN, ADD, MULTIPLY, AMAX, AMIN = range(5)
_INDEX_DTYPES = ("int64", "int32")


# ---- offsets ----------------------------------------------------------------
def _arange(n: int) -> Tensor:
    return _C.arange(0, n, 1, _int64)


def _zeros(shape, dtype=_int64) -> Tensor:
    return _C.empty(list(shape), dtype).fill_(0)


def _grid(parts, shape) -> Tensor:
    """The sum of broadcastable int64 offset ``parts``, with shape ``shape``."""
    total = None
    for p in parts:
        total = p if total is None else _C.binary(_B["add"], total, p, None)
    if total is None:
        total = _zeros(())
    if tuple(total._sizes) != tuple(shape):
        total = total.expand(*shape)
    return total


def _along(v: Tensor, pos: int, ndim: int) -> Tensor:
    """1-D ``v`` shaped to broadcast along dim ``pos`` of an ``ndim``-dim result."""
    return v.reshape([v.numel()] + [1] * (ndim - pos - 1))


def _scaled(v: Tensor, stride: int):
    if stride == 0:
        return None
    return v if stride == 1 else _C.binary(_B["mul"], v, stride, None)


def _offsets(shape, strides, coords=None) -> Tensor:
    """Element offsets of every position of ``shape`` in a layout with
    ``strides``. ``coords`` maps a dim to the coordinates to use there instead
    of ``arange(shape[d])``: a 1-D tensor (placed along d) or a tensor with
    ``len(shape)`` dims broadcastable to ``shape``."""
    coords = coords or {}
    nd = len(shape)
    parts = []
    for d in range(nd):
        c = coords.get(d)
        if c is None:
            if shape[d] == 1:
                continue
            c = _along(_arange(shape[d]), d, nd)
        elif c.dim() == 1 and nd > 1:
            c = _along(c, d, nd)
        p = _scaled(c, strides[d])
        if p is not None:
            parts.append(p)
    return _grid(parts, shape)


def _unravel(flat: Tensor, t: Tensor) -> Tensor:
    """Element offsets in ``t``'s layout of row-major positions ``flat``."""
    if t.is_contiguous() or t.numel() == 0:
        return flat
    sizes, strides = t._sizes, t.stride()
    off, rem = None, flat
    for d in range(len(sizes) - 1, -1, -1):
        if sizes[d] == 1:
            continue
        c = _C.binary(_B["remainder"], rem, sizes[d], None) if d else rem
        if d:
            rem = _C.binary(_B["floor_divide"], rem, sizes[d], None)
        p = _scaled(c, strides[d])
        if p is not None:
            off = p if off is None else off + p
    return off if off is not None else _zeros(flat.shape)


def _validated(idx: Tensor, size: int, *, negative: bool = True, message=None, dim: int = 0) -> Tensor:
    """int64 ``idx`` checked against ``size`` (IndexError on the first index
    out of range) with negatives wrapped when ``negative``."""
    if idx.dtype is not _int64:
        idx = idx._to_dtype(_int64)
    if idx.numel() == 0:
        return idx
    lo = _C.reduce(_R["amin"], idx, [], False).item()
    hi = _C.reduce(_R["amax"], idx, [], False).item()
    low = -size if negative else 0
    if lo < low or hi >= size:
        flat = idx.reshape(-1)
        bad = (flat < low) | (flat >= size)
        first = flat[_C.nonzero(bad)[0, 0].item()].item()
        if message is None:
            raise IndexError(f"index {first} is out of bounds for dimension {dim} with size {size}")
        raise IndexError(message(first))
    if lo < 0:
        idx = idx + (idx < 0) * size
    return idx


def _independent(values, dst: Tensor):
    """``values``, copied when it shares memory with ``dst`` (writes are
    sequential: reading what was just written would be wrong)."""
    if isinstance(values, Tensor) and values._storage_ptr() == dst._storage_ptr():
        return values.clone()
    return values


def _put(dst: Tensor, offsets: Tensor, values, mode: int) -> None:
    _C.put_offsets_(dst, offsets, _independent(values, dst), mode)


def _broadcast_shapes(shapes):
    """The broadcast of ``shapes`` (lists of ints), or None when they do not broadcast."""
    nd = max((len(s) for s in shapes), default=0)
    out = [1] * nd
    for s in shapes:
        for i, n in enumerate(s):
            j = nd - len(s) + i
            if n != out[j]:
                if out[j] == 1:
                    out[j] = n
                elif n != 1:
                    return None
    return out


# ---- x[key] and x[key] = value ----------------------------------------------
def _is_basic_item(k) -> bool:
    if k is None or k is Ellipsis or isinstance(k, slice):
        return True
    if isinstance(k, int):
        return not isinstance(k, bool)
    if isinstance(k, Tensor):
        return k.dim() == 0 and k.dtype.name in _INDEX_DTYPES
    if isinstance(k, (list, tuple)):
        return False
    return type(k).__name__ not in ("ndarray", "bool_", "bool") and hasattr(k, "__index__")


def _is_basic(key) -> bool:
    if isinstance(key, tuple):
        return all(_is_basic_item(k) for k in key)
    return _is_basic_item(key)


def _index_tensor(k) -> Tensor:
    """A list or numpy array used as an index, as a tensor."""
    import numpy as np

    try:
        arr = np.asarray(k)
    except ValueError:
        arr = np.asarray(k, dtype=object)
    if arr.dtype.kind == "b":
        return _C.from_numpy(np.ascontiguousarray(arr))
    if arr.dtype.kind in "iu":
        return _C.from_numpy(np.ascontiguousarray(arr, dtype=np.int64))
    if arr.size == 0 and arr.dtype.kind == "f":
        return _zeros(arr.shape)
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _normalize(key):
    """Key items as None, Ellipsis, slice, int, ('idx', tensor) or ('mask', bool tensor)."""
    if not isinstance(key, tuple):
        key = (key,)
    items = []
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, slice):
            items.append(k)
            continue
        if isinstance(k, bool) or type(k).__name__ == "bool_":
            items.append(("mask", _C.empty([], _bool).fill_(bool(k))))
            continue
        if isinstance(k, int):
            items.append(k)
            continue
        if not isinstance(k, Tensor):
            if isinstance(k, (list, tuple)) or type(k).__name__ == "ndarray":
                k = _index_tensor(k)
            elif hasattr(k, "__index__"):
                items.append(int(k.__index__()))
                continue
            else:
                raise IndexError(
                    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                    f"indices (got {type(k).__name__})"
                )
        name = k.dtype.name
        if name == "uint8":
            warnings.warn(
                "indexing with dtype uint8 is deprecated, please use a dtype bool instead.",
                UserWarning,
                stacklevel=4,
            )
            k, name = k != 0, "bool"
        if name == "bool":
            items.append(("mask", k))
        elif name in _INDEX_DTYPES:
            items.append(k.item() if k.dim() == 0 else ("idx", k))
        else:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return items


def _consumes(item) -> int:
    if item is None or item is Ellipsis:
        return 0
    if isinstance(item, tuple):
        return item[1].dim() if item[0] == "mask" else 1
    return 1


def _resolve(self: Tensor, key):
    """(view, indices): the basic part of ``key`` applied as a view of
    ``self``, and the advanced part as a list of (dim of the view, int64
    index tensor), validated and with negatives wrapped."""
    items = _normalize(key)
    nd = self.dim()
    consumed = sum(_consumes(it) for it in items)
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    basic, advanced = [], []
    pos = src = 0
    for it in items:
        if it is Ellipsis:
            basic.append(it)
            pos += nd - consumed
            src += nd - consumed
        elif it is None:
            basic.append(None)
            pos += 1
        elif isinstance(it, (slice, int)):
            basic.append(it)
            pos += isinstance(it, slice)
            src += 1
        elif it[0] == "idx":
            basic.append(slice(None))
            advanced.append((pos, src, it))
            pos += 1
            src += 1
        elif it[1].dim() == 0:  # a 0-d mask adds a dim of size 1, kept or not
            basic.append(None)
            advanced.append((pos, src, it))
            pos += 1
        else:
            k = it[1].dim()
            basic += [slice(None)] * k
            advanced.append((pos, src, it))
            pos += k
            src += k
    view = _index_view(self, tuple(basic))
    sizes = view._sizes
    indices = []
    for pos, src, (kind, t) in advanced:
        if kind == "idx":
            indices.append((pos, _validated(t, sizes[pos], dim=src)))
        elif t.dim() == 0:
            indices.append((pos, _arange(1 if t.item() else 0)))
        else:
            for j, n in enumerate(t._sizes):
                if n != sizes[pos + j]:
                    raise IndexError(
                        f"The shape of the mask {list(t.shape)} at index {j} does not match the shape of the "
                        f"indexed tensor {list(self.shape)} at index {src + j}"
                    )
            nz = _C.nonzero(t)
            indices += [(pos + j, nz.select(1, j)) for j in range(t.dim())]
    return view, indices


def _advanced_offsets(view: Tensor, indices):
    """(shape, offsets) of ``view`` indexed by ``indices`` (numpy's placement:
    the broadcast index dims replace adjacent indexed dims in place, and go
    first when the indexed dims are separated)."""
    shapes = [list(t.shape) for _, t in indices]
    bshape = _broadcast_shapes(shapes)
    if bshape is None:
        raise IndexError(
            "shape mismatch: indexing tensors could not be broadcast together with shapes "
            + ", ".join(str(s) for s in shapes)
        )
    sizes, strides = list(view._sizes), view.stride()
    positions = [p for p, _ in indices]
    rest = [d for d in range(len(sizes)) if d not in positions]
    if positions == list(range(positions[0], positions[0] + len(positions))):
        before = [d for d in rest if d < positions[0]]
        after = [d for d in rest if d > positions[-1]]
    else:
        before, after = [], rest
    shape = [sizes[d] for d in before] + bshape + [sizes[d] for d in after]
    nd = len(shape)
    parts = []
    adv = None
    for p, t in indices:
        s = _scaled(t, strides[p])
        if s is not None:
            adv = s if adv is None else _C.binary(_B["add"], adv, s, None)
    if adv is not None:
        parts.append(adv.reshape(list(adv.shape) + [1] * len(after)))
    dims = [(r, d) for r, d in enumerate(before)] + [(len(before) + len(bshape) + i, d) for i, d in enumerate(after)]
    for r, d in dims:
        if sizes[d] != 1 and strides[d] != 0:
            parts.append(_along(_arange(sizes[d]) * strides[d], r, nd))
    return shape, _grid(parts, shape)


def _value(value):
    """An assigned value as a Tensor or a Python scalar."""
    if isinstance(value, (Tensor, bool, int, float, complex)):
        return value
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
        from ._creation import tensor

        return tensor(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    raise TypeError(f"can't assign a {type(value).__name__} to a tensor")


def _fit(value, ndim: int):
    """Drops leading size-1 dims of a value with more dims than its target
    (``x[0] = ones(1, n)``), as PyTorch does."""
    if isinstance(value, Tensor) and value.dim() > ndim:
        sizes = list(value._sizes)
        lead = value.dim() - ndim
        if all(s == 1 for s in sizes[:lead]):
            return value.as_strided(sizes[lead:], value.stride()[lead:], value.storage_offset())
    return value


def _assign(target: Tensor, value) -> None:
    if isinstance(value, Tensor):
        target.copy_(_fit(value, target.dim()))
    else:
        target.fill_(value)


def _fill_where(self: Tensor, mask: Tensor, value) -> None:
    """``self[mask] = value`` for a scalar value: one pass, no offsets."""
    _C.where(mask, _scalar_like(value, self), self, self)


def _scalar_like(value, t: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value.reshape([]) if value.dtype is t.dtype else value.reshape([])._to_dtype(t.dtype)
    return _C.empty([], t.dtype).fill_(value)


def _setitem(self: Tensor, key, value, mode: int = ASSIGN) -> None:
    view, indices = _resolve(self, key)
    if not indices:
        if mode == ASSIGN:
            _assign(view, value)
        else:
            _C.binary(_B["add"], view, _fit(value, view.dim()), view)
        return
    shape, offsets = _advanced_offsets(view, indices)
    _put(view, offsets, _fit(value, len(shape)), mode)


@method
def __getitem__(self, key):
    """``self[key]``: a view for ints, slices, None and ``...``; a copy when
    the key holds integer tensors, lists or boolean masks."""
    if _is_basic(key):
        return _index_view(self, key)
    view, indices = _resolve(self, key)
    if not indices:
        return view
    _, offsets = _advanced_offsets(view, indices)
    return _C.take_offsets(view, offsets)


@method
def __setitem__(self, key, value):
    """``self[key] = value``: broadcasts ``value`` and casts it to ``self.dtype``."""
    value = _value(value)
    if _is_basic(key):
        _assign(_index_view(self, key), value)
        return
    if (
        isinstance(key, Tensor)
        and key.dtype is _bool
        and tuple(key._sizes) == tuple(self._sizes)
        and (not isinstance(value, Tensor) or value.numel() == 1 and value.dim() <= 1)
    ):
        _fill_where(self, key, value)
        return
    _setitem(self, key, value)


# ---- argument checks ----------------------------------------------------------
def _index_arg(name: str, index) -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype.name not in _INDEX_DTYPES:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index, but got {_tname(index.dtype)}")
    return index


def _vector_arg(name: str, index: Tensor) -> Tensor:
    if index.dim() > 1:
        raise IndexError(
            f"{name}(): Index is supposed to be a vector, but got dim: {index.dim()} with type: "
            f"{_tname(index.dtype)} and size: {list(index.shape)}"
        )
    return index.reshape(-1)


def _at_least_1d(t: Tensor) -> Tensor:
    return t if t.dim() else t.as_strided([1], [1], t.storage_offset())


def _same_dtype(name: str, self: Tensor, other: Tensor) -> None:
    if other.dtype is not self.dtype:
        raise RuntimeError(
            f"{name}: self and source expected to have the same dtype, but got self.dtype = "
            f"{_tname(self.dtype)} and source.dtype = {_tname(other.dtype)}"
        )


def _finish(result: Tensor, out):
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        raise RuntimeError(f"out= has shape {list(out.shape)} but the result has shape {list(result.shape)}")
    out.copy_(result)
    return out


# ---- index_select, gather, take -------------------------------------------------
@export
def index_select(input, dim, index, *, out=None):
    """The entries of ``input`` at positions ``index`` along ``dim``.

    Parameters
    ----------
    input : Tensor
    dim : int
        The dimension to index (negative counts from the end).
    index : Tensor
        1-D (or 0-d) int64/int32 positions in ``[0, input.size(dim))``.

    Returns
    -------
    Tensor
        ``input``'s shape with ``size(dim)`` replaced by ``index.numel()``.

    Examples
    --------
    >>> ember.index_select(ember.tensor([[1, 2], [3, 4]]), 1, ember.tensor([1, 1]))
    tensor([[2, 2],
            [4, 4]])
    """
    index = _index_arg("index_select", index)
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _wrap(dim, input.dim())
    if input.dim() == 0:
        if index.numel() != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)")
        _validated(index, 1, negative=False)
        return _finish(input.clone(), out)
    idx = _validated(index.reshape(-1), input._sizes[d], negative=False, dim=d)
    return _finish(_C.index_select(input, d, idx), out)  # whole slices, one memcpy each


def _gather(input: Tensor, d: int, index: Tensor, negative: bool) -> Tensor:
    src, idx = _at_least_1d(input), _at_least_1d(index)
    if src.dim() != idx.dim():
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(src.dim()):
        if k != d and idx._sizes[k] > src._sizes[k]:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(index.shape)} to be no larger "
                f"than self {list(input.shape)} apart from dimension {d}"
            )
    idx = _validated(idx, src._sizes[d], negative=negative, dim=d)
    r = _C.take_offsets(src, _offsets(list(idx._sizes), src.stride(), {d: idx}))
    return r if index.dim() else r.reshape([])


@export
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Values along ``dim`` at ``index``: ``out[i][j] = input[index[i][j]][j]``
    for ``dim=0`` (and likewise for other dims).

    Parameters
    ----------
    input : Tensor
    dim : int
    index : Tensor
        int64/int32, as many dims as ``input``, no larger than ``input`` in the
        other dims; entries in ``[0, input.size(dim))``.

    Returns
    -------
    Tensor
        Shaped like ``index``.

    Examples
    --------
    >>> ember.gather(ember.tensor([[1, 2], [3, 4]]), 1, ember.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    index = _index_arg("gather", index)
    return _finish(_gather(input, _wrap(dim, input.dim()), index, False), out)


@export
def take_along_dim(input, indices, dim=None, *, out=None):
    """``gather`` after broadcasting ``input`` and ``indices`` in every dim
    but ``dim``; with ``dim=None`` it indexes the flattened ``input``. Unlike
    ``gather``, negative indices count from the end (as numpy's
    ``take_along_axis``)."""
    _index_arg("take_along_dim", indices)
    if dim is None:
        return _finish(take(input, indices.reshape(-1)), out)
    if input.dim() != indices.dim():
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{input.dim()} dimensions for input, and {indices.dim()} dimensions for indices"
        )
    d = _wrap(dim, input.dim())
    if input.dim() == 0:
        return _finish(_gather(input, 0, indices, True), out)
    a, b = list(input._sizes), list(indices._sizes)
    a[d], b[d] = b[d], a[d]
    ishape, sshape = _broadcast_shapes([a, list(indices._sizes)]), _broadcast_shapes([b, list(input._sizes)])
    if ishape is None or sshape is None:
        raise RuntimeError(
            f"take_along_dim(): the shapes of input {list(input.shape)} and indices {list(indices.shape)} "
            f"cannot be broadcast apart from dimension {d}"
        )
    return _finish(_gather(input.expand(*sshape), d, indices.expand(*ishape), True), out)


@export
def take(input, index, *, out=None):
    """Elements of ``input`` as if it were 1-D (row-major order), shaped like
    ``index``; negative indices count from the end.

    Examples
    --------
    >>> ember.take(ember.tensor([[1, 2], [3, 4]]), ember.tensor([0, -1]))
    tensor([1, 4])
    """
    _index_arg("take", index)
    n = input.numel()
    flat = _validated(
        index, n, message=lambda i: f"out of range: tried to access index {i} on a tensor of {n} elements."
    )
    return _finish(_C.take_offsets(input, _unravel(flat, input)), out)


@method(name="put_")
def _put_inplace(self, index, source, accumulate=False):
    _index_arg("put_", index)
    _same_dtype("put_()", self, source)
    if source.numel() != index.numel():
        raise RuntimeError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}"
        )
    n = self.numel()
    flat = _validated(
        index, n, message=lambda i: f"out of range: tried to access index {i} on a tensor of {n} elements."
    )
    _put(self, _unravel(flat, self), source.reshape(list(index._sizes)), ADD if accumulate else ASSIGN)
    return self


@export
def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``source`` written at the row-major positions
    ``index`` (added when ``accumulate``); see ``Tensor.put_``."""
    return _put_inplace(input.clone(), index, source, accumulate)


# ---- scatter ------------------------------------------------------------------------
_SCATTER_MODES = {None: ASSIGN, "add": ADD, "multiply": MULTIPLY}
_REDUCE_MODES = {"sum": ADD, "prod": MULTIPLY, "mean": ADD, "amax": AMAX, "amin": AMIN}


def _scatter_args(self: Tensor, dim, index: Tensor, src):
    """(self as >= 1-d, dim, validated index, values) for the scatter family."""
    d = _wrap(dim, self.dim())
    dst, idx = _at_least_1d(self), _at_least_1d(index)
    if dst.dim() != idx.dim():
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    is_tensor = isinstance(src, Tensor)
    if is_tensor:
        s = _at_least_1d(src)
        if s.dim() != idx.dim():
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        if src.dtype is not self.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    for k in range(idx.dim()):
        if (k != d and idx._sizes[k] > dst._sizes[k]) or (is_tensor and idx._sizes[k] > s._sizes[k]):
            tail = f" and to be no larger size than src {list(src.shape)}" if is_tensor else ""
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be no larger than self {list(self.shape)} apart from "
                f"dimension {d}{tail}"
            )
    # the values scattered are src's leading block of index's shape: a view
    values = s.as_strided(list(idx._sizes), s.stride(), s.storage_offset()) if is_tensor else src
    return dst, d, _validated(idx, dst._sizes[d], negative=False, dim=d), values


def _scalar_value(name: str, value):
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(
                f"{name} only supports a 0-dimensional value tensor, but got tensor with {value.dim()} dimension(s)."
            )
        return value.item()
    return value


@method(name="scatter_")
def _scatter_inplace(self, dim, index, src=None, *, value=None, reduce=None):
    """Writes ``src`` (a tensor or a number, or ``value=``) into ``self`` at
    ``index`` along ``dim``; ``reduce`` 'add' or 'multiply' combines instead."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter_() missing required argument 'src' (or 'value')")
    _index_arg("scatter", index)
    if reduce not in _SCATTER_MODES:
        raise RuntimeError("reduce argument must be either add or multiply.")
    dst, d, idx, values = _scatter_args(self, dim, index, src)
    _put(dst, _offsets(list(idx._sizes), dst.stride(), {d: idx}), values, _SCATTER_MODES[reduce])
    return self


@export
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Out-of-place ``Tensor.scatter_``: a copy of ``input`` with ``src`` (a
    tensor or a number) written at ``index`` along ``dim``:
    ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``.

    Parameters
    ----------
    input : Tensor
    dim : int
    index : Tensor
        int64/int32, as many dims as ``input``, no larger than ``input`` apart
        from ``dim`` (and no larger than ``src``); entries in ``[0, input.size(dim))``.
    src : Tensor or number
        The values (same dtype as ``input``), or one value for every position.
    reduce : {None, 'add', 'multiply'}
        How a written value combines with the one there (duplicates combine in order).

    Examples
    --------
    >>> ember.scatter(ember.zeros(2, 3), 1, ember.tensor([[2], [0]]), 1.0)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    return _scatter_inplace(input.clone(), dim, index, src, value=value, reduce=reduce)


@method(name="scatter_add_")
def _scatter_add_inplace(self, dim, index, src):
    _index_arg("scatter_add", index)
    dst, d, idx, values = _scatter_args(self, dim, index, src)
    _put(dst, _offsets(list(idx._sizes), dst.stride(), {d: idx}), values, ADD)
    return self


@export
def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``;
    duplicate indices accumulate."""
    return _scatter_add_inplace(input.clone(), dim, index, src)


def _reduce_into(dst: Tensor, offsets_for, values, reduce: str, include_self: bool) -> None:
    """Combines ``values`` into ``dst`` at ``offsets_for(strides)`` with ``reduce``."""
    if reduce == "mean":
        work = dst.clone()  # contiguous: sum and count share one layout
        off = offsets_for(work.stride())
        if not include_self:
            _put(work, off, 0, ASSIGN)
        _put(work, off, values, ADD)
        count = _C.empty(list(work._sizes), dst.dtype).fill_(1 if include_self else 0)
        _put(count, off, 1, ADD)
        count = _C.where(count == 0, _scalar_like(1, count), count, None)
        op = "div" if dst.dtype.is_floating_point else "floor_divide"
        dst.copy_(_C.binary(_B[op], work, count, None))
        return
    off = offsets_for(dst.stride())
    if not include_self:
        if reduce in ("amax", "amin"):
            _put(dst, off, values, ASSIGN)
        else:
            _put(dst, off, 0 if reduce == "sum" else 1, ASSIGN)
    _put(dst, off, values, _REDUCE_MODES[reduce])


@method(name="scatter_reduce_")
def _scatter_reduce_inplace(self, dim, index, src, reduce, *, include_self=True):
    _index_arg("scatter_reduce", index)
    if reduce not in _REDUCE_MODES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce_(): argument 'src' must be Tensor, not {type(src).__name__}")
    dst, d, idx, values = _scatter_args(self, dim, index, src)
    shape = list(idx._sizes)
    _reduce_into(dst, lambda strides: _offsets(shape, strides, {d: idx}), values, reduce, include_self)
    return self


@export
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of ``input`` with ``src`` combined in at ``index`` along ``dim``.

    Parameters
    ----------
    reduce : {'sum', 'prod', 'mean', 'amax', 'amin'}
        The combination; 'mean' of integers rounds down.
    include_self : bool
        Whether ``input``'s values at the written positions take part.

    Examples
    --------
    >>> ember.scatter_reduce(ember.tensor([1., 2.]), 0, ember.tensor([0, 0, 1]), ember.tensor([5., 3., 4.]), "amax")
    tensor([5., 4.])
    """
    return _scatter_reduce_inplace(input.clone(), dim, index, src, reduce, include_self=include_self)


# ---- index_add / copy / fill / reduce -------------------------------------------------
def _index_source(name: str, self: Tensor, dim, index, source: Tensor, *, check_dtype=True):
    """(dst, dim, validated index, source) for index_add/copy/reduce, checked."""
    index = _vector_arg(name, _index_arg(name, index))
    d = _wrap(dim, self.dim())
    dst, src = _at_least_1d(self), _at_least_1d(source)
    if check_dtype and source.dtype is not self.dtype:
        raise RuntimeError(
            f"{name}(): self ({_tname(self.dtype)}) and source ({_tname(source.dtype)}) must have the same scalar type"
        )
    if src.dim() != dst.dim():
        raise RuntimeError(
            f"{name}(): source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(self.shape)} source.shape = {list(source.shape)}"
        )
    if index.numel() != src._sizes[d]:
        raise RuntimeError(
            f"{name}(): Number of indices ({index.numel()}) should be equal to source.size(dim): "
            f"({src._sizes[d]}), for dim: {d}"
        )
    for k in range(dst.dim()):
        if k != d and src._sizes[k] != dst._sizes[k]:
            raise RuntimeError(
                f"{name}(): source tensor shape must match self tensor shape, excluding the specified dimension. "
                f"Got self.shape = {list(self.shape)} source.shape = {list(source.shape)}"
            )
    idx = _validated(index, dst._sizes[d], negative=False, dim=d)
    return dst, d, idx, src


@method(name="index_add_")
def _index_add_inplace(self, dim, index, source, *, alpha=1):
    dst, d, idx, src = _index_source("index_add_", self, dim, index, source)
    if alpha != 1:
        if isinstance(alpha, float) and not self.dtype.is_floating_point:
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        src = src * alpha
    if dst.is_contiguous():
        _C.index_add_(dst, d, idx, src, 1.0)  # whole slices, in index order
    else:
        _put(dst, _offsets(list(src._sizes), dst.stride(), {d: idx}), src, ADD)
    return self


@export
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """A copy of ``input`` with ``alpha * source`` added along ``dim`` at the
    positions ``index``; duplicate indices accumulate.

    Parameters
    ----------
    input : Tensor
    dim : int
    index : Tensor
        1-D int64/int32 with ``source.size(dim)`` entries in ``[0, input.size(dim))``.
    source : Tensor
        ``input``'s shape and dtype except ``size(dim) == len(index)``.
    alpha : number

    Examples
    --------
    >>> ember.index_add(ember.zeros(3), 0, ember.tensor([0, 0, 2]), ember.tensor([1., 2., 3.]))
    tensor([3., 0., 3.])
    """
    return _finish(_index_add_inplace(input.clone(), dim, index, source, alpha=alpha), out)


@method(name="index_copy_")
def _index_copy_inplace(self, dim, index, source):
    dst, d, idx, src = _index_source("index_copy_", self, dim, index, source)
    _put(dst, _offsets(list(src._sizes), dst.stride(), {d: idx}), src, ASSIGN)
    return self


@export
def index_copy(input, dim, index, source, *, out=None):
    """A copy of ``input`` with the slices of ``source`` written along ``dim``
    at the positions ``index`` (the last of duplicates wins)."""
    return _finish(_index_copy_inplace(input.clone(), dim, index, source), out)


@method(name="index_fill_")
def _index_fill_inplace(self, dim, index, value):
    _index_arg("index_fill_", index)
    if index.dim() > 1:
        raise IndexError("Index has to be a vector/scalar")
    value = _scalar_value("index_fill_", value)
    d = _wrap(dim, self.dim())
    dst = _at_least_1d(self)
    idx = _validated(index.reshape(-1), dst._sizes[d], dim=d)
    shape = list(dst._sizes)
    shape[d] = idx.numel()
    _put(dst, _offsets(shape, dst.stride(), {d: idx}), value, ASSIGN)
    return self


@export
def index_fill(input, dim, index, value):
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) in every
    slice along ``dim`` named by ``index``; negative indices count from the end."""
    return _index_fill_inplace(input.clone(), dim, index, value)


@method(name="index_reduce_")
def _index_reduce_inplace(self, dim, index, source, reduce, *, include_self=True):
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    dst, d, idx, src = _index_source("index_reduce_", self, dim, index, source)
    shape = list(src._sizes)
    _reduce_into(dst, lambda strides: _offsets(shape, strides, {d: idx}), src, reduce, include_self)
    return self


@export
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """A copy of ``input`` with the slices of ``source`` combined in along
    ``dim`` at ``index`` by ``reduce`` ('prod', 'mean', 'amax' or 'amin')."""
    return _index_reduce_inplace(input.clone(), dim, index, source, reduce, include_self=include_self)


# ---- index_put -----------------------------------------------------------------------
def _indices_key(indices):
    """index_put_'s indices as a key: None is a full slice, and 0-d integer
    tensors stay advanced indices (they index, not select)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put_(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    key = []
    for t in indices:
        if t is None:
            key.append(slice(None))
        elif not isinstance(t, Tensor):
            raise TypeError(f"index_put_(): argument 'indices' must be tuple of Tensors, not {type(t).__name__}")
        else:
            key.append(t.reshape(1) if t.dim() == 0 and t.dtype is not _bool else t)
    return tuple(key)


@export
def index_put_(input, indices, values, accumulate=False):
    """Writes ``values`` into ``input`` at ``input[indices]`` (a tuple of
    index tensors, boolean masks or None for a full slice), adding when
    ``accumulate`` (duplicate indices then accumulate). Returns ``input``.

    Examples
    --------
    >>> x = ember.zeros(3)
    >>> ember.index_put_(x, (ember.tensor([0, 0, 2]),), ember.tensor(1.0), accumulate=True)
    tensor([2., 0., 1.])
    """
    key = _indices_key(indices)
    if isinstance(values, Tensor) and values.dtype is not input.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_tname(input.dtype)} for the destination and {_tname(values.dtype)} for the source."
        )
    _setitem(input, key, _value(values), ADD if accumulate else ASSIGN)
    return input


@export
def index_put(input, indices, values, accumulate=False):
    """Out-of-place ``index_put_``."""
    return index_put_(input.clone(), indices, values, accumulate)


Tensor.index_put_ = index_put_
Tensor.index_put = index_put


# ---- masks -----------------------------------------------------------------------------
def _mask_arg(name: str, mask) -> Tensor:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.dtype is not _bool:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {_tname(mask.dtype)}")
    return mask


def _check_inplace_broadcast(self: Tensor, other: Tensor) -> None:
    shape = _broadcast_shapes([list(self._sizes), list(other._sizes)])
    if shape is None or shape != list(self._sizes):
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{shape if shape is not None else [list(self.shape), list(other.shape)]}"
        )


@method(name="masked_fill_")
def _masked_fill_inplace(self, mask, value):
    _mask_arg("masked_fill_", mask)
    value = _scalar_value("masked_fill_", value)
    _check_inplace_broadcast(self, mask)
    _C.where(mask, _scalar_like(value, self), self, self)
    return self


@export
def masked_fill(input, mask, value):
    """``input`` with ``value`` (a number or 0-d tensor, cast to ``input``'s
    dtype) where the boolean ``mask`` (broadcast) is True.

    Examples
    --------
    >>> x = ember.tensor([1., -2., 3.])
    >>> ember.masked_fill(x, x < 0, 0.0)
    tensor([1., 0., 3.])
    """
    _mask_arg("masked_fill", mask)
    value = _scalar_value("masked_fill_", value)
    return _C.where(mask, _scalar_like(value, input), input, None)


@export
def masked_select(input, mask, *, out=None):
    """A 1-D tensor of the elements of ``input`` where the boolean ``mask``
    is True (both broadcast), in row-major order."""
    if not isinstance(mask, Tensor) or mask.dtype is not _bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast_shapes([list(input._sizes), list(mask._sizes)])
    if shape is None:
        raise RuntimeError(
            f"The size of tensor a ({list(input.shape)}) must match the size of tensor b ({list(mask.shape)})"
        )
    x, m = input.expand(*shape), mask.expand(*shape)
    nz = _C.nonzero(m)
    parts = [_scaled(nz.select(1, j), x.stride()[j]) for j in range(len(shape))]
    offsets = _grid([p for p in parts if p is not None], [nz._sizes[0]])
    return _finish(_C.take_offsets(x, offsets), out)


@method(name="masked_scatter_")
def _masked_scatter_inplace(self, mask, source):
    _mask_arg("masked_scatter_", mask)
    if source.dtype is not self.dtype:
        raise RuntimeError(
            "masked_scatter_: expected self and source to have same dtypes but got "
            f"{_tname(self.dtype)} and {_tname(source.dtype)}"
        )
    _check_inplace_broadcast(self, mask)
    nz = _C.nonzero(mask.expand(*self._sizes))
    count = nz._sizes[0]
    if source.numel() < count:
        raise RuntimeError("masked_scatter_: Number of elements of source < number of ones in mask")
    parts = [_scaled(nz.select(1, j), self.stride()[j]) for j in range(self.dim())]
    offsets = _grid([p for p in parts if p is not None], [count])
    _put(self, offsets, source.reshape(-1).narrow(0, 0, count), ASSIGN)
    return self


@export
def masked_scatter(input, mask, source):
    """``input`` (broadcast with ``mask``) with the leading elements of
    ``source`` written, in row-major order, where ``mask`` is True."""
    _mask_arg("masked_scatter_", mask)
    shape = _broadcast_shapes([list(input._sizes), list(mask._sizes)])
    if shape is None:
        raise RuntimeError(
            f"masked_scatter: shapes {list(input.shape)} and {list(mask.shape)} cannot be broadcast together"
        )
    return _masked_scatter_inplace(input.expand(*shape).clone(), mask, source)


# ---- nonzero, argwhere, where ------------------------------------------------------
@export
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the nonzero elements of ``input``.

    Returns
    -------
    Tensor or tuple of Tensor
        An int64 ``[count, input.dim()]`` tensor, row-major order; with
        ``as_tuple=True`` one 1-D tensor per dimension (a 0-d input gives one).

    Examples
    --------
    >>> ember.nonzero(ember.tensor([[0, 1], [2, 0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    nz = _C.nonzero(input)
    if as_tuple:
        if input.dim() == 0:
            return (_arange(nz._sizes[0]).fill_(0),)
        return tuple(nz.select(1, j) for j in range(input.dim()))
    return _finish(nz, out)


@export
def argwhere(input):
    """``nonzero(input)``: an int64 ``[count, input.dim()]`` tensor of indices."""
    return _C.nonzero(input)


@export
def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` holds, else ``other`` (all broadcast,
    types promoted). With only ``condition``: ``nonzero(condition, as_tuple=True)``.

    Examples
    --------
    >>> c = ember.tensor([True, False, True])
    >>> ember.where(c, ember.tensor([1, 2, 3]), 0)
    tensor([1, 0, 3])
    >>> ember.where(c)
    (tensor([0, 2]),)
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes 1 or 3 arguments: where(condition) or where(condition, input, other)")
    return _C.where(condition, input, other, out)


# ---- Tensor methods -----------------------------------------------------------------
for _name in (
    "index_select",
    "gather",
    "take",
    "take_along_dim",
    "put",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_add",
    "index_copy",
    "index_fill",
    "index_reduce",
    "masked_fill",
    "masked_select",
    "masked_scatter",
    "nonzero",
    "argwhere",
):
    setattr(Tensor, _name, EXPORTS[_name])
