# SPDX-License-Identifier: BSD-3-Clause
"""``Parameter``, ``UninitializedParameter`` and ``Buffer``.

Note [Parameters are marked tensors]
A Parameter is a plain ``ember.Tensor`` (an alias of the data it was built
from: same storage and version counter, as in PyTorch) that carries a marker
in its ``__dict__``; ``Parameter`` is a class whose ``isinstance`` check
reads that marker. It is not a Python subclass because the core builds a
subclass instance only by copying the data, and ``ember.save`` stores only
exact Tensors. So ``isinstance(p, Parameter)`` holds, ``type(p)`` is
``ember.Tensor`` and the repr is a tensor's.
"""

from __future__ import annotations

import ember

_PARAM = "_nn_parameter"
_UNINIT = "_nn_uninitialized"
_BUFFER = "_nn_buffer"


def _mark(t, key, value=True):
    t.__dict__[key] = value
    return t


class _MarkerMeta(type):
    """``isinstance`` by marker; the classes are never instantiated."""

    _marker = None

    def __instancecheck__(cls, obj):
        return isinstance(obj, ember.Tensor) and obj.__dict__.get(cls._marker, False) is not False

    def __subclasscheck__(cls, sub):
        return type.__subclasscheck__(cls, sub)


class _ParameterMeta(_MarkerMeta):
    _marker = _PARAM


class _UninitializedMeta(_ParameterMeta):
    _marker = _UNINIT


class _BufferMeta(_MarkerMeta):
    _marker = _BUFFER


class Parameter(metaclass=_ParameterMeta):
    """A tensor that is a module parameter: assigning it to a ``Module``
    attribute registers it, and it requires grad by default.

    ``Parameter(data)`` returns an alias of ``data`` (shared storage) marked as
    a parameter; see Note [Parameters are marked tensors]."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = ember.empty(0)
        if not isinstance(data, ember.Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, not {type(data).__name__}")
        p = _mark(data.detach(), _PARAM)
        if requires_grad:
            p.requires_grad_(True)
        return p


class UninitializedParameter(Parameter, metaclass=_UninitializedMeta):
    """A parameter whose shape is not known yet (lazy modules): an empty
    tensor; ``materialize(shape)`` returns the real ``Parameter``, which the
    owning module stores in its place (a new object, unlike PyTorch, where
    the uninitialized parameter itself becomes the real one)."""

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        p = Parameter(ember.empty(0, dtype=dtype or ember.get_default_dtype()), requires_grad)
        return _mark(p, _UNINIT)

    @staticmethod
    def materialize(param, shape, dtype=None):
        """A new ``Parameter`` of ``shape`` (uninitialised values) replacing ``param``."""
        return Parameter(ember.empty(tuple(shape), dtype=dtype or param.dtype), param.requires_grad)


def is_lazy(param) -> bool:
    """Whether ``param`` is an uninitialised (lazy) parameter."""
    return isinstance(param, UninitializedParameter)


class Buffer(metaclass=_BufferMeta):
    """Marks a tensor as a buffer when assigned to a ``Module`` attribute
    (``self.running = Buffer(t)``): an alias of ``t`` with the marker."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = ember.empty(0)
        b = _mark(data.detach(), _BUFFER, bool(persistent))
        return b


def mark_parameter(t, uninitialized: bool = False):
    """Marks ``t`` as a ``Parameter`` (or ``UninitializedParameter``) in place.

    Pickle and ``ember.load`` rebuild a tensor's data and ``requires_grad`` but
    not its Python attributes, so a module being unpickled marks its
    parameters again (see ``Module.__setstate__``)."""
    _mark(t, _PARAM)
    if uninitialized:
        _mark(t, _UNINIT)
    return t


def buffer_persistence(t):
    """``True``/``False`` for a ``Buffer``-marked tensor (its ``persistent``), else None."""
    v = t.__dict__.get(_BUFFER, None) if isinstance(t, ember.Tensor) else None
    return None if v is None else bool(v)


def copy_parameter(t, memo=None):
    """A deep copy of a tensor keeping the parameter marker, ``requires_grad`` and ``.grad``."""
    with ember.no_grad():
        c = t.detach().clone()
    for key in (_PARAM, _UNINIT):
        if key in t.__dict__:
            c.__dict__[key] = t.__dict__[key]
    if t.requires_grad and t.is_leaf:
        c.requires_grad_(True)
    if t.grad is not None:
        c.grad = t.grad.detach().clone()
    return c
