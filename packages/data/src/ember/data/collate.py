# SPDX-License-Identifier: BSD-3-Clause
"""Collation: merging a list of samples into a batch (``default_collate``)
and converting one sample's numpy arrays to tensors (``default_convert``),
as ``torch.utils.data._utils.collate``.

``collate`` dispatches on the type of the batch's first element through
``default_collate_fn_map``, which users may extend with their own types."""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

import ember

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

# numpy dtype strings of bytes, unicode and object arrays, which stay as they are
_STRING_OR_OBJECT_DTYPE = re.compile(r"[SaUO]")

_ERROR_FORMAT = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_numpy_value(data) -> bool:
    """A numpy array or numpy scalar, but not a numpy string scalar."""
    kind = type(data)
    return kind.__module__ == "numpy" and kind.__name__ not in ("str_", "bytes_", "string_")


def _rebuild_mapping(mapping, values: dict):
    """A mapping of ``mapping``'s type holding ``values``; a plain dict when
    that type cannot be rebuilt."""
    try:
        if isinstance(mapping, collections.abc.MutableMapping):
            clone = copy.copy(mapping)  # keeps attributes, e.g. of an OrderedDict subclass
            clone.update(values)
            return clone
        return type(mapping)(values)
    except TypeError:
        return values


def _rebuild_sequence(sequence, values: list):
    """A sequence of ``sequence``'s type holding ``values``; a list when that
    type cannot be rebuilt."""
    try:
        if isinstance(sequence, collections.abc.MutableSequence):
            clone = copy.copy(sequence)
            for i, value in enumerate(values):
                clone[i] = value
            return clone
        return type(sequence)(values)
    except TypeError:
        return values


def default_convert(data):
    """Converts each numpy array (and numpy scalar) in ``data`` to a tensor,
    recursing into mappings, namedtuples and sequences; tuples become lists
    (as in PyTorch). Everything else is returned unchanged.

    This is the DataLoader's ``collate_fn`` when automatic batching is off
    (``batch_size=None``).
    """
    if isinstance(data, ember.Tensor):
        return data
    if _is_numpy_value(data):
        if isinstance(data, np.ndarray) and _STRING_OR_OBJECT_DTYPE.search(data.dtype.str) is not None:
            return data
        return ember.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def collate(batch, *, collate_fn_map: dict[type | tuple[type, ...], Callable] | None = None):
    """Merges the samples of ``batch`` by the type of its first element.

    A type in ``collate_fn_map`` (exactly, else the first key it is an
    instance of, in insertion order) is merged by that function, called as
    ``fn(batch, collate_fn_map=collate_fn_map)``. Otherwise mappings merge
    key by key, namedtuples and sequences position by position (tuples
    become lists); anything else raises TypeError.
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(
            elem, {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        )
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        merged = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
        return merged if isinstance(elem, tuple) else _rebuild_sequence(elem, merged)
    raise TypeError(_ERROR_FORMAT.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Tensors of one shape -> one tensor with a new leading dimension."""
    return ember.stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """Numpy arrays -> tensors, then merged as tensors."""
    if _STRING_OR_OBJECT_DTYPE.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERROR_FORMAT.format(batch[0].dtype))
    return collate([ember.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """Numpy scalars -> a 1-D tensor of their dtype."""
    return ember.from_numpy(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return ember.tensor(batch, dtype=ember.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return ember.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    ember.Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Merges a list of samples into a batch, recursively:

    - tensors -> one tensor with a new leading (batch) dimension
    - numpy arrays and numpy scalars -> tensors, the same way
    - ``float`` -> a float64 tensor; ``int`` -> an int64 tensor (``bool`` -> bool)
    - ``str``, ``bytes`` -> the list unchanged
    - mappings -> the same mapping type of merged values, key by key
    - namedtuples -> the same namedtuple of merged fields
    - other sequences -> position by position (tuples become lists)

    Types added to ``default_collate_fn_map`` are merged by their function.
    This is the DataLoader's ``collate_fn`` when it batches automatically.
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
