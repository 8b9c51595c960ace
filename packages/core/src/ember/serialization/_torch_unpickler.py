# SPDX-License-Identifier: BSD-3-Clause
"""A restricted unpickler for PyTorch files: tensors and plain containers.

``find_class`` answers only the globals a state dict needs, each mapped to an
ember construction that checks its arguments (``torch._utils._rebuild_tensor_v2``
builds a bounds-checked view of a loaded storage, ``torch.Size`` an
``ember.Size``, ...), plus what the user allowed with
``ember.serialization.add_safe_globals``. Any other global raises
``pickle.UnpicklingError`` naming it, so no code named by a file ever runs.
"""

from __future__ import annotations

import _compat_pickle
import pickle
from collections import OrderedDict

from .._device import device
from .._registry import Tensor
from .._size import Size
from . import _allowlist
from ._io import InvalidFileError
from ._storage import DTYPES, view

# torch.<Name>Storage -> dtype of its elements
_STORAGE_DTYPES = {
    "BoolStorage": "bool",
    "ByteStorage": "uint8",
    "CharStorage": "int8",
    "ShortStorage": "int16",
    "IntStorage": "int32",
    "LongStorage": "int64",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "UntypedStorage": "uint8",
}
_DTYPE_NAMES = set(DTYPES)  # torch.float32 etc. pickle as the global `torch float32`


class StorageType:
    """What ``torch.<Name>Storage`` unpickles to: a tag naming a dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str):
        self.name = name
        self.dtype = DTYPES[_STORAGE_DTYPES[name]]

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class LoadedStorage:
    """A storage read from the file: its bytes (a uint8 storage tensor) and
    the dtype its tensors use."""

    __slots__ = ("data", "dtype")

    def __init__(self, data: Tensor, dtype):
        self.data = data
        self.dtype = dtype


class _Marker:
    """A class global (``torch.Tensor``) that is only ever compared against."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


_TENSOR_TYPES = (_Marker("torch.Tensor"), _Marker("torch.nn.parameter.Parameter"))


def _fail(message: str):
    raise pickle.UnpicklingError(message)


def _rebuild_tensor(storage, storage_offset, size, stride):
    if not isinstance(storage, LoadedStorage):
        _fail(f"a tensor must be rebuilt from a storage, got {type(storage).__name__}")
    try:
        return view(storage.data, storage.dtype, size, stride, storage_offset)
    except InvalidFileError as e:
        _fail(f"bad tensor layout: {e}")


def _requires_grad(t, requires_grad, backward_hooks):
    if type(requires_grad) is not bool:
        _fail(f"requires_grad must be a bool, got {requires_grad!r:.60}")
    if backward_hooks:
        _fail("the file holds a tensor with backward hooks, which are code")
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    # metadata carries flags of tensor kinds ember doesn't have (e.g. conjugate views)
    return _requires_grad(_rebuild_tensor(storage, storage_offset, size, stride), requires_grad, backward_hooks)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    if not isinstance(data, Tensor):
        _fail(f"a parameter must wrap a tensor, got {type(data).__name__}")
    return _requires_grad(data, requires_grad, backward_hooks)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    if state:
        _fail("the file holds a parameter with extra attributes, which ember can't restore")
    return _rebuild_parameter(data, requires_grad, backward_hooks)


_REBUILDERS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_parameter, _rebuild_parameter_with_state)


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDERS or new_type not in _TENSOR_TYPES or type(args) is not tuple:
        _fail(f"unsupported tensor subclass rebuild: {new_type!r:.60}")
    if state:
        _fail("the file holds a tensor with extra attributes, which ember can't restore")
    return func(*args)


def _size(sizes=()):
    if type(sizes) not in (tuple, list) or not all(type(s) is int for s in sizes):
        _fail(f"torch.Size expects integers, got {sizes!r:.60}")
    return Size(sizes)


def _device(*args):
    try:
        return device(*args)
    except (TypeError, ValueError, RuntimeError) as e:
        _fail(f"bad torch.device{args!r:.60}: {e}")


def _encode(text, encoding="latin1"):
    # protocol-2 pickles store bytes as _codecs.encode(str, 'latin1')
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        _fail(f"_codecs.encode is only allowed for latin-1 text, got {encoding!r:.30}")
    return text.encode("latin-1")


def _bytearray(data=b"", encoding=None):
    if type(data) is str and encoding in ("latin1", "latin-1"):
        return bytearray(data.encode("latin-1"))
    if type(data) not in (bytes, bytearray) or encoding is not None:
        _fail("bytearray is only allowed from bytes")
    return bytearray(data)


