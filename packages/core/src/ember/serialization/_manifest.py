# SPDX-License-Identifier: BSD-3-Clause
"""An object tree as JSON, and back.

Each value becomes a JSON node: ``null``, ``true``/``false``, integers,
finite floats and strings stand for themselves; everything else is an object
with a single key naming its kind::

    {"list": [...]}  {"tuple": [...]}  {"set": [...]}  {"frozenset": [...]}
    {"dict": [[key, value], ...]}  {"odict": [[key, value], ...]}  {"counter": [[key, count], ...]}
    {"float": "nan" | "inf" | "-inf"}  {"bytes": "<base64>"}
    {"dtype": "float32"}  {"device": "cpu"}  {"size": [2, 3]}
    {"tensor": <index into the tensor table>}
    {"object": ["module", "QualName", <state>]}

Tensors are listed once in a table (the same tensor object twice is one
entry, and loads as one object); each names its storage, dtype, size, stride
and offset, and every storage is listed once however many tensors view it.
"""

from __future__ import annotations

import base64
import binascii
import math
import types
from collections import Counter, OrderedDict

from .._device import device
from .._dtypes import dtype
from .._registry import Tensor
from .._size import Size
from . import _allowlist
from ._io import InvalidFileError
from ._storage import DTYPES, storage_key, storage_of, view

_CONTAINERS = {
    list: "list", tuple: "tuple", set: "set", frozenset: "frozenset", dict: "dict", OrderedDict: "odict",
    Counter: "counter",
}  # fmt: skip
_MAPPINGS = {"dict": dict, "odict": OrderedDict, "counter": lambda pairs: Counter(dict(pairs))}
_CODE = (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType)
_BUILTIN_BASES = (bool, int, float, complex, str, bytes, bytearray, list, tuple, set, frozenset, dict)


class _LocatedError(Exception):
    """An error at some node of the tree. Each container it passes on the
    way up adds its step (``[3]``, ``['key']``), so the path to a node costs
    nothing unless something goes wrong there."""

    def __init__(self, error_type: type, message: str):
        super().__init__(message)
        self.error_type, self.message, self.steps = error_type, message, []

    def error(self, prefix: str = "") -> Exception:
        return self.error_type(f"{prefix}obj{''.join(reversed(self.steps))}{self.message}")


def _step(encode, value, step: str, key):
    """``encode(value)``, adding ``step.format(key)`` to the path of an error."""
    try:
        return encode(value)
    except _LocatedError as e:
        e.steps.append(step.format(key))
        raise


class Encoder:
    """Turns an object tree into JSON nodes, collecting its tensors and storages.

    Attributes
    ----------
    storages : list of Tensor
        The distinct storages, as uint8 tensors; a tensor record's
        ``storage`` indexes this list.
    tensors : list of dict
        One record per distinct tensor.
    """

    def __init__(self):
        self.storages: list[Tensor] = []
        self.tensors: list[dict] = []
        self._storage_index: dict[tuple[int, int], int] = {}
        self._tensor_index: dict[int, int] = {}
        self._alive: list[object] = []  # ids stay unique only while their objects live
        self._open: set[int] = set()  # containers being encoded, to refuse cycles

    def encode(self, obj):
        """The JSON node for the tree ``obj``.

        Raises
        ------
        TypeError
            For an object ember files can't hold, naming where it is in the tree.
        ValueError
            For a cycle.
        """
        try:
            return self._node(obj)
        except _LocatedError as e:
            raise e.error("ember.save: ") from None

    def _node(self, obj):
        kind = type(obj)
        if obj is None or kind in (bool, int, str):
            return obj
        if kind is float:
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if kind is bytes:
            return {"bytes": base64.b64encode(obj).decode("ascii")}
        if isinstance(obj, Tensor):
            return {"tensor": self._tensor(obj)}
        if kind is dtype:
            return {"dtype": obj.name}
        if kind is device:
            return {"device": str(obj)}
        if kind is Size:
            return {"size": list(obj)}
        if id(obj) in self._open:
            raise _LocatedError(ValueError, " contains itself; ember files can't hold a cycle")
        self._open.add(id(obj))
        try:
            if kind in (dict, OrderedDict, Counter):
                node = {_CONTAINERS[kind]: [self._item(k, v) for k, v in obj.items()]}
            elif kind in _CONTAINERS:
                node = {_CONTAINERS[kind]: [_step(self._node, v, "[{}]", i) for i, v in enumerate(obj)]}
            else:
                node = self._object(obj)
        finally:
            self._open.discard(id(obj))
        return node

    def _item(self, key, value) -> list:
        return [_step(self._node, key, " (the key {!r})", key), _step(self._node, value, "[{!r}]", key)]

    def _tensor(self, t: Tensor) -> int:
        if type(t) is not Tensor:
            message = f" is a {type(t).__qualname__}, a Tensor subclass, which ember files can't hold yet"
            raise _LocatedError(TypeError, message + "; save a plain tensor")
        index = self._tensor_index.get(id(t))
        if index is not None:
            return index
        key = storage_key(t)
        if key not in self._storage_index:
            self._storage_index[key] = len(self.storages)
            self.storages.append(storage_of(t))
        record = {
            "storage": self._storage_index[key],
            "dtype": t.dtype.name,
            "size": list(t.shape),
            "stride": list(t.stride()),
            "offset": t.storage_offset(),
        }
        if t.requires_grad:
            record["requires_grad"] = True
        self._alive.append(t)
        self._tensor_index[id(t)] = index = len(self.tensors)
        self.tensors.append(record)
        return index

    def _object(self, obj):
        cls = type(obj)
        name = f"{cls.__module__}.{cls.__qualname__}"
        problem = _unsaveable(obj)
        if problem:
            raise _LocatedError(TypeError, f" is a {name}, which ember files can't hold: {problem}")
        try:
            state = obj.__getstate__()
        except TypeError as e:
            raise _LocatedError(TypeError, f" is a {name}, whose state can't be read: {e}") from None
        self._alive.append(obj)
        return {"object": [cls.__module__, cls.__qualname__, _step(self._node, state, ".__getstate__(){}", "")]}


