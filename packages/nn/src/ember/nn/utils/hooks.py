# SPDX-License-Identifier: BSD-3-Clause
"""Handles that remove a registered hook, as ``torch.utils.hooks.RemovableHandle``."""

from __future__ import annotations

import weakref
from collections import OrderedDict


class RemovableHandle:
    """``handle.remove()`` deletes the hook from each dict it was added to;
    usable as a context manager."""

    _next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        extra = (
            extra_dict if isinstance(extra_dict, (list, tuple)) else ([extra_dict] if extra_dict is not None else [])
        )
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    # Pickled with its dicts (the pickle of the module that holds them shares
    # them); a handle whose dicts are gone unpickles as a dead handle.
    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state) -> None:
        hooks, self.id = state[0], state[1]
        self.hooks_dict_ref = weakref.ref(hooks if hooks is not None else OrderedDict())
        self.extra_dict_ref = tuple(weakref.ref(d) for d in (state[2] if len(state) > 2 else ()) if d is not None)
        reserve_ids(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def reserve_ids(*ids) -> None:
    """Makes new handles' ids larger than ``ids`` (ids of hooks that were pickled
    elsewhere), so a new hook can't take the key of an unpickled one."""
    for i in ids:
        if isinstance(i, int) and i >= RemovableHandle._next_id:
            RemovableHandle._next_id = i + 1
