# SPDX-License-Identifier: BSD-3-Clause
"""Joining, splitting, flipping and rearranging tensors, and padding.

Joins allocate their result once and copy each input into a narrow view of
it. Splits return views. Reorderings that no view can express (flip, roll,
reflect/replicate/circular padding) gather through one int64 offset grid
(Note [Element offsets] in _indexing.py): per dim, a vector of source
coordinates; their broadcast sum is the offsets that ``take_offsets`` reads.
"""

from __future__ import annotations

from . import _C
from ._indexing import _along, _arange, _broadcast_shapes, _grid, _int64, _scaled, _tname
from ._registry import EXPORTS, Tensor, export, method
from ._size import Size
from ._views import _wrap

_B = _C.binary_ops


def _tensors(name: str, tensors) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return list(tensors)


def _dims_arg(dims) -> list[int]:
    if isinstance(dims, (list, tuple)):
        if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
            dims = dims[0]
        return [int(d) for d in dims]
    return [int(dims)]


def _unique_dims(dims, nd: int) -> list[int]:
    wrapped = [_wrap(d, nd) for d in dims]
    seen = set()
    for d in wrapped:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return wrapped


def _result_dtype(tensors):
    dt = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype is not dt:
            dt = _C.promote_types(dt, t.dtype)
    return dt


def _finish(result: Tensor, out):
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        raise RuntimeError(f"out= has shape {list(out.shape)} but the result has shape {list(result.shape)}")
    out.copy_(result)
    return out


def _gather_grid(x: Tensor, coords: dict) -> Tensor:
    """``x`` read through per-dim source coordinates: ``coords[d]`` is a 1-D
    int64 tensor of positions along dim d (dims not in ``coords`` are kept)."""
    sizes, strides = list(x._sizes), x.stride()
    shape = [coords[d].numel() if d in coords else sizes[d] for d in range(len(sizes))]
    nd = len(shape)
    parts = []
    for d in range(nd):
        c = coords.get(d)
        if c is None:
            if sizes[d] == 1:
                continue
            c = _arange(sizes[d])
        p = _scaled(c, strides[d])
        if p is not None:
            parts.append(_along(p, d, nd))
    return _C.take_offsets(x, _grid(parts, shape))


# ---- joining ------------------------------------------------------------------------------
@export
def cat(tensors, dim=0, *, out=None):
    """Concatenates ``tensors`` along ``dim``.

    All must have the same shape except in ``dim`` (1-D empty tensors are
    skipped, as in PyTorch); the result has their promoted dtype.

    Parameters
    ----------
    tensors : sequence of Tensor
    dim : int

    Returns
    -------
    Tensor

    Examples
    --------
    >>> ember.cat([ember.tensor([[1, 2]]), ember.tensor([[3, 4]])], dim=0)
    tensor([[1, 2],
            [3, 4]])
    """
    tensors = _tensors("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dtype = _result_dtype(tensors)
    for i, t in enumerate(tensors):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    parts = [(i, t) for i, t in enumerate(tensors) if not (t.dim() == 1 and t._sizes[0] == 0)]
    if not parts:
        return _finish(_C.empty([0], dtype), out)
    first = parts[0][1]
    nd = first.dim()
    d = _wrap(dim, nd)
    ref = list(first._sizes)
    total = 0
    for i, t in parts:
        if t.dim() != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {t.dim()}")
        sizes = t._sizes
        for k in range(nd):
            if k != d and sizes[k] != ref[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref[k]} but got size "
                    f"{sizes[k]} for tensor number {i} in the list."
                )
        total += sizes[d]
    ref[d] = total
    if (
        out is not None
        and tuple(out.shape) == tuple(ref)
        and all(t._storage_ptr() != out._storage_ptr() for t in tensors)
    ):
        result = out
    else:
        result = _C.empty(ref, dtype)
    offset = 0
    for _, t in parts:
        n = t._sizes[d]
        if n:
            result.narrow(d, offset, n).copy_(t)
        offset += n
    return result if result is out else _finish(result, out)


