# SPDX-License-Identifier: BSD-3-Clause
"""Saving and loading: ``ember.save``/``ember.load``, PyTorch ``.pt`` files
and the safetensors format. Loading never runs code from a file.

``ember.save`` writes a zip of a JSON manifest (the object tree) and the raw
bytes of each storage, stored once however many tensors view it. See
``_native`` for the layout, ``_manifest`` for the object tree,
``_torch_format`` and ``_torch_unpickler`` for PyTorch files and
``_safetensors`` for safetensors.

``import ember`` imports none of them (nor numpy, zipfile or pickle): they
load on first use.
"""

from __future__ import annotations

from .._registry import export
from ._allowlist import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

# ember.save and ember.load are documented in the ember namespace
__all__ = [
    "add_safe_globals",
    "get_safe_globals",
    "clear_safe_globals",
    "safe_globals",
    "save_file",
    "load_file",
    "load_metadata",
]


@export
def save(obj, f, pickle_module=None, pickle_protocol=None) -> None:
    """Save an object to a file.

    Parameters
    ----------
    obj : object
        ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``,
        ``list``, ``tuple``, ``set``, ``frozenset``, ``dict``,
        ``OrderedDict``, tensors, ``ember.dtype``, ``ember.device``,
        ``ember.Size``, and instances of your own classes (stored as the
        class's import path and its ``__getstate__()`` or ``__dict__``),
        nested in any way but without cycles.
    f : str or os.PathLike or file object
        A path is replaced atomically: the data goes to a temporary file in
        the same folder, which is flushed to disk and renamed over ``f``, so a
        save that fails midway leaves the previous file intact. A file object
        must be binary and writable.
    pickle_module, pickle_protocol
        Accepted for PyTorch compatibility and ignored: ember files hold no
        pickle.

    Notes
    -----
    Each storage is written once, whole: tensors that view one storage load
    as views of one storage again, and a small view of a large tensor saves
    all of it (``clone()`` it first to save only its elements). The same
    tensor object twice loads as one object; other objects shared within
    ``obj`` load as separate copies.

    Examples
    --------
    >>> import io
    >>> buffer = io.BytesIO()
    >>> x = ember.arange(6.0)
    >>> ember.save({"x": x, "head": x[:2]}, buffer)
    >>> _ = buffer.seek(0)
    >>> loaded = ember.load(buffer)
    >>> loaded["head"].add_(10)
    tensor([10., 11.])
    >>> loaded["x"]
    tensor([10., 11.,  2.,  3.,  4.,  5.])
    """
    from . import _native
    from ._io import open_for_write

    with open_for_write(f) as out:
        _native.save(obj, out)


@export
def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Load an object saved by :func:`ember.save` or ``torch.save``.

    Parameters
    ----------
    f : str or os.PathLike or file object
        An ember file, or a PyTorch ``.pt`` file (the zip layout of
        ``torch.save``, or its legacy layout) of tensors and plain
        containers.
    map_location : str or ember.device or dict or callable, optional
        Where to put storages, as in PyTorch: a device, a dict from the
        locations in the file to devices, or ``f(storage, location)``
        returning a storage (or None for the default).
    pickle_module
        Accepted for PyTorch compatibility and ignored.
    weights_only : bool
        Accepted for PyTorch compatibility. ember always loads as PyTorch does
        with ``weights_only=True``; ``False`` allows nothing more.
    mmap : None or False
        Memory-mapped loading is not supported yet.
    **pickle_load_args
        ``encoding=`` for strings in PyTorch files written by Python 2.

    Returns
    -------
    object
        The saved object.

    Raises
    ------
    pickle.UnpicklingError
        If the file names a class or global that is not allowed (see
        :func:`ember.serialization.add_safe_globals`); nothing is imported
        or run because a file names it.
    ValueError
        If the file is truncated, corrupted or in an unknown format.
    """
    from ._io import InvalidFileError, describe, open_for_read

    if mmap:
        raise NotImplementedError("ember.load(mmap=True) is not supported yet")
    encoding = pickle_load_args.pop("encoding", "ASCII")
    if pickle_load_args:
        raise TypeError(f"load() got unexpected keyword arguments {sorted(pickle_load_args)}")
    with open_for_read(f) as src:
        try:
            return _load(src, map_location, encoding)
        except InvalidFileError as e:
            raise InvalidFileError(f"can't load {describe(f)}: {e}") from None
        except RecursionError:
            raise InvalidFileError(f"can't load {describe(f)}: its objects are nested too deeply") from None


def _load(src, map_location, encoding: str):
    from . import _native, _torch_format
    from ._io import InvalidFileError, peek
    from ._zip import Archive

    head = peek(src, 9)
    if head.startswith(b"PK"):
        archive = Archive(src)
        if _native.MANIFEST in archive.names:
            return _native.load(archive, map_location)
        prefix = _torch_format.zip_prefix(archive)
        if prefix is not None:
            return _torch_format.load_zip(archive, prefix, map_location, encoding)
        if any(name.endswith("/constants.pkl") for name in archive.names):
            raise InvalidFileError("it is a TorchScript archive, which holds code; ember loads data only")
        raise InvalidFileError("it is a zip archive, but neither an ember file nor a torch.save file")
    if head.startswith(b"\x80"):
        return _torch_format.load_legacy(src, map_location, encoding)
    if len(head) == 9 and head[8:9] == b"{":
        raise InvalidFileError("it looks like a safetensors file: read it with ember.serialization.load_file")
    raise InvalidFileError(f"it is not an ember or PyTorch file (it starts with {head[:8]!r})")


def __getattr__(name: str):
    # the safetensors functions, imported on first use
    if name in ("save_file", "load_file", "load_metadata"):
        from . import _safetensors

        return getattr(_safetensors, name)
    raise AttributeError(f"module 'ember.serialization' has no attribute '{name}'")
