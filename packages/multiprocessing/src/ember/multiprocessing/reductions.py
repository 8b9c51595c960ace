# SPDX-License-Identifier: BSD-3-Clause
"""Pickling of tensors between processes (``multiprocessing.reduction``'s
``ForkingPickler``, which every Queue, Pipe, Pool and spawned Process
uses): a tensor moves to shared memory once, in place, and the message
carries a handle to its segment (a descriptor or a name) plus its layout,
so the receiver maps the same memory: no copy, and writes are seen by both.

A received segment is mapped once per process however often it arrives,
so a tensor sent back to where it came from lands on the original memory.
"""

from __future__ import annotations

from multiprocessing import reduction

import ember

from . import _segments, _shm
from ._sharing import share_memory_, tensor_over

__all__ = ["init_reductions", "rebuild_tensor_from_descriptor", "rebuild_tensor_from_name", "reduce_tensor"]


def reduce_tensor(tensor):
    """The ``ForkingPickler`` reduction of an ember tensor."""
    if tensor.requires_grad and not tensor.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not "
            "support crossing process boundaries.  If you just want to transfer the data, call detach() on "
            "the tensor before serializing (e.g., putting it on the queue)."
        )
    share_memory_(tensor)
    ptr = tensor._storage_ptr()
    info = _shm.lookup(ptr)
    layout = (tensor.dtype.name, tuple(tensor.shape), tensor.stride(), tensor.storage_offset(), tensor.requires_grad)
    if info["name"]:
        _segments.announce_sent(info)
        return rebuild_tensor_from_name, (info["name"], info["janitor"], info["nbytes"], *layout)
    handle = _segments.descriptor_for_pickle(info, ptr)
    segment = (info["nbytes"], info["dev"], info["ino"], info["origin_pid"], info["origin_fd"])
    return rebuild_tensor_from_descriptor, (handle, *segment, *layout)


def _rebuild(base, dtype_name, size, stride, offset, requires_grad):
    tensor = tensor_over(base, getattr(ember, dtype_name), size, stride, offset)
    return tensor.requires_grad_() if requires_grad else tensor


def rebuild_tensor_from_descriptor(handle, nbytes, dev, ino, origin_pid, origin_fd, *layout):
    """Unpickles a descriptor-strategy tensor: maps the segment (once per
    process) and closes the descriptor at once."""
    return _rebuild(_segments.receive_descriptor(handle, nbytes, dev, ino, origin_pid, origin_fd), *layout)


def rebuild_tensor_from_name(name, janitor, nbytes, *layout):
    """Unpickles a ``file_system``-strategy tensor: opens the segment by name,
    maps it (once per process) and closes it."""
    return _rebuild(_segments.attach_name(name, janitor, nbytes), *layout)


def init_reductions() -> None:
    """Registers the tensor reduction with ``multiprocessing``'s pickler."""
    reduction.register(ember.Tensor, reduce_tensor)
