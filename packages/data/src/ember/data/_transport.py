# SPDX-License-Identifier: BSD-3-Clause
"""How a batch travels from a worker process to the main process.

A worker calls ``pack_batch(batch)`` and puts the result on the loader's
result queue, which pickles it; the main process calls
``unpack_batch(payload)`` on what it takes off the queue. By default both are
the identity, so tensors travel by ordinary pickling (one copy of their bytes
through a pipe).

``set_transport`` is the hook for a faster transport (ember-multiprocessing's
shared memory): ``pack`` might move a batch's tensors into shared memory and
return small handles, ``unpack`` map them back. The pair in force when a
loader starts its workers is the one both sides use, so set it before
iterating. ``pack`` must be picklable by reference (a module-level
function) for the ``spawn`` and ``forkserver`` start methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["get_transport", "pack_batch", "set_transport", "unpack_batch"]


def pack_batch(batch: Any) -> Any:
    """In a worker: what to put on the result queue for ``batch``."""
    return batch


def unpack_batch(payload: Any) -> Any:
    """In the main process: the batch for a payload taken off the queue."""
    return payload


_transport: tuple[Callable[[Any], Any], Callable[[Any], Any]] = (pack_batch, unpack_batch)


def get_transport() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The ``(pack, unpack)`` pair that new loader iterators use."""
    return _transport


def set_transport(
    pack: Callable[[Any], Any], unpack: Callable[[Any], Any]
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Makes ``(pack, unpack)`` the transport of iterators created from now
    on; returns the previous pair so a caller can restore it."""
    global _transport
    if not callable(pack) or not callable(unpack):
        raise TypeError(f"set_transport expects two callables, got {type(pack).__name__} and {type(unpack).__name__}")
    previous, _transport = _transport, (pack, unpack)
    return previous
