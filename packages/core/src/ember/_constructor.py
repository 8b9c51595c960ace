# SPDX-License-Identifier: BSD-3-Clause
"""``ember.Tensor(...)``, the legacy constructor, as ``torch.Tensor(...)``."""

from __future__ import annotations

from . import _C


def tensor_constructor(*args, dtype=None, device=None):
    """Sizes give an uninitialised tensor, data gives a copy; both default float."""
    from ._creation import empty, tensor

    dtype = dtype or _C.get_default_dtype()
    if not args:
        return empty(0, dtype=dtype, device=device)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return empty(*args, dtype=dtype, device=device)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, tuple) and all(isinstance(a, int) for a in data) and type(data).__name__ == "Size":
            return empty(data, dtype=dtype, device=device)
        return tensor(data, dtype=dtype, device=device)
    raise TypeError(f"Tensor(): expected sizes or one sequence of data, got {len(args)} arguments")
