# SPDX-License-Identifier: BSD-3-Clause
"""The shared-memory transport of ember-data's DataLoader, which ember-data
adopts when this package is installed (``ember.data._transport``): a
worker moves each batch's tensors into shared memory, the result queue's
pickler sends handles, and the main process maps the same memory, so a
batch's bytes are copied once (into shared memory) and never again."""

from __future__ import annotations

from typing import Any

import ember

from ._sharing import share_memory_

__all__ = ["pack_batch", "unpack_batch"]

# deeper nesting is left to the pickler, which shares tensors anyway
_MAX_DEPTH = 16


def _share_tensors(obj: Any, depth: int) -> None:
    if isinstance(obj, ember.Tensor):
        share_memory_(obj)
    elif depth < _MAX_DEPTH:
        if isinstance(obj, dict):
            obj = obj.values()
        elif not isinstance(obj, (list, tuple)):
            return
        for item in obj:
            _share_tensors(item, depth + 1)


def pack_batch(batch: Any) -> Any:
    """In a worker: moves the batch's tensors (in nested lists, tuples and
    dicts) into shared memory, in place; returns the batch."""
    _share_tensors(batch, 0)
    return batch


def unpack_batch(payload: Any) -> Any:
    """In the main process: the batch (its tensors arrived mapped)."""
    return payload
