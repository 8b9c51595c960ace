# SPDX-License-Identifier: BSD-3-Clause
"""ember.Size: a tensor's shape, a tuple of ints."""

from __future__ import annotations


class Size(tuple):
    """The shape of a tensor (a tuple subclass, as ``torch.Size``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ember.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))
