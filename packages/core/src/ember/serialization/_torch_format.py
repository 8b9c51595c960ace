# SPDX-License-Identifier: BSD-3-Clause
"""PyTorch's file layouts, read through the restricted unpickler.

* zip (``torch.save``'s default since 1.6): ``<name>/data.pkl`` pickles the
  object tree, whose storages are persistent ids naming ``<name>/data/<key>``
  records of raw bytes; ``<name>/byteorder`` says their byte order.
* legacy (``_use_new_zipfile_serialization=False``): five pickles in a row
  (magic number, protocol version, system info, the object tree, the list of
  storage keys), then each storage as an 8-byte element count and its bytes.
"""

from __future__ import annotations

import io
import struct
import sys

from ._io import BoundedReader, InvalidFileError, read_exactly, readinto_exactly
from ._storage import empty_storage, restore_location, storage_memory
from ._torch_unpickler import unpickle
from ._zip import Archive

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


def zip_prefix(archive: Archive) -> str | None:
    """The top folder of a ``torch.save`` zip, or None if it is not one."""
    for name in archive.names:
        folder, _, base = name.partition("/")
        if base == "data.pkl":
            return folder
    return None


def load_zip(archive: Archive, prefix: str, map_location, encoding: str):
    """The object tree of a ``torch.save`` zip archive."""
    if f"{prefix}/byteorder" in archive.names:
        order = archive.read(f"{prefix}/byteorder").decode("ascii", "replace")
        if order != sys.byteorder:
            raise InvalidFileError(f"the file's byte order is {order!r}; this machine is {sys.byteorder}")

    def load_storage(key: str, numel: int, dtype, location: str):
        storage = archive.read_storage(f"{prefix}/data/{key}", numel * dtype.itemsize)
        return restore_location(map_location, storage, location)

    return unpickle(io.BytesIO(archive.read(f"{prefix}/data.pkl")), load_storage, encoding)


def load_legacy(f, map_location, encoding: str):
    """The object tree of a file in PyTorch's legacy (pre-1.6) layout."""
    f = BoundedReader(f)
    if unpickle(f, encoding=encoding) != _LEGACY_MAGIC:
        raise InvalidFileError("not a PyTorch file: it starts with a pickle, but not PyTorch's magic number")
    if unpickle(f, encoding=encoding) != _LEGACY_PROTOCOL:
        raise InvalidFileError("unsupported PyTorch legacy protocol version")
    info = unpickle(f, encoding=encoding)
    if type(info) is not dict or info.get("little_endian", True) != (sys.byteorder == "little"):
        raise InvalidFileError("the file was written on a machine of another byte order")

    pending: dict[str, tuple] = {}  # key -> (storage to fill, its number of elements)
    budget = [f.remaining()]  # storages can't claim more bytes than the file has left

    def load_storage(key: str, numel: int, dtype, location: str):
        nbytes = numel * dtype.itemsize
        if nbytes > budget[0]:
            raise InvalidFileError(f"storage {key!r} claims {nbytes} bytes, more than the file holds")
        budget[0] -= nbytes
        _, storage = empty_storage(nbytes)
        storage = restore_location(map_location, storage, location)
        pending[key] = (storage, numel)
        return storage

    result = unpickle(f, load_storage, encoding)
    keys = unpickle(f, encoding=encoding)
    if (
        type(keys) is not list
        or not all(type(k) is str for k in keys)
        or sorted(keys) != sorted(pending)
        or len(set(keys)) != len(keys)
    ):
        raise InvalidFileError("the list of storages does not match the storages the objects use")
    for key in keys:
        storage, numel = pending[key]
        (count,) = struct.unpack("<q", read_exactly(f, 8, f"the size of storage {key!r}"))
        if count != numel:
            raise InvalidFileError(f"storage {key!r} has {count} elements in the file, but its tensors say {numel}")
        readinto_exactly(f, storage_memory(storage), f"storage {key!r}")
    return result
