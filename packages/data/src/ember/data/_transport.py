# SPDX-License-Identifier: BSD-3-Clause
"""How a batch travels from a worker process to the main process.

A worker calls ``pack_batch(batch)`` and puts the result on the loader's
result queue, which pickles it; the main process calls
``unpack_batch(payload)`` on what it takes off the queue. By default both are
the identity, so tensors travel by ordinary pickling (one copy of their bytes
through a pipe).

``set_transport`` is the hook for a faster transport: ``pack`` might move a
batch's tensors into shared memory and return small handles, ``unpack`` map
them back. The pair in force when a loader starts its workers is the one
both sides use, so set it before iterating. ``pack`` must be picklable by
reference (a module-level function) for the ``spawn`` and ``forkserver``
start methods.

While the default pair is in force and ember-multiprocessing is installed,
loaders use its shared-memory transport instead
(``ember.multiprocessing.data_transport``): batches are moved into shared
memory in the worker and arrive without a copy. ember-data does not depend
on it; it is looked for when the first loader starts workers.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["get_transport", "pack_batch", "set_transport", "shared_memory_transport", "unpack_batch"]


def pack_batch(batch: Any) -> Any:
    """In a worker: what to put on the result queue for ``batch``."""
    return batch


def unpack_batch(payload: Any) -> Any:
    """In the main process: the batch for a payload taken off the queue."""
    return payload


_DEFAULT = (pack_batch, unpack_batch)
_transport: tuple[Callable[[Any], Any], Callable[[Any], Any]] = _DEFAULT
# ember-multiprocessing's pair once looked for: None until then, () when absent
_shared_memory: tuple | None = None


def shared_memory_transport() -> tuple[Callable[[Any], Any], Callable[[Any], Any]] | tuple[()]:
    """ember-multiprocessing's ``(pack, unpack)`` pair, or ``()`` when it is
    not installed (or cannot be imported: a warning says why)."""
    global _shared_memory
    if _shared_memory is None:
        _shared_memory = ()
        # a probe: None, not an error, when the distribution is missing
        if importlib.util.find_spec("ember.multiprocessing") is not None:
            try:
                from ember.multiprocessing import data_transport
            except ImportError as e:
                warnings.warn(
                    f"DataLoader workers send batches by pickling: ember.multiprocessing is installed but "
                    f"cannot be imported ({e})",
                    RuntimeWarning,
                    stacklevel=3,
                )
            else:
                _shared_memory = (data_transport.pack_batch, data_transport.unpack_batch)
    return _shared_memory


def get_transport() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The ``(pack, unpack)`` pair that new loader iterators use: the one set
    with ``set_transport``, else ember-multiprocessing's shared-memory pair
    when it is installed, else pickling."""
    if _transport == _DEFAULT:
        return shared_memory_transport() or _DEFAULT
    return _transport


def set_transport(
    pack: Callable[[Any], Any], unpack: Callable[[Any], Any]
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Makes ``(pack, unpack)`` the transport of iterators created from now
    on; returns the previous pair so a caller can restore it. Setting
    ``(pack_batch, unpack_batch)`` restores the default choice."""
    global _transport
    if not callable(pack) or not callable(unpack):
        raise TypeError(f"set_transport expects two callables, got {type(pack).__name__} and {type(unpack).__name__}")
    previous, _transport = _transport, (pack, unpack)
    return previous