_GLOBALS = {
    "collections.OrderedDict": OrderedDict,
    "torch._utils._rebuild_tensor": _rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
    "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    "torch.Size": _size,
    "torch.device": _device,
    "torch.Tensor": _TENSOR_TYPES[0],
    "torch.nn.parameter.Parameter": _TENSOR_TYPES[1],
    "_codecs.encode": _encode,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.bytearray": _bytearray,
    "builtins.complex": complex,
}


class RestrictedUnpickler(pickle._Unpickler):
    """Unpickles a PyTorch pickle, allowing only the globals above.

    This is Python's own unpickler with two changes: ``find_class`` answers
    only the globals above, and ``BUILD`` (which sets attributes on an object
    already made) works only on instances of classes the user allowed, so a
    pickle can't modify an object it got from ``find_class`` (an
    ``ember.dtype``, a function). The pure-Python unpickler also keeps a deeply
    nested pickle off the C stack.

    Parameters
    ----------
    file : binary file
    load_storage : callable or None
        ``load_storage(key, numel, dtype, location)`` returns the storage
        tensor for a persistent id; None refuses persistent ids.
    encoding : str
        For strings pickled by Python 2 (as ``pickle.Unpickler``).
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, load_storage=None, encoding="ASCII"):
        super().__init__(file, encoding=encoding)
        self._load_storage = load_storage
        self._storages: dict[str, Tensor] = {}

    def _load_build(self):
        state, target = self.stack[-1], self.stack[-2]
        cls = type(target)
        if cls is OrderedDict:  # a state dict's `_metadata` attribute
            if type(state) is not dict or not all(type(k) is str for k in state):
                _fail("an OrderedDict's attributes must be a dict of names")
            self.stack.pop()
            target.__dict__.update(state)
        elif _allowlist.allows_class(cls):
            pickle._Unpickler.load_build(self)
        elif state is None or (type(state) is dict and not state):
            self.stack.pop()  # nothing to set
        else:
            _fail(f"the pickle sets attributes of a {cls.__qualname__} (BUILD), which only allowed classes permit")

    dispatch[pickle.BUILD[0]] = _load_build

    def find_class(self, module, name):
        if (module, name) in _compat_pickle.NAME_MAPPING:  # Python 2 names, as pickle does
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        qualified = f"{module}.{name}"
        if qualified in _GLOBALS:
            return _GLOBALS[qualified]
        if module == "torch" and name in _STORAGE_DTYPES:
            return StorageType(name)
        if module == "torch" and name in _DTYPE_NAMES:
            return DTYPES[name]
        allowed = _allowlist.lookup(qualified)
        if allowed is not None:
            return allowed
        if module == "torch" and (name.endswith("Storage") or name.startswith(("complex", "float8", "uint", "int"))):
            _fail(f"the file holds {qualified}, a dtype that ember does not have")
        raise _allowlist.not_allowed(qualified, "a reference to the global")

    def persistent_load(self, pid):
        if self._load_storage is None or type(pid) is not tuple or len(pid) not in (5, 6):
            _fail(f"unsupported persistent id {pid!r:.80}")
        kind, storage_type, key, location, numel = (_ascii(p) for p in pid[:5])
        if kind != "storage" or not isinstance(storage_type, StorageType):
            _fail(f"unsupported persistent id {pid!r:.80}")
        if type(key) is not str or type(location) is not str or type(numel) is not int or numel < 0:
            _fail(f"malformed storage reference {pid!r:.80}")
        if len(pid) == 6 and pid[5] is not None:
            _fail("the file holds storage views (PyTorch before 0.4), which ember does not read")
        if key not in self._storages:
            self._storages[key] = self._load_storage(key, numel, storage_type.dtype, location)
        return LoadedStorage(self._storages[key], storage_type.dtype)


def _ascii(value):
    return value.decode("ascii") if type(value) is bytes else value


def unpickle(file, load_storage=None, encoding="ASCII"):
    """The next pickle in ``file``, through :class:`RestrictedUnpickler`.

    A malformed pickle (bad opcodes, wrong arguments to an allowed global)
    raises ``pickle.UnpicklingError``; errors about the file's storages or
    devices pass through.
    """
    try:
        return RestrictedUnpickler(file, load_storage, encoding).load()
    except RecursionError:
        raise pickle.UnpicklingError("the pickle is nested too deeply") from None
    except (pickle.UnpicklingError, InvalidFileError, ModuleNotFoundError, RuntimeError):
        raise  # refused, bad storage records, a device or component missing
    except MemoryError:  # e.g. a corrupted memo index
        raise pickle.UnpicklingError("malformed pickle: it asks for more memory than there is") from None
    except Exception as e:  # a malformed pickle: bad opcodes, wrong arguments, ...
        raise pickle.UnpicklingError(f"malformed pickle: {type(e).__name__}: {e}") from e
