# SPDX-License-Identifier: BSD-3-Clause
"""Custom differentiable operations: subclass ``Function`` with static
``forward`` and ``backward`` and call ``apply``."""

from __future__ import annotations

import functools

import ember
from ember import _C

from . import _callsite
from ._record import TensorMeta, _fit, _NoGrad
from .graph import _FREED, Node, SavedTensor, gradient_edge

Tensor = ember.Tensor


class FunctionCtx:
    """What ``forward`` (or ``setup_context``) records for ``backward``."""

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument is of type {type(t).__name__}"
                )
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        self._to_save_forward = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declares the inputs that forward modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declares outputs that carry no gradient (indices, masks)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward gets None (not zeros) for outputs that received no gradient."""
        self.materialize_grads = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The node of one ``Function.apply``; it is also the ``ctx`` both passes see."""

    def __init__(self, cls, edges, metas):
        Node.__init__(self, edges)
        self._cls = cls
        self._metas = metas
        self._saved = None
        self._released = False
        self._to_save = ()
        self._dirty = ()
        self._non_differentiable = ()
        self.materialize_grads = True
        self._had_saved = False
        self._output_metas = ()
        self._site = _callsite.current()

    def name(self) -> str:
        return f"{self._cls.__name__}Backward"

    @property
    def needs_input_grad(self) -> tuple:
        return tuple(m is not None for m in self._metas)

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise RuntimeError(_FREED)
        if self._saved is None:
            return tuple(self._to_save)
        return tuple(None if s is None else s.unpack(self) for s in self._saved)

    def release(self) -> None:
        self._saved = None
        self._to_save = ()
        self._released = True

    def apply(self, grad_outputs, create_graph):
        if self._released and self._saved is None and self._had_saved:
            raise RuntimeError(_FREED)
        if self.materialize_grads:
            grad_outputs = [
                ember.zeros(m[0], dtype=m[1]) if g is None and m is not None else g
                for g, m in zip(list(grad_outputs) + [None] * (len(self._output_metas) - len(grad_outputs)),
                                self._output_metas)
            ]  # fmt: skip
        result = self._cls.backward(self, *grad_outputs)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._metas)
        if len(result) < n or any(g is not None for g in result[n:]):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected {n}, got {len(result)})"
            )
        return tuple(_fit(g, m) if (m is not None and g is not None) else None for g, m in zip(result[:n], self._metas))


class _SingleLevelFunction(type):
    pass


class Function(metaclass=_SingleLevelFunction):
    """Base class of custom autograd operations.

    ``forward(ctx, *args)`` computes the result (grad mode off);
    ``backward(ctx, *grad_outputs)`` returns one gradient per argument of
    ``forward``. Alternatively ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")  # fmt: skip

    vjp = backward
    setup_context = None

    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
            "function with static forward method. (Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        tracked = [isinstance(a, Tensor) and a._requires_grad for a in args]
        recording = ember.is_grad_enabled() and any(tracked)
        edges = [gradient_edge(a) if tr else None for a, tr in zip(args, tracked)] if recording else []
        metas = [TensorMeta(a) if tr else None for a, tr in zip(args, tracked)]
        ctx = BackwardCFunction(cls, [e if e is not None else (None, 0) for e in edges], metas)
        custom_setup = cls.setup_context is not None and cls.setup_context is not Function.setup_context
        with _NoGrad():
            if custom_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not recording:
            return output
        return _link_outputs(ctx, args, output)


def _link_outputs(ctx, args, output):
    is_tuple = isinstance(output, tuple)
    outputs = list(output) if is_tuple else [output]
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            continue
        if id(out) in dirty:
            if out._requires_grad and out.__dict__.get("_grad_fn") is None and out._base is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        elif any(out is a for a in args):
            out = out.detach()  # an input returned as is: a new tensor that gets the history
            outputs[i] = out
        if id(outputs[i]) in non_diff or not (out.dtype.is_floating_point or out.dtype.is_complex):
            continue
        out._requires_grad = True
        out.__dict__["_grad_fn"] = ctx
        out.__dict__["_output_nr"] = i
    ctx._output_metas = tuple(TensorMeta(o) if isinstance(o, Tensor) else None for o in outputs)
    ctx._num_outputs = max(1, len(outputs))
    originals = list(output) if is_tuple else [output]
    ctx._had_saved = bool(ctx._to_save)
    ctx._saved = [None if t is None else SavedTensor(t, *_output_position(t, originals, outputs)) for t in ctx._to_save]
    ctx._to_save = ()
    return tuple(outputs) if is_tuple else outputs[0]


def _output_position(t, originals, outputs):
    for i, (orig, out) in enumerate(zip(originals, outputs)):
        if t is orig and out.__dict__.get("_grad_fn") is not None:
            return True, i
    return False, 0


def once_differentiable(backward):
    """Marks a ``backward`` as not differentiable itself: it runs with grad
    mode off, and a double backward through its result raises."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with _NoGrad():
            result = backward(ctx, *grads)
        if _C.is_grad_enabled():
            delay_error(result if isinstance(result, tuple) else (result,), grads)
        return result

    return wrapper


def delay_error(outputs, sources) -> None:
    """Makes the tensors among ``outputs`` lead to a node that raises when
    backward reaches it, when any of ``sources`` requires grad: the outputs of
    a computation that cannot be differentiated again."""
    sources = [t for t in sources if isinstance(t, Tensor) and t._requires_grad]
    if not sources:
        return
    node = _OnceDifferentiable([gradient_edge(t) or (None, 0) for t in sources])
    for g in outputs:
        if isinstance(g, Tensor) and (g.dtype.is_floating_point or g.dtype.is_complex):
            g._requires_grad = True
            g.__dict__["_grad_fn"] = node


class _OnceDifferentiable(Node):
    _name = "DelayedError"

    def apply(self, grad_outputs, create_graph):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
