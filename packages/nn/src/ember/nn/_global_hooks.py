# SPDX-License-Identifier: BSD-3-Clause
"""Hooks common to all modules, as ``torch.nn.modules.module.register_module_*``.

Global hooks run before each module's own hooks of the same kind. They are
meant for debugging and profiling: while one is registered, every module
call leaves ``Module.__call__``'s no-hook fast path.

The dicts below are mutated in place and never rebound, so ``module.py``
and ``_hooks.py`` may import them by name.
"""

from __future__ import annotations

from collections import OrderedDict

from .utils.hooks import RemovableHandle

__all__ = [
    "register_module_buffer_registration_hook",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
    "register_module_full_backward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_module_registration_hook",
    "register_module_parameter_registration_hook",
]

# OrderedDicts, not dicts: RemovableHandle holds a weak reference to its dict
_global_buffer_registration_hooks: OrderedDict = OrderedDict()
_global_module_registration_hooks: OrderedDict = OrderedDict()
_global_parameter_registration_hooks: OrderedDict = OrderedDict()
_global_forward_pre_hooks: OrderedDict = OrderedDict()
_global_forward_hooks: OrderedDict = OrderedDict()
_global_forward_hooks_with_kwargs: OrderedDict = OrderedDict()
_global_forward_hooks_always_called: OrderedDict = OrderedDict()
_global_backward_pre_hooks: OrderedDict = OrderedDict()
_global_backward_hooks: OrderedDict = OrderedDict()


def _add(hooks: OrderedDict, hook, extra=None) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id] = hook
    return handle


def register_module_buffer_registration_hook(hook) -> RemovableHandle:
    """Register ``hook(module, name, buffer) -> None or new buffer``, called by
    every ``register_buffer`` (and buffer assignment) before the buffer is stored.

    Returns
    -------
    RemovableHandle
        ``handle.remove()`` unregisters the hook.
    """
    return _add(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook) -> RemovableHandle:
    """Register ``hook(module, name, submodule) -> None or new submodule``, called
    by every ``add_module``/``register_module`` (and submodule assignment)."""
    return _add(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook) -> RemovableHandle:
    """Register ``hook(module, name, param) -> None or new parameter``, called by
    every ``register_parameter`` (and parameter assignment) of a parameter that is
    not None."""
    return _add(_global_parameter_registration_hooks, hook)


def register_module_forward_pre_hook(hook) -> RemovableHandle:
    """Register ``hook(module, args) -> None or new args`` to run before every
    module's ``forward``, ahead of the module's own forward pre-hooks. A result
    that is not a tuple is wrapped in one. Keyword arguments are not passed."""
    return _add(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs: bool = False, always_call: bool = False) -> RemovableHandle:
    """Register ``hook(module, args, output) -> None or new output`` (with
    ``with_kwargs``: ``hook(module, args, kwargs, output)``) to run after every
    module's ``forward``, ahead of the module's own forward hooks.

    Parameters
    ----------
    hook : callable
    with_kwargs : bool
        Pass the keyword arguments of the call too.
    always_call : bool
        Also run the hook when the call raises (with the output computed so far,
        usually None); an exception from the hook is then turned into a warning.
    """
    handle = _add(
        _global_forward_hooks, hook, extra=[_global_forward_hooks_with_kwargs, _global_forward_hooks_always_called]
    )
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook) -> RemovableHandle:
    """Register ``hook(module, grad_output) -> None or new grad_output``, run
    before the module's own full backward pre-hooks, as
    ``Module.register_full_backward_pre_hook`` but for every module called
    while it is registered."""
    return _add(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook) -> RemovableHandle:
    """Register ``hook(module, grad_input, grad_output) -> None or new grad_input``,
    run before the module's own full backward hooks, as
    ``Module.register_full_backward_hook`` but for every module called while it
    is registered."""
    return _add(_global_backward_hooks, hook)
