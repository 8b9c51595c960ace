# SPDX-License-Identifier: BSD-3-Clause
"""ember's own file format: a zip of a JSON manifest and raw storages.

::

    ember/manifest.json   {"format": "ember", "version": 1, "byteorder": "little",
                           "storages": [{"nbytes": N, "device": "cpu"}, ...],
                           "tensors": [{"storage": i, "dtype": ..., "size": [...],
                                        "stride": [...], "offset": k}, ...],
                           "root": <the object tree, see _manifest>}
    ember/data/<i>        the bytes of storage i

Nothing in the file is code, and loading runs none.
"""

from __future__ import annotations

import json
import sys
import zipfile

from ._io import InvalidFileError
from ._manifest import Decoder, Encoder, tensor_from_record
from ._storage import restore_location, storage_memory
from ._zip import Archive, write_record

MANIFEST = "ember/manifest.json"
FORMAT_VERSION = 1


def _data(index: int) -> str:
    return f"ember/data/{index}"


def save(obj, out) -> None:
    """Write ``obj`` to the binary file ``out``.

    The whole object tree is encoded before the first byte is written, so an
    object that can't be saved raises before the file is touched.
    """
    encoder = Encoder()
    try:
        root = encoder.encode(obj)
    except RecursionError:
        raise ValueError("ember.save: the object is nested too deeply to save") from None
    manifest = {
        "format": "ember",
        "version": FORMAT_VERSION,
        "byteorder": sys.byteorder,
        "storages": [{"nbytes": s.shape[0], "device": "cpu"} for s in encoder.storages],
        "tensors": encoder.tensors,
        "root": root,
    }
    text = json.dumps(manifest, allow_nan=False, separators=(",", ":")).encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        write_record(zf, MANIFEST, text)
        for i, storage in enumerate(encoder.storages):
            write_record(zf, _data(i), storage_memory(storage))


def load(archive: Archive, map_location):
    """The object tree stored in an ember archive."""
    manifest = _manifest(archive)
    storages = []
    for i, record in enumerate(manifest["storages"]):
        if type(record) is not dict or type(record.get("nbytes")) is not int or record["nbytes"] < 0:
            raise InvalidFileError(f"storage {i}: expected {{'nbytes': int, 'device': str}}, got {record!r:.80}")
        storage = archive.read_storage(_data(i), record["nbytes"])
        storages.append(restore_location(map_location, storage, str(record.get("device", "cpu"))))
    tensors = [tensor_from_record(r, storages, i) for i, r in enumerate(manifest["tensors"])]
    return Decoder(tensors).decode(manifest["root"])


def _manifest(archive: Archive) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"), parse_constant=_no_constant)
    except InvalidFileError:
        raise
    except ValueError as e:  # bad UTF-8, bad JSON, an integer too long
        raise InvalidFileError(f"{MANIFEST} is not valid JSON: {e}") from None
    if type(manifest) is not dict or manifest.get("format") != "ember":
        raise InvalidFileError(f"{MANIFEST} is not an ember manifest")
    version = manifest.get("version")
    if type(version) is not int or version < 1:
        raise InvalidFileError(f"{MANIFEST}: bad format version {version!r}")
    if version > FORMAT_VERSION:
        raise InvalidFileError(
            f"the file is in ember format version {version}, newer than this ember reads ({FORMAT_VERSION}); "
            "upgrade ember-core"
        )
    if manifest.get("byteorder") != sys.byteorder:
        raise InvalidFileError(
            f"the file's byte order is {manifest.get('byteorder')!r}; this machine is {sys.byteorder}"
        )
    for key in ("storages", "tensors"):
        if type(manifest.get(key)) is not list:
            raise InvalidFileError(f"{MANIFEST}: {key!r} must be a list")
    if "root" not in manifest:
        raise InvalidFileError(f"{MANIFEST} has no 'root'")
    return manifest


def _no_constant(name: str):
    raise InvalidFileError(f"{MANIFEST} holds {name}, which is not JSON")
