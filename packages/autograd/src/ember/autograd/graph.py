# SPDX-License-Identifier: BSD-3-Clause
"""The recorded graph: nodes, their edges, saved tensors and hooks."""

from __future__ import annotations

import itertools
import sys
import threading
import weakref

import ember
from ember import _C

from . import _callsite


class _HooksState(threading.local):
    stack = None  # the saved-tensor hooks in force on this thread


_hooks_state = _HooksState()


class RemovableHandle:
    """Returned by ``register_*hook``: ``remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: dict):
        self._hooks = weakref.ref(hooks) if hasattr(hooks, "__weakref__") else (lambda: hooks)
        self.id = next(self._ids)

    def remove(self) -> None:
        hooks = self._hooks()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _HookDict(dict):
    """A dict that weakrefs can point to."""


def _add_hook(hooks: _HookDict, fn) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


class Node(_C.GraphNode):
    """One recorded operation. ``next_functions`` holds, for each input,
    ``(node, output_nr)`` of where its gradient goes (None: no gradient).
    The fields the core fills when it records natively (``next_functions``,
    ``_seq``, ``_metas``, ...) live in its ``GraphNode`` base (Note [Native
    recording]); ``_seq`` orders nodes by creation."""

    _name = "Node"
    # hooks are rare: the containers exist only once one is registered
    _pre_hooks = _post_hooks = None  # _HookDict: fn(grad_outputs) / fn(grad_inputs, grad_outputs)
    _tensor_pre_hooks = None  # output_nr -> _HookDict of fn(grad) (tensor.register_hook)
    _retain_grad = None  # output_nr -> weakref to the tensor that retains its grad
    _hooked = False  # any of the above: the engine looks further only then
    _metadata = None

    def __init__(self, next_functions=()):
        self.next_functions = tuple(next_functions)

    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def __call__(self, *grad_outputs):
        return self.apply(list(grad_outputs), False)

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    @property
    def num_outputs(self) -> int:
        return self._num_outputs

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` after this node ran; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = _HookDict()
        self._hooked = True
        return _add_hook(self._post_hooks, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs)`` before this node runs; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = _HookDict()
        self._hooked = True
        return _add_hook(self._pre_hooks, fn)

    def _register_tensor_hook(self, output_nr: int, fn) -> RemovableHandle:
        if self._tensor_pre_hooks is None:
            self._tensor_pre_hooks = {}
        self._hooked = True
        return _add_hook(self._tensor_pre_hooks.setdefault(output_nr, _HookDict()), fn)

    def _retain_grad_of(self, output_nr: int, tensor) -> None:
        if self._retain_grad is None:
            self._retain_grad = {}
        self._hooked = True
        self._retain_grad[output_nr] = weakref.ref(tensor)

    def release(self) -> None:
        """Drops what this node saved for backward (after a backward without retain_graph)."""

    def apply(self, grad_outputs: list, create_graph: bool) -> tuple:
        raise NotImplementedError


class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds the incoming gradient into ``.grad``.
    The leaf keeps its node alive; the node refers to the leaf weakly (a
    gradient for a leaf nobody holds any more goes nowhere)."""

    _name = "torch::autograd::AccumulateGrad"
    _hooked = True  # the leaf's own hooks run before accumulation

    def __init__(self, variable):
        super().__init__(())
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        return self._variable()

    def apply(self, grad_outputs, create_graph):
        grad = grad_outputs[0]
        var = self._variable()
        if grad is None or var is None:
            return ()
        d = var.__dict__
        old = d.get("_grad")
        if old is None:
            # a new gradient is owned by .grad: copy when it may alias another tensor
            d["_grad"] = grad if create_graph else _owned(grad, sys.getrefcount(grad))
        elif create_graph or old._requires_grad or grad._requires_grad:
            d["_grad"] = old + grad
        else:
            old.add_(grad)
        hooks = d.get("_post_accumulate_hooks")
        if hooks:
            for hook in list(hooks.values()):
                hook(var)
        return ()