def _unsaveable(obj) -> str | None:
    """Why ``obj`` (not a container, scalar or tensor) can't be stored as
    class + state, or None if it can."""
    cls = type(obj)
    if isinstance(obj, _CODE):
        return "it is code, and ember files hold only data"
    if isinstance(obj, _BUILTIN_BASES) or cls.__module__ == "builtins":
        return (
            "ember files hold None, bool, int, float, str, bytes, list, tuple, set, frozenset, dict, "
            "OrderedDict, Counter, tensors, dtypes, devices, Sizes and instances of your own classes"
        )
    if "<locals>" in cls.__qualname__:
        return "its class is defined inside a function, so it has no import path"
    if cls.__reduce_ex__ is not object.__reduce_ex__ or cls.__reduce__ is not object.__reduce__:
        return (
            "it defines its own pickling (__reduce__), which loading could honor only by running code; "
            "convert it to supported types (e.g. a tensor) first"
        )
    if hasattr(cls, "__getnewargs_ex__") or hasattr(cls, "__getnewargs__"):
        return "it needs arguments to __new__ (__getnewargs__), which ember files don't record"
    return None


def _invalid(message: str) -> _LocatedError:
    return _LocatedError(InvalidFileError, f": {message}")


class Decoder:
    """Rebuilds an object tree from JSON nodes.

    Parameters
    ----------
    tensors : list of Tensor
        The file's tensor table, already rebuilt.
    """

    def __init__(self, tensors: list[Tensor]):
        self.tensors = tensors
        self._kinds = {
            "float": self._float,
            "bytes": self._bytes,
            "dtype": self._dtype,
            "device": self._device,
            "size": self._size,
            "tensor": self._tensor,
            "list": self._sequence,
            "tuple": self._sequence,
            "set": self._sequence,
            "frozenset": self._sequence,
            "dict": self._mapping,
            "odict": self._mapping,
            "counter": self._mapping,
            "object": self._object,
        }

    def decode(self, node):
        """The object tree a node stands for.

        Raises
        ------
        ValueError
            For a malformed node, naming where it is in the tree.
        pickle.UnpicklingError
            For an object of a class that is not allowed.
        """
        try:
            return self._value(node)
        except _LocatedError as e:
            raise e.error() from None

    def _value(self, node):
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is not dict or len(node) != 1:
            raise _invalid(f"expected a value, got {_short(node)}")
        ((kind, value),) = node.items()
        handler = self._kinds.get(kind)
        if handler is None:
            raise _invalid(f"unknown kind of value {_short(kind)}")
        return handler(kind, value)

    def _float(self, kind, value):
        if value not in ("nan", "inf", "-inf"):
            raise _invalid(f"expected 'nan', 'inf' or '-inf' for a float, got {_short(value)}")
        return float(value)

    def _bytes(self, kind, value):
        if type(value) is not str:
            raise _invalid(f"bytes must be a base64 string, got {_short(value)}")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as e:
            raise _invalid(f"bad base64 for bytes: {e}") from None

    def _dtype(self, kind, value):
        if type(value) is not str or value not in DTYPES:
            raise _invalid(f"unknown dtype {_short(value)}")
        return DTYPES[value]

    def _device(self, kind, value):
        try:
            return device(value)
        except (TypeError, ValueError, RuntimeError) as e:
            raise _invalid(f"bad device {_short(value)}: {e}") from None

    def _size(self, kind, value):
        if type(value) is not list or not all(type(v) is int and v >= 0 for v in value):
            raise _invalid(f"a Size must be a list of non-negative integers, got {_short(value)}")
        return Size(value)

    def _tensor(self, kind, value):
        if type(value) is not int or not 0 <= value < len(self.tensors):
            raise _invalid(f"tensor index {_short(value)} is not in the tensor table")
        return self.tensors[value]

    def _sequence(self, kind, value):
        if type(value) is not list:
            raise _invalid(f"a {kind} must be a JSON list, got {_short(value)}")
        items = [_step(self._value, v, "[{}]", i) for i, v in enumerate(value)]
        if kind == "list":
            return items
        return _hashing({"tuple": tuple, "set": set, "frozenset": frozenset}[kind], items)

    def _mapping(self, kind, value):
        if type(value) is not list or not all(type(p) is list and len(p) == 2 for p in value):
            raise _invalid(f"a {kind} must be a list of [key, value] pairs, got {_short(value)}")
        pairs = []
        for k, v in value:
            key = _step(self._value, k, " (a key){}", "")
            pairs.append((key, _step(self._value, v, "[{!r}]", key)))
        return _hashing(_MAPPINGS[kind], pairs)

    def _object(self, kind, value):
        if type(value) is not list or len(value) != 3 or not all(type(v) is str for v in value[:2]):
            raise _invalid(f"an object must be [module, qualname, state], got {_short(value)}")
        module, qualname, state = value
        name = f"{module}.{qualname}"
        cls = _allowlist.lookup(name)
        if cls is None:
            raise _allowlist.not_allowed(name)
        if not isinstance(cls, type):
            raise _allowlist.not_allowed(name, "an instance of (as if it were a class)")
        obj = cls.__new__(cls)
        _set_state(obj, _step(self._value, state, ".__getstate__(){}", ""))
        return obj


