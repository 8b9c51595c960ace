# SPDX-License-Identifier: BSD-3-Clause
"""Lazy modules: parameters whose shapes come from the first input."""

from __future__ import annotations

from collections import OrderedDict

from ..parameter import is_lazy


class LazyModuleMixin:
    """Infers the uninitialised parameters' shapes on the first call
    (``initialize_parameters(*args)``), then turns into ``cls_to_become``.
    Materialising replaces the parameter objects (Note [Parameters are
    marked tensors]), so build optimizers after the first call."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    # The initialize hook is code, which ember.save does not store: a lazy
    # module is saved without it and registers it again when loaded.
    def __getstate__(self):
        state = super().__getstate__()
        handle = state.pop("_initialize_hook", None)
        if handle is not None:
            state["_forward_pre_hooks"] = OrderedDict(state["_forward_pre_hooks"])
            state["_forward_pre_hooks"].pop(handle.id, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if self.has_uninitialized_params():
            self._initialize_hook = self.register_forward_pre_hook(_infer_parameters, prepend=True)

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer is still uninitialised."""
        for t in list(self._parameters.values()) + list(self._buffers.values()):
            if t is not None and is_lazy(t):
                return True
        return False

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")


def _infer_parameters(module, args):
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become
