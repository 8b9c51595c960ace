# SPDX-License-Identifier: BSD-3-Clause
"""The classes ``ember.load`` may rebuild: nothing but what the user allows.

A file names a class by its import path. ``ember.load`` looks that path up
here and never imports anything: a file can name only classes that the
program has already imported and explicitly allowed.
"""

from __future__ import annotations

import contextlib

_ALLOWED: dict[str, object] = {}


def _qualified_name(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def _entries(safe_globals) -> dict[str, object]:
    if isinstance(safe_globals, (str, bytes)) or not hasattr(safe_globals, "__iter__"):
        raise TypeError(f"expected a list of classes, got {type(safe_globals).__name__}")
    entries = {}
    for item in safe_globals:
        if isinstance(item, tuple):
            if len(item) != 2 or not isinstance(item[1], str):
                raise TypeError(f"expected (class, 'module.Name') tuples, got {item!r}")
            obj, name = item
        else:
            obj = item
            if not hasattr(obj, "__module__") or not hasattr(obj, "__qualname__"):
                raise TypeError(f"{obj!r} has no import path; pass it as ({obj!r}, 'module.Name')")
            name = _qualified_name(obj)
        entries[name] = obj
    return entries


def add_safe_globals(safe_globals) -> None:
    """Allow ``ember.load`` to rebuild instances of these classes.

    Parameters
    ----------
    safe_globals : list
        Classes (or other globals, for PyTorch files), or ``(obj, name)``
        tuples that allow ``obj`` under the import path ``name`` (for an
        object that was saved under another name).

    Notes
    -----
    Allowing a class trusts every file you load with it: its
    ``__setstate__`` (or attribute assignment) runs with the file's data.
    """
    _ALLOWED.update(_entries(safe_globals))


def get_safe_globals() -> list:
    """The allowed globals, as given to :func:`add_safe_globals`.

    Returns
    -------
    list
        Each allowed object, or an ``(obj, name)`` tuple where the name it
        was allowed under is not its own import path.
    """
    return [obj if _qualified_name_or_none(obj) == name else (obj, name) for name, obj in _ALLOWED.items()]


def clear_safe_globals() -> None:
    """Forget every global allowed by :func:`add_safe_globals`."""
    _ALLOWED.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Allow these globals inside a ``with`` block only.

    Parameters
    ----------
    safe_globals : list
        As for :func:`add_safe_globals`.

    Examples
    --------
    >>> import collections
    >>> with ember.serialization.safe_globals([collections.Counter]):
    ...     pass
    """
    saved = dict(_ALLOWED)
    _ALLOWED.update(_entries(safe_globals))
    try:
        yield
    finally:
        _ALLOWED.clear()
        _ALLOWED.update(saved)


def _qualified_name_or_none(obj) -> str | None:
    try:
        return _qualified_name(obj)
    except AttributeError:
        return None


def lookup(name: str):
    """The allowed global called ``name``, or None."""
    return _ALLOWED.get(name)


def allows_class(cls: type) -> bool:
    """Whether ``cls`` was allowed (under any name)."""
    return any(obj is cls for obj in _ALLOWED.values())


def not_allowed(name: str, what: str = "an instance of"):
    """The ``pickle.UnpicklingError`` for a file that names a global the user
    has not allowed."""
    import pickle

    return pickle.UnpicklingError(
        f"the file holds {what} '{name}', which is not an allowed global. ember.load never imports "
        f"a module because a file names it. If you trust this file, import the class and allow it "
        f"with ember.serialization.add_safe_globals([{name}]) or "
        f"`with ember.serialization.safe_globals([{name}]): ember.load(...)`."
    )