def _hashing(build, items):
    try:
        return build(items)
    except TypeError as e:  # an unhashable key or element
        raise _invalid(str(e)) from None


def _set_state(obj, state) -> None:
    # what pickle's BUILD does
    setstate = getattr(obj, "__setstate__", None)
    if setstate is not None:
        setstate(state)
        return
    slots = None
    if type(state) is tuple and len(state) == 2:
        state, slots = state
    for part in (state, slots):
        if part is not None and (type(part) is not dict or not all(type(k) is str for k in part)):
            raise _invalid("an object's state must map attribute names to values")
    if state:
        obj.__dict__.update(state)
    for name, value in (slots or {}).items():
        setattr(obj, name, value)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def tensor_from_record(record, storages: list[Tensor], index: int) -> Tensor:
    """Rebuild entry ``index`` of a file's tensor table on its storage."""
    where = f"tensor {index}"
    if type(record) is not dict:
        raise InvalidFileError(f"{where}: expected a record, got {_short(record)}")
    unknown = set(record) - {"storage", "dtype", "size", "stride", "offset", "requires_grad"}
    if unknown:
        raise InvalidFileError(f"{where}: unknown fields {sorted(unknown)}")
    storage = record.get("storage")
    if type(storage) is not int or not 0 <= storage < len(storages):
        raise InvalidFileError(f"{where}: storage {_short(storage)} is not in the storage table")
    name = record.get("dtype")
    if type(name) is not str or name not in DTYPES:
        raise InvalidFileError(f"{where}: unknown dtype {_short(name)}")
    try:
        t = view(storages[storage], DTYPES[name], record.get("size"), record.get("stride"), record.get("offset"))
    except InvalidFileError as e:
        raise InvalidFileError(f"{where}: {e}") from None
    requires_grad = record.get("requires_grad", False)
    if type(requires_grad) is not bool:
        raise InvalidFileError(f"{where}: requires_grad must be true or false")
    if requires_grad:
        t.requires_grad_(True)
    return t
