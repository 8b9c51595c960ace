# SPDX-License-Identifier: BSD-3-Clause
"""Where the Python front puts what it defines: Tensor methods and the
functions of the ``ember`` namespace. Each module of the front registers its
names here; ``ember/__init__.py`` exports them."""

from __future__ import annotations

from . import _C

Tensor = _C.Tensor
Tensor.__module__ = "ember"
EXPORTS: dict[str, object] = {}


def export(fn=None, *, name: str | None = None):
    """Decorator: make ``fn`` an ``ember.<name>`` function."""

    def register(f):
        EXPORTS[name or f.__name__] = f
        return f

    return register(fn) if fn is not None else register


def method(fn=None, *, name: str | None = None):
    """Decorator: make ``fn`` a ``Tensor.<name>`` method."""

    def register(f):
        setattr(Tensor, name or f.__name__, f)
        return f

    return register(fn) if fn is not None else register


def prop(fn):
    """Decorator: make ``fn`` a read-only ``Tensor`` property."""
    setattr(Tensor, fn.__name__, property(fn))
    return fn