EXPORTS["concat"] = cat


@export
def concatenate(tensors, axis=0, *, out=None):
    """``cat`` with numpy's argument name ``axis``."""
    return cat(tensors, axis, out=out)


@export
def stack(tensors, dim=0, *, out=None):
    """Joins equally shaped ``tensors`` along a new dimension ``dim``.

    Examples
    --------
    >>> ember.stack([ember.tensor([1, 2]), ember.tensor([3, 4])], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = _tensors("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = list(tensors[0]._sizes)
    for i, t in enumerate(tensors[1:], 1):
        if list(t._sizes) != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {shape} at entry 0 and {list(t.shape)} at "
                f"entry {i}"
            )
    d = _wrap(dim, len(shape) + 1)
    result = _C.empty(shape[:d] + [len(tensors)] + shape[d:], _result_dtype(tensors))
    for i, t in enumerate(tensors):
        result.select(d, i).copy_(t)
    return _finish(result, out)


def _atleast(n: int, name: str):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            tensors = tuple(tensors[0])
            return tuple(fn(t) for t in tensors)
        if len(tensors) != 1:
            return tuple(fn(t) for t in tensors)
        t = tensors[0]
        nd = t.dim()
        if nd >= n:
            return t
        if n == 1 or nd == 0:
            return t.reshape([1] * n)
        if n == 2:
            return t.unsqueeze(0)
        return t.unsqueeze(0).unsqueeze(-1) if nd == 1 else t.unsqueeze(-1)

    fn.__name__ = name
    fn.__doc__ = f"Each input viewed with at least {n} dimensions (a tuple for several inputs)."
    return fn


atleast_1d = export(_atleast(1, "atleast_1d"))
atleast_2d = export(_atleast(2, "atleast_2d"))
atleast_3d = export(_atleast(3, "atleast_3d"))


@export
def hstack(tensors, *, out=None):
    """Concatenates along dim 1 (dim 0 for 1-D inputs), after ``atleast_1d``."""
    ts = [atleast_1d(t) for t in _tensors("hstack", tensors)]
    return cat(ts, 0 if ts and ts[0].dim() == 1 else 1, out=out)


@export
def vstack(tensors, *, out=None):
    """Concatenates along dim 0, after ``atleast_2d`` (1-D inputs become rows)."""
    return cat([atleast_2d(t) for t in _tensors("vstack", tensors)], 0, out=out)


EXPORTS["row_stack"] = vstack


@export
def dstack(tensors, *, out=None):
    """Concatenates along dim 2, after ``atleast_3d``."""
    return cat([atleast_3d(t) for t in _tensors("dstack", tensors)], 2, out=out)


@export
def column_stack(tensors, *, out=None):
    """Joins 0-d and 1-d inputs as columns (and matrices as they are) along dim 1."""
    ts = [t.reshape(t.numel(), 1) if t.dim() <= 1 else t for t in _tensors("column_stack", tensors)]
    return cat(ts, 1, out=out)


# ---- splitting (views) ---------------------------------------------------------------------
def _need_dims(name: str, t: Tensor) -> None:
    if t.dim() == 0:
        raise RuntimeError(f"{name} expects at least a 1-dimensional tensor")


@export
def split(tensor, split_size_or_sections, dim=0):
    """Views of ``tensor`` split along ``dim``: into pieces of
    ``split_size`` (the last may be smaller), or of the given list of sizes.

    Examples
    --------
    >>> [t.tolist() for t in ember.split(ember.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    >>> [t.tolist() for t in ember.split(ember.arange(5), [1, 4])]
    [[0], [1, 2, 3, 4]]
    """
    _need_dims("split", tensor)
    d = _wrap(dim, tensor.dim())
    n = tensor._sizes[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}"
            )
    else:
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0:
            if n:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
            return (tensor.narrow(d, 0, 0),)
        sizes = [min(size, n - s) for s in range(0, n, size)] or [0]
    pieces, start = [], 0
    for s in sizes:
        pieces.append(tensor.narrow(d, start, s))
        start += s
    return tuple(pieces)


@method(name="split")
def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


@export
def chunk(input, chunks, dim=0):
    """At most ``chunks`` views along ``dim``, each of ``ceil(size / chunks)``
    elements but the last (fewer pieces when the size does not allow more)."""
    _need_dims("chunk", input)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap(dim, input.dim())
    n = input._sizes[d]
    if n == 0:
        return tuple(input.narrow(d, 0, 0) for _ in range(chunks))
    return split(input, -(-n // chunks), d)


@export
def tensor_split(input, indices_or_sections, dim=0):
    """Views along ``dim``: ``sections`` near-equal pieces (the first
    ``size % sections`` one longer), or the pieces between split ``indices``
    (a list, or an int64 tensor: 0-d for sections, 1-d for indices)."""
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _wrap(dim, input.dim())
    n = input._sizes[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec.dtype.name != "int64":
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but got " f"{spec.dtype}"
            )
        if spec.dim() > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
                f"tensor, but got a tensor with {spec.dim()} dims"
            )
        spec = spec.item() if spec.dim() == 0 else spec.tolist()
    if isinstance(spec, (list, tuple)):
        bounds = [0] + [int(i) for i in spec] + [n]
        pieces = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            start, stop, _ = slice(a, b).indices(n)
            pieces.append(input.narrow(d, start, max(stop - start, 0)))
        return tuple(pieces)
    sections = int(spec)
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    q, r = divmod(n, sections)
    pieces, start = [], 0
    for i in range(sections):
        size = q + (i < r)
        pieces.append(input.narrow(d, start, size))
        start += size
    return tuple(pieces)


def _split_dim(name: str, dim: int, min_dims: int):
    def fn(input, indices_or_sections):
        if input.dim() < min_dims:
            raise RuntimeError(
                f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor with "
                f"{input.dim()} dimensions!"
            )
        d = 0 if (name == "hsplit" and input.dim() == 1) else dim
        if isinstance(indices_or_sections, int) and input._sizes[d] % max(indices_or_sections, 1):
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                f"{input._sizes[d]} is not divisible by the split_size {indices_or_sections}!"
            )
        return tensor_split(input, indices_or_sections, d)

    fn.__name__ = name
    fn.__doc__ = f"``tensor_split`` along dim {dim}; an int must divide that size evenly."
    return fn


hsplit = export(_split_dim("hsplit", 1, 1))
vsplit = export(_split_dim("vsplit", 0, 2))
dsplit = export(_split_dim("dsplit", 2, 3))
Tensor.chunk = chunk
Tensor.tensor_split = tensor_split
Tensor.hsplit, Tensor.vsplit, Tensor.dsplit = hsplit, vsplit, dsplit


# ---- reordering ------------------------------------------------------------------------------
@export
def flip(input, dims):
    """A copy of ``input`` with the order of elements reversed along ``dims``.

    Examples
    --------
    >>> ember.flip(ember.tensor([[1, 2], [3, 4]]), [1])
    tensor([[2, 1],
            [4, 3]])
    """
    nd = input.dim()
    dims = _unique_dims(_dims_arg(dims), nd)
    coords = {}
    for d in dims if nd else ():
        n = input._sizes[d]
        coords[d] = _C.arange(n - 1, -1, -1, _int64)
    return _gather_grid(input, coords)


@method(name="flip")
def _flip_method(self, *dims):
    return flip(self, dims)


@export
def fliplr(input):
    """``flip(input, [1])``; needs at least 2 dims."""
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


@export
def flipud(input):
    """``flip(input, [0])``; needs at least 1 dim."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


Tensor.fliplr = fliplr
Tensor.flipud = flipud


@export
def roll(input, shifts, dims=None):
    """Elements shifted by ``shifts`` along ``dims``, wrapping around; with
    ``dims=None`` the flattened tensor is rolled and reshaped back.

    Examples
    --------
    >>> ember.roll(ember.tensor([1, 2, 3, 4]), 1)
    tensor([4, 1, 2, 3])
    """
    shifts = _dims_arg(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        flat = input.reshape(-1)
        return roll(flat, shifts, 0).reshape(input.shape) if input.dim() else input.clone()
    dims = _dims_arg(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if input.dim() == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    total = {}
    for s, d in zip(shifts, dims):
        d = _wrap(d, input.dim())
        total[d] = total.get(d, 0) + s
    coords = {}
    for d, s in total.items():
        n = input._sizes[d]
        if n and s % n:
            coords[d] = _C.binary(_B["remainder"], _arange(n) - (s % n), n, None)
    return _gather_grid(input, coords) if coords else input.clone()


Tensor.roll = roll


@export
def rot90(input, k=1, dims=(0, 1)):
    """Rotates by 90 degrees ``k`` times in the plane of ``dims``, from the
    first towards the second."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    a, b = _wrap(dims[0], input.dim()), _wrap(dims[1], input.dim())
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}")
    k %= 4
    if k == 1:
        return flip(input, [b]).transpose(a, b)
    if k == 2:
        return flip(input, [a, b])
    if k == 3:
        return flip(input, [a]).transpose(a, b)
    return input.clone()


Tensor.rot90 = rot90


@method
def repeat(self, *sizes):
    """The tensor tiled ``sizes[i]`` times along each dim (leading new dims
    when ``sizes`` is longer than ``self.dim()``); always a copy."""
    reps = [int(r) for r in (sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)) else sizes)]
    nd = self.dim()
    if len(reps) < nd:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    shape = [1] * (len(reps) - nd) + list(self._sizes)
    strides = [0] * (len(reps) - nd) + list(self.stride())
    final = [r * s for r, s in zip(reps, shape)]
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(final)}: {final}")
    view_shape, view_strides = [], []
    for r, s, st in zip(reps, shape, strides):
        view_shape += [r, s]
        view_strides += [0, st]
    expanded = self.as_strided(view_shape, view_strides, self.storage_offset())
    result = _C.empty(view_shape, self.dtype)
    result.copy_(expanded)
    return result.as_strided(final, _contiguous_strides(final), 0)


def _contiguous_strides(sizes):
    out, acc = [0] * len(sizes), 1
    for i in range(len(sizes) - 1, -1, -1):
        out[i] = acc
        acc *= max(sizes[i], 1)
    return out


@export
def tile(input, dims):
    """``input.repeat(dims)``, with ``dims`` padded with leading ones to ``input.dim()``."""
    dims = [int(d) for d in dims]
    dims = [1] * (input.dim() - len(dims)) + dims
    return input.repeat(dims)


Tensor.tile = tile


def _repeat_index(repeats: Tensor, total: int) -> Tensor:
    """``arange(len(repeats))`` with element i repeated ``repeats[i]`` times."""
    n = repeats.numel()
    marks = _C.empty([total + 1], repeats.dtype).fill_(0)
    if n > 1:
        ends = _C.cumulative(repeats.narrow(0, 0, n - 1), 0, False)
        _C.put_offsets_(marks, ends, 1, 1)
    return _C.cumulative(marks.narrow(0, 0, total), 0, False)


@export
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times in
    place; ``repeats`` is an int or a tensor of per-element counts. With
    ``dim=None`` the flattened input is used. ``repeat_interleave(repeats)``
    alone repeats ``arange(len(repeats))``.

    Examples
    --------
    >>> ember.repeat_interleave(ember.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    >>> ember.repeat_interleave(ember.tensor([1, 2]), ember.tensor([1, 3]))
    tensor([1, 2, 2, 2])
    """
    if repeats is None:
        if input.dim() != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return repeat_interleave(_arange(input.numel()), input, 0, output_size=output_size)
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _wrap(dim, x.dim())
    if x.dim() == 0:
        x = x.reshape(1)
    n = x._sizes[d]
    if isinstance(repeats, Tensor) and repeats.numel() == 1 and repeats.dim() <= 1:
        repeats = repeats.item()
    if isinstance(repeats, Tensor):
        if repeats.dtype.name not in ("int64", "int32"):
            raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{_tname(repeats.dtype)}'")
        if repeats.dim() != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if repeats.numel() != n:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{repeats.numel()} and input.size({d}) = {n}"
            )
        repeats = repeats._to_dtype(_int64)
        if n and repeats.amin().item() < 0:
            raise RuntimeError("repeats can not be negative")
        total = repeats.sum().item() if n else 0
        if output_size is not None and output_size != total:
            raise RuntimeError("allocated size does not match required size")
        return _gather_grid(x, {d: _repeat_index(repeats, total)})
    r = int(repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    if output_size is not None and output_size != n * r:
        raise RuntimeError("allocated size does not match required size")
    sizes = list(x._sizes)
    expanded = x.unsqueeze(d + 1).expand(*(sizes[: d + 1] + [r] + sizes[d + 1 :]))
    return expanded.reshape(sizes[:d] + [n * r] + sizes[d + 1 :])


Tensor.repeat_interleave = repeat_interleave


# ---- triangles and diagonals --------------------------------------------------------------
def _tri_mask(input: Tensor, diagonal: int, lower: bool, name: str) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    m, n = input._sizes[-2], input._sizes[-1]
    diff = _arange(n) - _arange(m).reshape(m, 1)  # j - i
    return diff <= diagonal if lower else diff >= diagonal


def _zero_of(t: Tensor) -> Tensor:
    return _C.empty([], t.dtype).fill_(0)


@export
def tril(input, diagonal=0, *, out=None):
    """The lower triangle of the last two dims (``j - i <= diagonal``),
    other elements zero.

    Examples
    --------
    >>> ember.tril(ember.ones(3, 3, dtype=ember.int64))
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]])
    """
    return _C.where(_tri_mask(input, diagonal, True, "tril"), input, _zero_of(input), out)


@export
def triu(input, diagonal=0, *, out=None):
    """The upper triangle of the last two dims (``j - i >= diagonal``), other elements zero."""
    return _C.where(_tri_mask(input, diagonal, False, "triu"), input, _zero_of(input), out)


Tensor.tril = tril
Tensor.triu = triu


@method(name="tril_")
def _tril_inplace(self, diagonal=0):
    return tril(self, diagonal, out=self)


@method(name="triu_")
def _triu_inplace(self, diagonal=0):
    return triu(self, diagonal, out=self)


@export
def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of the diagonal of the planes ``(dim1, dim2)``, moved to the
    last dim; ``offset > 0`` is above the main diagonal.

    Examples
    --------
    >>> ember.diagonal(ember.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    nd = input.dim()
    a, b = _wrap(dim1, nd), _wrap(dim2, nd)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    sizes, strides = list(input._sizes), list(input.stride())
    if offset >= 0:
        n = max(min(sizes[a], sizes[b] - offset), 0)
        start = offset * strides[b]
    else:
        n = max(min(sizes[a] + offset, sizes[b]), 0)
        start = -offset * strides[a]
    keep = [k for k in range(nd) if k not in (a, b)]
    return input.as_strided(
        [sizes[k] for k in keep] + [n],
        [strides[k] for k in keep] + [strides[a] + strides[b]],
        input.storage_offset() + (start if n else 0),
    )


Tensor.diagonal = diagonal


@export
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (in the planes ``(dim1, dim2)``, at
    ``offset``) hold the last dim of ``input``; zero elsewhere."""
    nd = input.dim() + 1
    a, b = _wrap(dim1, nd), _wrap(dim2, nd)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input._sizes[-1] + abs(offset)
    shape = list(input._sizes[:-1])
    for k in sorted((a, b)):
        shape.insert(k, n)
    result = _C.empty(shape, input.dtype).fill_(0)
    result.diagonal(offset, a, b).copy_(input)
    return result


Tensor.diag_embed = diag_embed


@export
def diag(input, diagonal=0, *, out=None):
    """For a 1-D input, the square matrix with ``input`` on its
    ``diagonal``; for a 2-D input, a copy of that diagonal.

    Examples
    --------
    >>> ember.diag(ember.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    if input.dim() == 1:
        n = input._sizes[0] + abs(diagonal)
        result = _C.empty([n, n], input.dtype).fill_(0)
        result.diagonal(diagonal).copy_(input)
        return _finish(result, out)
    if input.dim() == 2:
        return _finish(input.diagonal(diagonal).clone(), out)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")


Tensor.diag = diag


@export
def diagflat(input, offset=0):
    """``diag`` of the flattened input: a square matrix with it on a diagonal."""
    return diag(input.reshape(-1), offset)


Tensor.diagflat = diagflat


# ---- moving dims, broadcasting, grids ----------------------------------------------------------
@export
def movedim(input, source, destination):
    """A view with the dims ``source`` moved to positions ``destination``,
    the others keeping their order.

    Examples
    --------
    >>> ember.movedim(ember.zeros(2, 3, 4), 0, -1).shape
    ember.Size([3, 4, 2])
    """
    src, dst = _dims_arg(source), _dims_arg(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims) should contain the same number of "
            f"dims as destination ({dst} dims)"
        )
    nd = input.dim()
    ws, wd = [_wrap(d, nd) for d in src], [_wrap(d, nd) for d in dst]
    if len(set(ws)) != len(ws):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(wd)) != len(wd):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    order = [-1] * nd
    for s, d in zip(ws, wd):
        order[d] = s
    rest = iter(k for k in range(nd) if k not in ws)
    order = [o if o >= 0 else next(rest) for o in order]
    return input.permute(order) if nd else input.as_strided([], [], input.storage_offset())


EXPORTS["moveaxis"] = movedim
Tensor.movedim = Tensor.moveaxis = movedim


@export
def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (ints are 1-D shapes).

    Examples
    --------
    >>> ember.broadcast_shapes((2, 1), (3,))
    ember.Size([2, 3])
    """
    lists = []
    for s in shapes:
        s = [int(s)] if isinstance(s, int) else [int(n) for n in s]
        if any(n < 0 for n in s):
            raise ValueError("Attempting to broadcast a dimension with negative length!")
        lists.append(s)
    acc = []
    for i, s in enumerate(lists):
        nxt = _broadcast_shapes([acc, s])
        if nxt is None:
            for j in range(1, min(len(acc), len(s)) + 1):
                if s[-j] != acc[-j] and 1 not in (s[-j], acc[-j]):
                    raise RuntimeError(
                        f"Attempting to broadcast a dimension of length {s[-j]} at {-j}! Mismatching argument at "
                        f"index {i} had {tuple(s)}; but expected shape should be broadcastable to {acc}"
                    )
        acc = nxt
    return Size(acc)


@export
def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = []
    for t in tensors:
        nxt = _broadcast_shapes([shape, list(t._sizes)])
        if nxt is None:
            a, b = shape, list(t._sizes)
            for j in range(1, min(len(a), len(b)) + 1):
                if a[-j] != b[-j] and 1 not in (a[-j], b[-j]):
                    raise RuntimeError(
                        f"The size of tensor a ({a[-j]}) must match the size of tensor b ({b[-j]}) at "
                        f"non-singleton dimension {max(len(a), len(b)) - j}"
                    )
        shape = nxt
    return tuple(t.expand(*shape) for t in tensors)


@export
def meshgrid(*tensors, indexing=None):
    """Coordinate grids (views) from 0-d/1-d tensors: with ``indexing='ij'``
    (the default) output ``i`` varies along dim ``i``; ``'xy'`` swaps the
    first two dims (numpy's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a {t.dim()}D tensor"
            )
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    shape = [t.numel() for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        shape[0], shape[1] = shape[1], shape[0]
    nd = len(shape)
    grids = []
    for i, t in enumerate(tensors):
        pos = (1 - i if i < 2 else i) if swap else i
        view = [1] * nd
        view[pos] = shape[pos]
        grids.append(t.reshape(view).expand(*shape))
    return tuple(grids)


# ---- windows and copies ---------------------------------------------------------------------
@method
def unfold(self, dimension, size, step):
    """A view of every window of ``size`` elements along ``dimension``,
    ``step`` apart, as a new last dim."""
    nd = self.dim()
    d = _wrap(dimension, nd)
    n = self._sizes[d] if nd else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if nd == 0:
        return self.as_strided([size], [1], self.storage_offset())
    sizes, strides = list(self._sizes), list(self.stride())
    stride = strides[d]
    sizes[d] = (n - size) // step + 1
    strides[d] = step * stride
    return self.as_strided(sizes + [size], strides + [stride], self.storage_offset())


@export
def narrow_copy(input, dim, start, length):
    """``narrow`` as a new contiguous tensor."""
    view = input.narrow(dim, start, length)
    result = _C.empty(list(view._sizes), input.dtype)
    result.copy_(view)
    return result


Tensor.narrow_copy = narrow_copy


# ---- padding (for ember.nn.functional.pad; not public here) --------------------------------------
def _pad_index(n: int, left: int, right: int, mode: str) -> Tensor:
    """Source positions along one dim of size ``n`` padded by (left, right)
    (negative widths crop; circular padding wraps the cropped dim, as PyTorch)."""
    if mode == "circular":
        start = max(-left, 0)
        m = n - start - max(-right, 0)
        i = _C.arange(-max(left, 0), m + max(right, 0), 1, _int64)
        return _C.binary(_B["remainder"], i, m, None) + start if m else i
    i = _C.arange(-left, n + right, 1, _int64)
    if mode == "reflect":
        last = n - 1
        return last - (last - i.abs()).abs()
    return i.clamp(0, n - 1)  # replicate


def pad(input, pad, mode="constant", value=None):
    """Pads ``input``: ``pad = (left_last, right_last, left_2nd_last, ...)``
    gives the padding of the last dims, from the last backwards (negative
    values crop). ``mode`` is 'constant' (with ``value``, default 0),
    'reflect' (mirror without repeating the edge), 'replicate' (repeat the
    edge) or 'circular' (wrap around). Any number of dims may be padded."""
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    if len(pad) // 2 > nd:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {nd}"
        )
    sizes = list(input._sizes)
    widths = {nd - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)}
    for d, (left, right) in widths.items():
        if sizes[d] + left + right < 0:
            raise RuntimeError(
                f"The input size {sizes[d]}, plus negative padding {left} and {right} resulted in a negative output "
                f"size, which is invalid. Check dimension {d} of your input."
            )
    if mode == "constant":
        shape = [sizes[d] + sum(widths.get(d, (0, 0))) for d in range(nd)]
        result = _C.empty(shape, input.dtype).fill_(0 if value is None else value)
        src, dst = input, result
        for d, (left, right) in widths.items():
            lo, hi = max(-left, 0), max(-right, 0)
            n = max(sizes[d] - lo - hi, 0)
            src = src.narrow(d, min(lo, sizes[d]), n)
            dst = dst.narrow(d, max(left, 0), n)
        if dst.numel():
            dst.copy_(src)
        return result
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    coords = {}
    for d, (left, right) in widths.items():
        n = sizes[d]
        if mode == "reflect" and (left >= n or right >= n):
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({left}, {right}) at dimension {d} of input {list(input.shape)}"
            )
        if mode == "circular" and (left > n or right > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n == 0 and left + right > 0:
            raise RuntimeError(
                f"{mode} padding of an empty dimension: dimension {d} of input {list(input.shape)} has size 0"
            )
        coords[d] = _pad_index(n, left, right, mode)
    return _gather_grid(input, coords)
