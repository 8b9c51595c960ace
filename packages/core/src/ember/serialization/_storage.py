# SPDX-License-Identifier: BSD-3-Clause
"""Storages as the formats see them: untyped bytes that tensors view.

A storage is held as a 1-D uint8 tensor over its whole memory
(``_C.storage_bytes``); a tensor is rebuilt as a view of one with a dtype,
size, stride and offset. Every number that comes from a file is checked here,
in Python integers, before the core sees it.
"""

from __future__ import annotations

import numpy as np

from .. import _C
from .._device import device
from .._dtypes import ALL
from .._registry import Tensor
from ._io import InvalidFileError, readinto_exactly

DTYPES = {d.name: d for d in ALL}
_INT64_MAX = 2**63 - 1


def storage_of(t: Tensor) -> Tensor:
    """The whole storage under ``t``, as a uint8 tensor sharing its memory."""
    return _C.storage_bytes(t)


def storage_key(t: Tensor) -> tuple[int, int]:
    """Equal for tensors on one storage (and only for them, while both live)."""
    return (t._storage_ptr(), t._storage_nbytes())


def storage_memory(storage: Tensor) -> memoryview:
    """The bytes of a storage tensor, without a copy."""
    return memoryview(storage.numpy())


def read_storage(src, nbytes: int, what: str) -> Tensor:
    """A new storage of ``nbytes`` filled from the file ``src``."""
    buffer = np.empty(nbytes, dtype=np.uint8)
    readinto_exactly(src, buffer, what)
    return _C.from_numpy(buffer)


def empty_storage(nbytes: int) -> tuple[np.ndarray, Tensor]:
    """A new storage, and the numpy array to fill it through."""
    buffer = np.empty(nbytes, dtype=np.uint8)
    return buffer, _C.from_numpy(buffer)


def _check_ints(name: str, values, minimum: int = 0) -> list[int]:
    if not isinstance(values, (list, tuple)):
        raise InvalidFileError(f"{name} must be a list of integers, got {type(values).__name__}")
    for v in values:
        if type(v) is not int or not minimum <= v <= _INT64_MAX:
            raise InvalidFileError(f"{name} must hold integers in [{minimum}, 2**63), got {list(values)}")
    return list(values)


def view(storage: Tensor, dtype, size, stride, offset) -> Tensor:
    """The tensor with this layout on ``storage``, checked to lie inside it.

    Parameters
    ----------
    storage : Tensor
        A storage tensor (uint8, 1-D, the whole storage).
    dtype : ember.dtype
    size, stride : list of int
    offset : int
        In elements of ``dtype``.
    """
    size = _check_ints("size", size)
    stride = _check_ints("stride", stride)
    if len(size) != len(stride):
        raise InvalidFileError(f"size {size} and stride {stride} have different lengths")
    if type(offset) is not int or not 0 <= offset <= _INT64_MAX:
        raise InvalidFileError(f"storage offset must be an integer in [0, 2**63), got {offset!r}")
    numel = 1
    for s in size:
        numel *= s
    if numel > _INT64_MAX:
        raise InvalidFileError(f"size {size} has too many elements")
    if numel:
        end = (offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1) * dtype.itemsize
        nbytes = storage.shape[0]
        if end > nbytes:
            raise InvalidFileError(
                f"a {dtype.name} tensor of size {size}, stride {stride} and offset {offset} needs "
                f"{end} bytes of storage, but its storage has {nbytes}"
            )
    return _C.from_storage_bytes(storage, dtype, size, stride, offset)


def restore_location(map_location, storage: Tensor, location: str) -> Tensor:
    """Place a loaded storage as ``map_location`` says (PyTorch's rules).

    ``map_location`` is None (where it was saved), a device or device string,
    a dict from saved locations to devices, or a callable
    ``f(storage, location)`` returning a storage or None.
    """
    if callable(map_location) and not isinstance(map_location, (str, device)):
        moved = map_location(storage, location)
        if moved is None:
            return restore_location(None, storage, location)
        if not isinstance(moved, Tensor) or moved.dtype.name != "uint8" or moved.dim() != 1:
            raise TypeError(f"map_location returned {type(moved).__name__}; expected the storage it was given")
        return moved
    if map_location is None:
        target = location
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
    else:
        target = map_location
    try:
        dev = device(str(target))
    except (RuntimeError, ValueError) as e:
        raise RuntimeError(f"can't restore a storage saved on '{location}': {e}") from None
    if dev.type != "cpu":
        raise RuntimeError(
            f"the file holds a storage on '{dev}', which this ember-core can't use (it was built for "
            "the CPU only). Pass map_location='cpu' to load it on the CPU."
        )
    return storage