# References to a gradient only the engine holds, as AccumulateGrad.apply
# counts them: the grad_outputs list, the local name, the pending argument of
# _owned and getrefcount's own argument.
_ENGINE_REFS = 4


def _owned(grad, refs: int):
    """``grad`` for ``.grad``: itself when nothing else can see it (and it is
    contiguous, as optimizers expect), else a contiguous copy."""
    if refs <= _ENGINE_REFS and grad.is_contiguous():
        return grad.detach()
    return grad.detach().clone()


def accumulate_node(leaf) -> AccumulateGrad:
    """The leaf's AccumulateGrad (one per leaf)."""
    d = leaf.__dict__
    node = d.get("_accumulate")
    if node is None:
        node = d["_accumulate"] = AccumulateGrad(leaf)
    return node


def gradient_edge(t):
    """(node, output_nr) where the gradient of ``t`` goes, or None."""
    if not t._requires_grad:
        return None
    d = t.__dict__
    if t._base is not None:
        from ._views import refresh_view

        refresh_view(t)
    fn = d.get("_grad_fn")
    if fn is None:
        node = d.get("_accumulate")
        return (node if node is not None else accumulate_node(t), 0)
    return (fn, d.get("_output_nr", 0))


# ---- saved tensors ---------------------------------------------------------
_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)


class SavedTensor(_C.SavedTensorBase):
    """A tensor kept for backward, with the version it had when saved. An
    output of the node that saves it is kept as a detached alias (a tensor
    holding its own grad_fn would make a reference cycle). The fields live in
    the core's base type, which also makes saved tensors when it records."""

    __slots__ = ()

    def __init__(self, t, is_output: bool, output_nr: int = 0):
        hooks = _hooks_state.stack
        self._is_output, self._output_nr = is_output, output_nr
        self._site = None
        if hooks:
            pack, self._unpack = hooks[-1]
            self._data, self._version = pack(t), None
            return
        self._unpack = None
        self._data = t.detach() if is_output else t
        self._version = t._version

    def unpack(self, node):
        if self._unpack is not None:
            return self._unpack(self._data)
        t = self._data
        if t._version != self._version:
            raise RuntimeError(_callsite.modified_message(t, self, node))
        if self._is_output and ember.is_grad_enabled() and (t.dtype.is_floating_point or t.dtype.is_complex):
            # for a double backward the output must lead back to its node
            alias = t.detach()
            alias._requires_grad = True
            alias.__dict__["_grad_fn"] = node
            alias.__dict__["_output_nr"] = self._output_nr
            return alias
        return t


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Inside this context, tensors saved for backward are stored as
    ``pack_hook(tensor)`` and given back to backward as ``unpack_hook(packed)``."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        stack = _hooks_state.stack
        if stack is None:
            stack = _hooks_state.stack = []
        stack.append((self.pack_hook, self.unpack_hook))
        _C._block_native_recording(1)  # the hooks run in the Python recorder
        return self

    def __exit__(self, *exc):
        _hooks_state.stack.pop()
        _C._block_native_recording(-1)
        return False


class save_on_cpu(saved_tensors_hooks):  # noqa: N801
    """Saved tensors are copied (to the CPU, where ember computes) and copied back for backward."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        super().__init__(lambda t: t.detach().clone(), lambda t: t)


class disable_saved_tensors_hooks:  # noqa: N801
    """Within this context, registering saved-tensor hooks raises ``RuntimeError(error_message)``."""

    def __init__(self, error_message: str):
        self.error_message = error_message

    def __enter__(self):
        self._prev = _hooks_state.stack
        _hooks_state.stack = _Refusing(self.error_message)
        return self

    def __exit__(self, *exc):
        _hooks_state.stack = self._prev
        return False


class _Refusing(list):
    def __init__(self, message):
        super().__init__()
        self.message = message

    def append(self, item):
        raise RuntimeError(self.message)


def increment_version(t) -> None:
    """Marks ``t`` as modified in place (as an in-place op would)."""
    t._bump_version()
