# SPDX-License-Identifier: BSD-3-Clause
"""Zip archives as both formats use them: records stored uncompressed, each
checked against what the reader expects before anything is allocated."""

from __future__ import annotations

import contextlib
import struct
import zipfile
import zlib

from .._registry import Tensor
from ._io import InvalidFileError, remaining
from ._storage import read_storage, storage_memory

# a zip local file header: signature, versions, flags, method, time, date,
# CRC-32, sizes, and the lengths of the name and extra field that follow
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
# fixed timestamps make a save of the same objects byte-for-byte the same
_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_record(zf: zipfile.ZipFile, name: str, data) -> None:
    """Add ``data`` (bytes or a buffer) to ``zf``, stored uncompressed."""
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.file_size = memoryview(data).nbytes  # lets zipfile choose zip64 for big records
    with zf.open(info, "w") as out:
        out.write(data)


@contextlib.contextmanager
def _corruption_is_invalid():
    # what zipfile raises for a damaged archive (a bad version, name, CRC, ...)
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, UnicodeDecodeError) as e:
        raise InvalidFileError(f"the zip archive is truncated or corrupted: {e}") from None


class Archive:
    """A zip archive open for reading.

    Parameters
    ----------
    src : binary file
        Seekable, positioned at the archive's start.
    """

    def __init__(self, src):
        self.src = src
        self.end = src.tell() + remaining(src)  # zipfile's offsets count from the file's start
        with _corruption_is_invalid():
            self.zip = zipfile.ZipFile(src)
        self.names = self.zip.namelist()

    def info(self, name: str, nbytes: int | None = None) -> zipfile.ZipInfo:
        """The record ``name``, checked to be stored, to fit in the archive
        and (when given) to hold exactly ``nbytes`` bytes."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise InvalidFileError(f"the archive has no record {name!r}") from None
        if info.flag_bits & 0x1:
            raise InvalidFileError(f"record {name!r} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED:
            raise InvalidFileError(
                f"record {name!r} is compressed; ember reads stored records, as it and torch.save write"
            )
        if info.compress_size != info.file_size or not 0 <= info.header_offset < self.end:
            raise InvalidFileError(f"the zip directory entry of record {name!r} is corrupted")
        if info.header_offset + info.file_size > self.end:
            raise InvalidFileError(f"record {name!r} claims {info.file_size} bytes, more than the file holds")
        if nbytes is not None and info.file_size != nbytes:
            raise InvalidFileError(f"record {name!r} holds {info.file_size} bytes, but {nbytes} were expected")
        return info

    def read(self, name: str) -> bytes:
        """The content of the record ``name``."""
        with _corruption_is_invalid(), self.zip.open(self.info(name)) as src:
            return src.read()

    def read_storage(self, name: str, nbytes: int) -> Tensor:
        """The record ``name`` as a new storage of exactly ``nbytes``.

        The bytes go straight from the file into the storage (one copy),
        then their CRC-32 is checked against the zip directory's.
        """
        info = self.info(name, nbytes)
        self.src.seek(info.header_offset)
        header = self.src.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or not header.startswith(b"PK\x03\x04"):
            raise InvalidFileError(f"the zip header of record {name!r} is corrupted")
        *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        self.src.seek(name_length + extra_length, 1)
        storage = read_storage(self.src, nbytes, f"record {name!r}")
        if zlib.crc32(storage_memory(storage)) != info.CRC:
            raise InvalidFileError(f"record {name!r} is corrupted: its CRC-32 does not match")
        return storage
