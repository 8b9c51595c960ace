# SPDX-License-Identifier: BSD-3-Clause
"""The autograd side of Tensor. The core keeps the ``requires_grad`` flag
(the bindings read it, Note [Autograd seam] in csrc/python/autograd_seam.h)
and each tensor's ``grad`` and ``grad_fn`` in its ``__dict__``; everything
else is ember-autograd's, imported on first use rather than at ``import
ember``."""

from __future__ import annotations

import functools

from . import _C
from ._dtypes import torch_name
from ._registry import Tensor, method, prop

_MISSING = (
    "requires_grad=True needs automatic differentiation, which is part of the "
    "'ember-autograd' distribution. Install it with: pip install ember-autograd"
)
_autograd = None


def autograd():
    """``ember.autograd``, imported on first use; its import registers the
    handler through which the core hands it recorded ops."""
    global _autograd
    if _autograd is None:
        import importlib

        try:
            _autograd = importlib.import_module("ember.autograd")
        except ModuleNotFoundError as e:
            if e.name is not None and e.name.startswith("ember.autograd"):
                raise ModuleNotFoundError(_MISSING, name="ember.autograd") from None
            raise
    return _autograd


def _check_can_require_grad(t) -> None:
    dt = t.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")


@method
def requires_grad_(self, requires_grad: bool = True):
    """Sets ``requires_grad`` in place; returns self."""
    if requires_grad:
        autograd()
        _check_can_require_grad(self)
        self._requires_grad = True
    elif self.__dict__.get("_grad_fn") is not None:
        raise RuntimeError(
            "you can only change requires_grad flags of leaf variables. If you want to use a computed "
            "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
        )
    else:
        self._requires_grad = False
    return self


def _get_requires_grad(self) -> bool:
    return self._requires_grad


def _set_requires_grad(self, value) -> None:
    requires_grad_(self, bool(value))


Tensor.requires_grad = property(_get_requires_grad, _set_requires_grad)


def _get_grad(self):
    return self.__dict__.get("_grad")


def _set_grad(self, value) -> None:
    if value is not None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}"
            )
        if value.dtype != self.dtype:
            raise RuntimeError(
                f"assigned grad has data of a different type: expected {torch_name(self.dtype)}, "
                f"got {torch_name(value.dtype)}"
            )
        if tuple(value.shape) != tuple(self.shape):
            raise RuntimeError(
                f"assigned grad has data of a different size: expected {list(self.shape)}, got {list(value.shape)}"
            )
    self.__dict__["_grad"] = value


Tensor.grad = property(_get_grad, _set_grad, lambda self: _set_grad(self, None))


@prop
def grad_fn(self):
    if self._base is not None and self._requires_grad:  # a view's grad_fn follows its base's history
        return autograd()._tensor_api.view_grad_fn(self)
    return self.__dict__.get("_grad_fn")


@prop
def is_leaf(self) -> bool:
    return grad_fn(self) is None


@prop
def output_nr(self) -> int:
    return self.__dict__.get("_output_nr", 0)


@prop
def retains_grad(self) -> bool:
    return self.__dict__.get("_retains_grad", False)


@method
def retain_grad(self) -> None:
    """Keeps this non-leaf tensor's gradient in ``.grad`` after backward."""
    autograd()._tensor_api.retain_grad(self)


@method
def detach(self):
    """A new tensor sharing this one's data (and version counter), outside the graph."""
    return self._detach()


@method
def detach_(self):
    """Detaches this tensor from the graph in place: it becomes a leaf that does not require grad."""
    d = self.__dict__
    if self._base is not None:
        raise RuntimeError(
            "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
            "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
            "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
            "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
        )
    d.pop("_grad_fn", None)
    d.pop("_output_nr", None)
    self._requires_grad = False
    return self


def _get_data(self):
    return detach(self)


def _set_data(self, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"Tensor.data must be a Tensor, not {type(value).__name__}")
    if self._requires_grad and not (value.dtype.is_floating_point or value.dtype.is_complex):
        raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
    self._set_data(value)


Tensor.data = property(_get_data, _set_data, doc="This tensor's data outside the graph (settable).")


@method
def set_(self, source=None):
    """Makes this tensor show ``source``'s storage and layout (an empty tensor
    without ``source``), as an in-place op."""
    if source is None:
        source = _C.empty([0], self.dtype)
    self._set_data(source)
    self._bump_version()
    return self


@method
def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates the gradient of this tensor w.r.t. the graph's leaves into their ``.grad``."""
    autograd().backward(self, gradient, retain_graph, create_graph, inputs=inputs)


@method
def register_hook(self, hook):
    """Calls ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
    return autograd()._tensor_api.register_hook(self, hook)


@method
def register_post_accumulate_grad_hook(self, hook):
    """Calls ``hook(tensor)`` on a leaf after its ``.grad`` was accumulated."""
    return autograd()._tensor_api.register_post_accumulate_grad_hook(self, hook)


def recorded_as(name: str):
    """Decorator for a Python-level op that autograd differentiates as one op
    (when the gradient of the kernels it runs is not the op's, as for
    embedding's ``padding_idx``): while autograd would record a call with its
    arguments, the call goes to autograd's handler ``name`` as
    ``handler(fn, args, kwargs)``; otherwise ``fn`` runs as is."""

    def wrap(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if _C.autograd_records(*args, *kwargs.values()):
                handler = _C._autograd_handler().get(name)
                if handler is not None:
                    return handler(fn, args, kwargs)
            return fn(*args, **kwargs)

        return wrapper

    return wrap
