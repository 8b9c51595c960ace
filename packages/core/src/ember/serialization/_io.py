# SPDX-License-Identifier: BSD-3-Clause
"""Files for the serialization formats: paths or binary file objects, atomic
writes, and the errors for a file that is not what it claims to be."""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import stat


def is_path(f) -> bool:
    return isinstance(f, (str, bytes, os.PathLike))


def describe(f) -> str:
    """How error messages name the file."""
    if is_path(f):
        return repr(os.fsdecode(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"<{type(f).__name__}>"


class InvalidFileError(ValueError):
    """A file that is truncated, corrupted or not in the format it claims."""


@contextlib.contextmanager
def open_for_write(f):
    """A binary file to write; for a path, the new content replaces the file
    only once it is complete (see :func:`atomic_write`)."""
    if is_path(f):
        with atomic_write(f) as out:
            yield out
    elif hasattr(f, "write"):
        yield f
    else:
        raise TypeError(f"expected a path or a binary file object to write to, got {type(f).__name__}")


@contextlib.contextmanager
def atomic_write(path):
    """Write to a temporary file beside ``path``, fsync it and rename it over
    ``path``: a write that fails midway leaves the previous file intact."""
    target = os.path.realpath(os.fsdecode(path))  # through a symlink, to its target
    directory, base = os.path.split(target)
    tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:  # name the file the user asked for, not the temporary one
        raise type(e)(e.errno, e.strerror, target) from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):  # keep the mode of the file we replace
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    # makes the rename itself durable; not possible on every platform
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def open_for_read(f):
    """A seekable binary file to read."""
    if is_path(f):
        with open(f, "rb") as src:
            yield src
        return
    if not hasattr(f, "read"):
        raise TypeError(f"expected a path or a binary file object to read from, got {type(f).__name__}")
    seekable = getattr(f, "seekable", None)
    if seekable is None or not seekable():
        data = f.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"expected a binary file object, but read() returned {type(data).__name__}")
        f = io.BytesIO(data)
    yield f


def peek(f, n: int) -> bytes:
    """The next ``n`` bytes of ``f``, without consuming them."""
    pos = f.tell()
    data = f.read(n)
    f.seek(pos)
    if not isinstance(data, bytes):
        raise TypeError(f"expected a binary file object, but read() returned {type(data).__name__}")
    return data


def remaining(f) -> int:
    """Bytes from the current position of ``f`` to its end."""
    pos = f.tell()
    end = f.seek(0, io.SEEK_END)
    f.seek(pos)
    return end - pos


def read_exactly(f, n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise InvalidFileError(f"file is truncated: {what} needs {n} bytes, only {len(data)} are left")
    return data


def readinto_exactly(f, buffer, what: str) -> None:
    view = memoryview(buffer).cast("B")
    done = 0
    while done < len(view):
        n = f.readinto(view[done:])
        if not n:
            raise InvalidFileError(f"file is truncated: {what} needs {len(view)} bytes, only {done} are left")
        done += n


class BoundedReader:
    """Reads ``f`` without ever asking for more than is left in it, so a
    corrupted length in a pickle reads short instead of allocating it."""

    def __init__(self, f):
        self._f = f
        self._end = f.tell() + remaining(f)

    def remaining(self) -> int:
        return self._end - self._f.tell()

    def read(self, n: int = -1) -> bytes:
        return self._f.read(self.remaining() if n is None or n < 0 else min(n, self.remaining()))

    def readline(self, limit: int = -1) -> bytes:
        return self._f.readline(limit)

    def readinto(self, buffer) -> int:
        return self._f.readinto(memoryview(buffer).cast("B")[: self.remaining()])
