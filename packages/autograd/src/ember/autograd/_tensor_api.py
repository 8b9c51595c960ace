# SPDX-License-Identifier: BSD-3-Clause
"""What the core's Tensor methods (ember/_autograd_tensor.py) call."""

from __future__ import annotations

from ._views import refresh_view
from .graph import RemovableHandle, _add_hook, _HookDict


def view_grad_fn(t):
    d = t.__dict__
    if t._requires_grad:
        refresh_view(t)
    return d.get("_grad_fn")


def _grad_fn(t):
    return view_grad_fn(t) if t._base is not None else t.__dict__.get("_grad_fn")


def register_hook(t, hook) -> RemovableHandle:
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    fn = _grad_fn(t)
    if fn is None:
        hooks = t.__dict__.setdefault("_leaf_hooks", _HookDict())
        return _add_hook(hooks, hook)
    return fn._register_tensor_hook(t.__dict__.get("_output_nr", 0), hook)


def register_post_accumulate_grad_hook(t, hook) -> RemovableHandle:
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if _grad_fn(t) is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    hooks = t.__dict__.setdefault("_post_accumulate_hooks", _HookDict())
    return _add_hook(hooks, hook)


def retain_grad(t) -> None:
    if not t._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    fn = _grad_fn(t)
    if fn is None or t.__dict__.get("_retains_grad"):
        return
    fn._retain_grad_of(t.__dict__.get("_output_nr", 0), t)
    t.__dict__["_retains_grad"] = True
