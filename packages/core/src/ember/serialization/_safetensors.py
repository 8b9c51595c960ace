# SPDX-License-Identifier: BSD-3-Clause
"""The safetensors format (https://github.com/huggingface/safetensors).

An 8-byte little-endian header length, a JSON header mapping each tensor's
name to ``{"dtype", "shape", "data_offsets"}`` (plus an optional
``"__metadata__"`` of strings), then the tensors' bytes, contiguous, with no
gaps. Files are checked as strictly as the ``safetensors`` package checks them.
"""

from __future__ import annotations

import json
import struct
from collections import defaultdict

import numpy as np

from .. import _C
from .._device import as_device
from .._registry import Tensor
from ._io import InvalidFileError, describe, open_for_read, open_for_write, read_exactly, remaining
from ._storage import DTYPES, read_storage, storage_key, storage_memory, storage_of, view

_DTYPES = {
    "BOOL": "bool",
    "U8": "uint8",
    "I8": "int8",
    "I16": "int16",
    "I32": "int32",
    "I64": "int64",
    "F16": "float16",
    "BF16": "bfloat16",
    "F32": "float32",
    "F64": "float64",
}
_CODES = {name: code for code, name in _DTYPES.items()}
_MAX_HEADER = 100_000_000  # the safetensors package's limit


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write tensors to a safetensors file.

    Parameters
    ----------
    tensors : dict of str to Tensor
        Non-contiguous tensors are written contiguously. Tensors that
        overlap in memory are refused (loading could not restore the
        sharing); ``clone()`` one of them first.
    filename : str or os.PathLike or file object
        A path is replaced atomically: a failed write leaves the old file.
    metadata : dict of str to str, optional
        Stored as the header's ``"__metadata__"``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> ember.serialization.save_file({"w": ember.ones(2, 3)}, path, metadata={"format": "pt"})
    >>> ember.serialization.load_file(path)["w"].shape
    ember.Size([2, 3])
    """
    if not isinstance(tensors, dict):
        raise TypeError(f"save_file expects a dict of tensors, got {type(tensors).__name__}")
    for name, t in tensors.items():
        if type(name) is not str or name == "__metadata__":
            raise TypeError(f"tensor names must be strings other than '__metadata__', got {name!r}")
        if not isinstance(t, Tensor):
            raise TypeError(f"tensors[{name!r}] is a {type(t).__name__}, not a tensor")
    if metadata is not None and (
        not isinstance(metadata, dict) or not all(type(k) is str and type(v) is str for k, v in metadata.items())
    ):
        raise TypeError("metadata must be a dict of str to str")
    _check_no_overlap(tensors)
    header = {} if metadata is None else {"__metadata__": dict(metadata)}
    chunks, offset = [], 0
    # largest elements first keeps every tensor aligned to its element size
    for name, t in sorted(tensors.items(), key=lambda item: (-item[1].dtype.itemsize, item[0])):
        data = _contiguous_bytes(t)
        header[name] = {
            "dtype": _CODES[t.dtype.name],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + data.nbytes],
        }
        chunks.append(data)
        offset += data.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open_for_write(filename) as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for data in chunks:
            out.write(data)


def _contiguous_bytes(t: Tensor) -> memoryview:
    if not t.is_contiguous():
        t = t.contiguous()
    start = t.storage_offset() * t.dtype.itemsize
    return storage_memory(storage_of(t))[start : start + t.numel() * t.dtype.itemsize]


def _extent(t: Tensor) -> tuple[int, int]:
    """The bytes of its storage that a non-empty tensor can touch."""
    last = t.storage_offset() + sum((n - 1) * s for n, s in zip(t.shape, t.stride()))
    return t.storage_offset() * t.dtype.itemsize, (last + 1) * t.dtype.itemsize


def _check_no_overlap(tensors: dict) -> None:
    by_storage = defaultdict(list)
    for name, t in tensors.items():
        if t.numel():
            by_storage[storage_key(t)].append((*_extent(t), name))
    for spans in by_storage.values():
        spans.sort()
        for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
            if start < end:
                raise RuntimeError(
                    f"tensors {first!r} and {second!r} share memory; safetensors stores each tensor's values "
                    "separately, so loading would not share it. Save only one of them, or clone() one."
                )


def load_file(filename, device="cpu") -> dict:
    """Read a safetensors file.

    Parameters
    ----------
    filename : str or os.PathLike or file object
    device : str or ember.device
        Where to put the tensors (``"cpu"``).

    Returns
    -------
    dict of str to Tensor
        By name. The tensors view one buffer holding the file's data.

    Raises
    ------
    ValueError
        If the file is truncated or its header is malformed or inconsistent.
    """
    dev = as_device(device)
    if dev.type != "cpu":
        raise RuntimeError(f"device '{dev}' is not available: this ember-core was built for the CPU only")
    with open_for_read(filename) as f:
        try:
            return _load(f)
        except InvalidFileError as e:
            raise InvalidFileError(f"{describe(filename)} is not a valid safetensors file: {e}") from None


def load_metadata(filename) -> dict | None:
    """The ``"__metadata__"`` of a safetensors file, or None.

    Parameters
    ----------
    filename : str or os.PathLike or file object
    """
    with open_for_read(filename) as f:
        try:
            return _header(f)[0]
        except InvalidFileError as e:
            raise InvalidFileError(f"{describe(filename)} is not a valid safetensors file: {e}") from None


def _load(f) -> dict:
    metadata, entries = _header(f)
    data_size = remaining(f)
    end = 0
    for name, (_, _, begin, stop) in sorted(entries.items(), key=lambda item: item[1][2:]):
        if begin != end:
            raise InvalidFileError(
                f"tensor {name!r} starts at byte {begin} of the data, expected {end} (no gaps or overlaps)"
            )
        end = stop
    if end != data_size:
        raise InvalidFileError(f"the header describes {end} bytes of data, but the file holds {data_size}")
    buffer = read_storage(f, data_size, "the tensor data")
    out = {}
    for name in sorted(entries):
        dtype, shape, begin, stop = entries[name]
        storage, offset = buffer, begin
        if begin % dtype.itemsize:  # misaligned: copy into a buffer of its own
            storage, offset = _C.from_numpy(np.array(buffer.numpy()[begin:stop])), 0
        out[name] = view(storage, dtype, shape, _contiguous_strides(shape), offset // dtype.itemsize)
    return out


def _header(f) -> tuple[dict | None, dict]:
    """The metadata and ``name -> (dtype, shape, begin, end)``, checked."""
    (length,) = struct.unpack("<Q", read_exactly(f, 8, "the header length"))
    if length > _MAX_HEADER:
        raise InvalidFileError(f"the header claims {length} bytes, more than the {_MAX_HEADER} safetensors allows")
    if length > remaining(f):
        raise InvalidFileError(f"the header claims {length} bytes, but the file has {remaining(f)} after the length")
    try:
        header = json.loads(read_exactly(f, length, "the header").decode("utf-8"), object_pairs_hook=_unique)
    except InvalidFileError:
        raise
    except (ValueError, RecursionError) as e:  # bad UTF-8 or JSON
        raise InvalidFileError(f"the header is not valid JSON: {e}") from None
    if type(header) is not dict:
        raise InvalidFileError("the header is not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and (type(metadata) is not dict or not all(type(v) is str for v in metadata.values())):
        raise InvalidFileError("__metadata__ must map strings to strings")
    return metadata, {name: _entry(name, info) for name, info in header.items()}


def _entry(name: str, info) -> tuple:
    if type(info) is not dict or set(info) != {"dtype", "shape", "data_offsets"}:
        raise InvalidFileError(f"tensor {name!r}: expected {{'dtype', 'shape', 'data_offsets'}}, got {info!r:.80}")
    code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if type(code) is not str or code not in _DTYPES:
        raise InvalidFileError(f"tensor {name!r}: dtype {code!r:.20} is unknown or not supported by ember")
    if type(shape) is not list or not all(type(s) is int and s >= 0 for s in shape):
        raise InvalidFileError(f"tensor {name!r}: shape must be a list of non-negative integers, got {shape!r:.60}")
    if type(offsets) is not list or len(offsets) != 2 or not all(type(o) is int for o in offsets):
        raise InvalidFileError(f"tensor {name!r}: data_offsets must be [begin, end], got {offsets!r:.60}")
    dtype = DTYPES[_DTYPES[code]]
    begin, end = offsets
    numel = 1
    for s in shape:
        numel *= s
    if not 0 <= begin <= end or end - begin != numel * dtype.itemsize:
        raise InvalidFileError(
            f"tensor {name!r}: data_offsets {offsets} hold {end - begin} bytes, but a {code} tensor of "
            f"shape {shape} needs {numel * dtype.itemsize}"
        )
    return dtype, shape, begin, end


def _contiguous_strides(shape: list[int]) -> list[int]:
    strides, step = [], 1
    for s in reversed(shape):
        strides.append(step)
        step *= max(s, 1)
    return strides[::-1]


def _unique(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise InvalidFileError(f"the header names a key twice: {sorted(k for k in set(keys) if keys.count(k) > 1)}")
    return dict(pairs)
