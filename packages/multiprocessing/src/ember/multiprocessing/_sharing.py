# SPDX-License-Identifier: BSD-3-Clause
"""``Tensor.share_memory_()`` and ``Tensor.is_shared()``, which the core
forwards here (registered by this package's import).

A storage moves to shared memory in place, as in PyTorch: its bytes are
copied once into a new segment, which then replaces the old memory under the
storage itself, so the tensor, every view of it made before and every view
made after see the segment. Pointers taken from the old memory (a numpy
array of the tensor, a DLPack capsule) are not updated, as in PyTorch.
"""

from __future__ import annotations

from ember import _C

from . import _segments, _shm


def is_shared(tensor) -> bool:
    """Whether the tensor's storage is in shared memory."""
    return _shm.contains(tensor._storage_ptr())


def share_memory_(tensor):
    """Moves ``tensor``'s storage to shared memory, in place; returns it.
    A no-op for a tensor already shared."""
    if is_shared(tensor):
        return tensor
    if tensor.device.type != "cpu":
        raise RuntimeError(f"share_memory_() supports CPU tensors only, got one on {tensor.device}")
    storage = _C.storage_bytes(tensor)
    segment = _segments.allocate(storage.numel())
    segment.copy_(storage)
    # the old memory ends up under `segment`, freed when it goes out of scope
    _C._swap_storage_memory(storage, segment)
    return tensor


def tensor_over(segment, dtype, size, stride, offset):
    """A tensor of ``dtype``, ``size``, ``stride`` and storage ``offset``
    over a segment's uint8 tensor (sharing its storage)."""
    return _C.from_storage_bytes(segment, dtype, size, stride, offset)
