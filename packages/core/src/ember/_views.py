# SPDX-License-Identifier: BSD-3-Clause
"""Views: new shapes and strides over the same storage (no copies), and
basic indexing. Every view goes through the core's as_strided, which checks
bounds before any memory is touched."""

from __future__ import annotations

from . import _C
from ._registry import EXPORTS, Tensor, export, method, prop


def _wrap(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not isinstance(dim, int):
        dim = dim.__index__()
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _shape_args(shape) -> list[int]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return [int(s) for s in shape]


def _infer_size(shape: list[int], numel: int) -> list[int]:
    """Resolves one -1 in ``shape`` so its product is ``numel``."""
    infer = [i for i, s in enumerate(shape) if s == -1]
    if len(infer) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if infer:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = list(shape)
        shape[infer[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _view_strides(sizes, strides, new_sizes):
    """Strides for viewing (sizes, strides) as new_sizes without a copy, or
    None when the layout does not allow it (PyTorch's computeStride)."""
    if not sizes:  # a 0-d tensor views as any shape of ones
        return [1] * len(new_sizes)
    numel = 1
    for s in sizes:
        numel *= s
    if numel == 0:
        out, acc = [0] * len(new_sizes), 1
        for i in range(len(new_sizes) - 1, -1, -1):
            out[i] = acc
            acc *= max(new_sizes[i], 1)
        return out
    new_strides = [0] * len(new_sizes)
    view_d = len(new_sizes) - 1
    chunk_base_stride = strides[-1] if strides else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(sizes) - 1, -1, -1):
        tensor_numel *= sizes[tensor_d]
        if tensor_d == 0 or (sizes[tensor_d - 1] != 1 and strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_sizes[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_sizes[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return new_strides


@method
def view(self, *shape):
    """The same data with another shape (raises when the strides do not allow
    it), or ``view(dtype)``: the same bytes read as another dtype."""
    from ._dtypes import dtype

    if len(shape) == 1 and isinstance(shape[0], dtype):
        return _C.view_as_dtype(self, shape[0])
    new = _infer_size(_shape_args(shape), self.numel())
    strides = _view_strides(list(self._sizes), list(self.stride()), new)
    if strides is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return self.as_strided(new, strides)


@method
def reshape(self, *shape):
    """A view when the layout allows, else a contiguous copy."""
    new = _infer_size(_shape_args(shape), self.numel())
    strides = _view_strides(list(self._sizes), list(self.stride()), new)
    if strides is None:
        return self.contiguous().as_strided(new, _contiguous(new), 0)
    return self.as_strided(new, strides)


def _contiguous(sizes):
    out, acc = [0] * len(sizes), 1
    for i in range(len(sizes) - 1, -1, -1):
        out[i] = acc
        acc *= max(sizes[i], 1)
    return out


@method
def view_as(self, other):
    return self.view(other.shape)


@method
def reshape_as(self, other):
    return self.reshape(other.shape)


@method
def flatten(self, start_dim=0, end_dim=-1):
    nd = self.dim()
    if nd == 0:
        return self.reshape(1)
    s, e = _wrap(start_dim, nd), _wrap(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:  # nothing to merge: the same layout (PyTorch returns self)
        return self.as_strided(self._sizes, self.stride())
    sizes = list(self._sizes)
    n = 1
    for d in range(s, e + 1):
        n *= sizes[d]
    return self.reshape(sizes[:s] + [n] + sizes[e + 1 :])


@method
def unflatten(self, dim, sizes):
    d = _wrap(dim, self.dim())
    cur = list(self._sizes)
    new = _infer_size(list(sizes), cur[d])
    return self.view(cur[:d] + new + cur[d + 1 :])


@method
def squeeze(self, dim=None):
    sizes, strides = list(self._sizes), list(self.stride())
    if dim is None:
        drop = {i for i, s in enumerate(sizes) if s == 1}
    else:
        dims = [_wrap(d, len(sizes)) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        drop = {d for d in dims if d < len(sizes) and sizes[d] == 1}
    keep = [i for i in range(len(sizes)) if i not in drop]
    return self.as_strided([sizes[i] for i in keep], [strides[i] for i in keep])


@method
def unsqueeze(self, dim):
    sizes, strides = list(self._sizes), list(self.stride())
    d = _wrap(dim, len(sizes) + 1)
    new_stride = sizes[d] * strides[d] if d < len(sizes) else 1
    return self.as_strided(sizes[:d] + [1] + sizes[d:], strides[:d] + [new_stride] + strides[d:])


@method
def permute(self, *dims):
    dims = _shape_args(dims)
    nd = self.dim()
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(dims)}"
        )
    wrapped = [_wrap(d, nd) for d in dims]
    if len(set(wrapped)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    sizes, strides = self._sizes, self.stride()
    return self.as_strided([sizes[d] for d in wrapped], [strides[d] for d in wrapped])


@method
def transpose(self, dim0, dim1):
    nd = self.dim()
    if nd == 0:
        _wrap(dim0, 0), _wrap(dim1, 0)
        return self.as_strided([], [])
    order = list(range(nd))
    a, b = _wrap(dim0, nd), _wrap(dim1, nd)
    order[a], order[b] = order[b], order[a]
    return self.permute(order)


Tensor.swapaxes = Tensor.swapdims = Tensor.transpose


@method
def t(self):
    if self.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
    return self.transpose(0, 1) if self.dim() == 2 else self.as_strided(self._sizes, self.stride())


@prop
def T(self):  # noqa: N802 - PyTorch's name
    return self.permute(list(range(self.dim() - 1, -1, -1)))


@prop
def mT(self):  # noqa: N802
    if self.dim() < 2:
        raise RuntimeError(
            f"tensor.mT is only supported on matrices or batches of matrices. Got {self.dim()}-D tensor."
        )
    return self.transpose(-2, -1)


Tensor.H = Tensor.T
Tensor.mH = Tensor.mT


@method
def adjoint(self):
    return self.mT


@method
def expand(self, *sizes):
    """A view with size-1 dims repeated (stride 0); -1 keeps a size. New
    leading dims get PyTorch's strides (inferExpandGeometry)."""
    new = _shape_args(sizes)
    cur, strides = list(self._sizes), list(self.stride())
    if len(new) < len(cur):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(new)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({len(cur)})"
        )
    n, off = len(new), len(new) - len(cur)
    out_sizes, out_strides = [0] * n, [0] * n
    for i in range(n - 1, -1, -1):
        d = i - off
        size = cur[d] if d >= 0 else 1
        stride = strides[d] if d >= 0 else (out_sizes[i + 1] * out_strides[i + 1] if i + 1 < n else 0)
        target = new[i]
        if target == -1:
            if d < 0:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension ({i})")
            target = size
        if target < 0:
            raise RuntimeError(f"expand: invalid size {target} at dimension {i}")
        if size != target:
            if size != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target}) must match the existing size ({size}) at "
                    f"non-singleton dimension {i}.  Target sizes: {new}.  Tensor sizes: {cur}"
                )
            size, stride = target, 0
        out_sizes[i], out_strides[i] = size, stride
    return self.as_strided(out_sizes, out_strides)


@method
def expand_as(self, other):
    return self.expand(other.shape)


@export
def broadcast_to(input, size):
    return input.expand(*size)


Tensor.broadcast_to = broadcast_to


@method
def narrow(self, dim, start, length):
    d = _wrap(dim, self.dim())
    size = self._sizes[d]
    if isinstance(start, Tensor):
        start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    sizes = list(self._sizes)
    sizes[d] = length
    return self.as_strided(sizes, self.stride(), self.storage_offset() + start * self.stride()[d])


@method
def select(self, dim, index):
    if self.dim() == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap(dim, self.dim())
    size = self._sizes[d]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {d} with size {size}")
    if index < 0:
        index += size
    sizes, strides = list(self._sizes), list(self.stride())
    off = self.storage_offset() + index * strides[d]
    del sizes[d], strides[d]
    return self.as_strided(sizes, strides, off)


@method
def unbind(self, dim=0):
    d = _wrap(dim, self.dim())
    return tuple(self.select(d, i) for i in range(self._sizes[d]))


for _name in (
    "view",
    "reshape",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "t",
    "narrow",
    "select",
    "unbind",
    "expand",
    "adjoint",
):
    EXPORTS.setdefault(_name, getattr(Tensor, _name))
EXPORTS["swapaxes"] = EXPORTS["swapdims"] = Tensor.transpose
EXPORTS["as_strided"] = Tensor.as_strided


# ---- basic indexing ---------------------------------------------------------
def _index_view(self, key):
    """The view that ``self[key]`` names for ints, slices, None and Ellipsis."""
    if not isinstance(key, tuple):
        key = (key,)
    n_ellipsis = sum(1 for k in key if k is Ellipsis)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    nd = self.dim()
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    sizes, strides = list(self._sizes), list(self.stride())
    offset = self.storage_offset()
    out_sizes, out_strides = [], []
    d = 0
    for k in key:
        if k is Ellipsis:
            for _ in range(nd - consumed):
                out_sizes.append(sizes[d])
                out_strides.append(strides[d])
                d += 1
        elif k is None:  # unsqueeze here: strides as PyTorch's
            out_sizes.append(1)
            out_strides.append(sizes[d] * strides[d] if d < nd else 1)
        elif isinstance(k, slice):
            start, stop, step = k.start, k.stop, k.step
            step = 1 if step is None else int(step)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            size = sizes[d]
            start, stop, _ = slice(start, stop, step).indices(size)
            length = max(0, (stop - start + step - 1) // step)
            if length:
                offset += start * strides[d]
            out_sizes.append(length)
            out_strides.append(strides[d] * step)
            d += 1
        elif isinstance(k, Tensor) and (k.dtype.is_floating_point):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif isinstance(k, bool) or (isinstance(k, Tensor) and (k.dim() > 0 or k.dtype.name == "bool")):
            raise IndexError("advanced indexing (boolean masks and integer tensors) is not supported in this release")
        elif isinstance(k, int) or hasattr(k, "__index__"):
            i = int(k.__index__())
            size = sizes[d]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
            offset += (i + size if i < 0 else i) * strides[d]
            d += 1
        elif isinstance(k, (list, tuple)):
            raise IndexError("advanced indexing with sequences is not supported in this release")
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                f"indices (got {type(k).__name__})"
            )
    out_sizes += sizes[d:]
    out_strides += strides[d:]
    return self.as_strided(out_sizes, out_strides, offset)


@method
def __getitem__(self, key):
    return _index_view(self, key)


@method
def __setitem__(self, key, value):
    target = _index_view(self, key)
    target.copy_(value)
