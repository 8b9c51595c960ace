# SPDX-License-Identifier: BSD-3-Clause
"""Parametrizations: a module's tensor computed on each access from the
parameters it is stored as (``module.parametrizations[name].original``)."""

from __future__ import annotations

import contextlib
import copyreg

import ember

from ..modules.container import ModuleDict, ModuleList
from ..parameter import Parameter

_cache_enabled = 0
_cache: dict = {}


@contextlib.contextmanager
def cached():
    """Inside, each parametrized tensor is computed once and reused."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor and the original it is stored as
    (``original``, or ``original0``, ``original1``, ... when the first
    parametrization's ``right_inverse`` returns several tensors)."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        with ember.no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        self.is_tensor = isinstance(new, ember.Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}"
                )
            self.register_parameter("original", Parameter(new.detach().clone(), original.requires_grad))
        else:
            for i, t in enumerate(new):
                self.register_parameter(f"original{i}", Parameter(t.detach().clone(), original.requires_grad))

    def right_inverse(self, value) -> None:
        """Stores ``value`` (what the parametrized tensor should be) as the originals."""
        with ember.no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
            if self.is_tensor:
                self.original.copy_(value)
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").copy_(t)

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def is_parametrized(module, tensor_name=None) -> bool:
    """Whether ``module`` (or its ``tensor_name``) has a parametrization."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    return tensor_name is None or tensor_name in parametrizations


# Note [Parametrized classes]
# A parametrized module's class is ``Parametrized<Name>``, a subclass of its
# original class made once per original class (not once per module: each
# class stays registered with copyreg). The parametrized tensors are
# neither parameters nor buffers any more; ``_ParametrizedAccess`` serves them
# by name from ``module.parametrizations``. The class keeps the original's
# ``__module__`` and ``__qualname__``, so ``ember.save`` (and pickle, through
# the copyreg reducer below) store the module as an instance of its original
# class, loading needs only that class, and ``Module.__setstate__`` gives the
# loaded module its parametrized class back.

_PARAMETRIZED_CLASSES: dict = {}


class _ParametrizedAccess:
    """Reading ``module.<name>`` computes the parametrized tensor; assigning it
    stores ``right_inverse(value)`` as the original."""

    def __getattr__(self, name):
        plists = self.__dict__.get("_modules", {}).get("parametrizations")
        if plists is not None and name in plists._modules:
            if _cache_enabled:
                key = (id(self), name)
                if key not in _cache:
                    _cache[key] = plists[name]()
                return _cache[key]
            return plists[name]()
        return super().__getattr__(name)

    def __setattr__(self, name, value):
        plists = self.__dict__.get("_modules", {}).get("parametrizations")
        if plists is not None and name in plists._modules:
            plists[name].right_inverse(value)
        else:
            super().__setattr__(name, value)


def _reduce_parametrized(module):
    return _new_instance, (type(module)._original_class,), module.__getstate__()


def _new_instance(cls):
    return cls.__new__(cls)


def _parametrized_class(cls) -> type:
    param_cls = _PARAMETRIZED_CLASSES.get(cls)
    if param_cls is None:
        namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "_original_class": cls}
        param_cls = type(f"Parametrized{cls.__name__}", (_ParametrizedAccess, cls), namespace)
        copyreg.pickle(param_cls, _reduce_parametrized)
        _PARAMETRIZED_CLASSES[cls] = param_cls
    return param_cls


def restore_parametrized_class(module) -> None:
    """Gives a module loaded with a ``parametrizations`` submodule its parametrized
    class back (Note [Parametrized classes])."""
    if is_parametrized(module) and not isinstance(module, _ParametrizedAccess):
        module.__class__ = _parametrized_class(type(module))


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Replaces ``module.<tensor_name>`` by ``parametrization(original)``, computed
    on each access; the original is kept as a parameter of the parametrization."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        module.parametrizations[tensor_name].append(parametrization)
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with name "
            f"'{tensor_name}'"
        )
    original = getattr(module, tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.__class__ = _parametrized_class(type(module))
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = plist
    return module


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undoes ``register_parametrization``: the tensor becomes a plain parameter
    again, holding the parametrized value (or the original)."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    with ember.no_grad():
        if leave_parametrized:
            value = plist()
        elif plist.is_tensor:
            value = plist.original
        else:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                             "parametrized in terms of a sequence of tensors.")  # fmt: skip
    requires_grad = (plist.original if plist.is_tensor else plist.original0).requires_grad
    del module.parametrizations[tensor_name]
    module.register_parameter(tensor_name, Parameter(value.detach().clone(), requires_grad))
    if not module.parametrizations:
        delattr(module, "parametrizations")
        module.__class__ = type(module)._original_class
    return module


__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization", "remove_parametrizations"]
