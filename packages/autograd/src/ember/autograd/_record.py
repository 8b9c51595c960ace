# SPDX-License-Identifier: BSD-3-Clause
"""Recording: how a call handed over by the core (Note [Autograd seam])
becomes a node of the graph. ``record`` runs the op with grad mode off,
then links its outputs to a node that knows the op's derivative, the edges
to its inputs' gradients and what backward needs saved."""

from __future__ import annotations

import ember
from ember import _C

from . import _callsite, anomaly_mode
from .anomaly_mode import _state as anomaly_state
from .derivatives import DERIVATIVES, Derivative
from .graph import _FREED, Node, SavedTensor, gradient_edge

Tensor = ember.Tensor


def TensorMeta(t):  # noqa: N802 - reads as the type it stands for
    """What backward needs of an input it did not save: (shape, dtype), a plain
    tuple because one is made per recorded input."""
    return (t._sizes, t.dtype)


class OpNode(Node):
    """A node for one op of the derivative registry. The core makes these
    without calling ``__init__`` when it records natively (Note [Native
    recording]); both ways fill the same fields."""

    _released = False

    def __init__(self, deriv: Derivative, edges, metas, attrs, site):
        self.next_functions = tuple(edges)
        self._deriv = deriv
        self._metas = tuple(metas)  # per input: TensorMeta, or None when it needs no gradient
        self.attrs = attrs
        self._site = site
        if anomaly_state.on:
            anomaly_mode.remember_forward(self)

    def name(self) -> str:
        return self._deriv.node_name

    @property
    def needs_input_grad(self) -> tuple:
        return tuple(m is not None for m in self._metas)

    @property
    def inputs(self) -> tuple:
        saved = self._saved_inputs
        if saved is None:
            if self._released:
                raise RuntimeError(_FREED)
            return (None,) * len(self._metas)
        return tuple([s.unpack(self) if type(s) is SavedTensor else s for s in saved])

    @property
    def result(self):
        saved = self._saved_outputs
        if saved is None:
            if self._released:
                raise RuntimeError(_FREED)
            return None
        out = tuple(s.unpack(self) for s in saved)
        return out[0] if len(out) == 1 else out

    @property
    def input_shapes(self) -> tuple:
        return tuple(m[0] if m is not None else None for m in self._metas)

    def release(self) -> None:
        if self._saved_inputs is not None or self._saved_outputs is not None:
            self._saved_inputs = self._saved_outputs = None
            self._released = True

    def apply(self, grads, create_graph):
        if self._released:
            raise RuntimeError(_FREED)
        # an output that received no gradient gets None (multi-output formulas handle it)
        result = self._deriv.formula(self, *grads)
        if type(result) is not tuple:
            result = (result,)
        out = []
        for g, m in zip(result, self._metas):
            if m is None or g is None:
                out.append(None)
            elif type(g) is Tensor and g._has_meta(m):
                out.append(g)
            else:
                out.append(_fit(g, m))
        return out


def _fit(g, meta):
    """``g`` summed down to the input's shape (undoing broadcasting) in its dtype."""
    shape, dtype = meta
    if not isinstance(g, Tensor):
        g = ember.full(shape, g, dtype=dtype)
    if g._sizes != shape:
        g = sum_to(g, shape)
    if g.dtype != dtype:
        g = g.to(dtype)
    return g


def sum_to(g, shape):
    """Sums ``g`` over the dims that broadcasting added to reach ``shape``."""
    lead = g.dim() - len(shape)
    if lead < 0:
        raise RuntimeError(f"cannot sum a gradient of shape {list(g.shape)} to shape {list(shape)}")
    dims = list(range(lead)) + [lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1]
    if dims:
        g = g.sum(dims, keepdim=True)
    if lead:
        g = g.reshape(shape)
    return g


def _is_differentiable(t) -> bool:
    dt = t.dtype
    return dt.is_floating_point or dt.is_complex


class _NoGrad:
    __slots__ = ("prev",)

    def __enter__(self):
        self.prev = _C._set_grad_enabled(False)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)


def _check_inplace_target(t, key) -> None:
    if not t._requires_grad:
        return
    d = t.__dict__
    base = t._base
    if base is not None and base._requires_grad and base.__dict__.get("_grad_fn") is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if d.get("_grad_fn") is None and base is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def record(key: str, inputs, run, attrs=(), mutated=None):
    """Runs ``run()`` (the op; the core calls its handlers with grad mode off)
    and records it as op ``key``.

    ``inputs`` are the op's differentiable operands in the derivative's order
    (tensors or Python numbers); ``mutated`` is the index in ``inputs`` of
    the tensor the op writes in place, if any."""
    deriv = DERIVATIVES.get(key)
    if mutated is not None:
        _check_inplace_target(inputs[mutated], key)
    if deriv is None:
        deriv = Derivative(key, _not_implemented(key))
    elif deriv.formula is None:  # not differentiable: outputs carry no gradient
        return run()
    edges = []
    metas = []
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad:  # subclasses of Tensor too
            d = x.__dict__
            fn = d.get("_grad_fn")
            # a recorded result that is not a view: its grad_fn is current (the common case)
            if fn is not None and "_view_version" not in d:
                edges.append((fn, d.get("_output_nr", 0)))
            else:
                edges.append(gradient_edge(x))
            metas.append((x._sizes, x.dtype))
        else:
            edges.append(_NO_EDGE)
            metas.append(None)
    saved_inputs = None
    if deriv.save_inputs:
        target = inputs[mutated] if mutated is not None else None
        saves = deriv.saves
        saved_inputs = [
            _save_input(x, target is not None and x is target)
            if saves is None or any(metas[i] is not None for i in saves[j])
            else None
            for j, x in enumerate(inputs)
        ]
    result = run()  # the core calls the handlers with grad mode off
    single = type(result) is not tuple
    if single and mutated is None:
        for x in inputs:
            if result is x:
                return result  # the op returned its input unchanged (contiguous of a contiguous tensor)
    # where the user's code ran the op, for the error if a saved tensor is later
    # modified in place (frames: record, its adapter, the seam's handler)
    site = _callsite.current(3) if (saved_inputs is not None or deriv.save_result or mutated is not None) else None
    node = OpNode(deriv, edges, metas, attrs, site)
    node._saved_inputs = saved_inputs
    outputs = (result,) if single else result
    node._num_outputs = len(outputs)
    for i, o in enumerate(outputs):
        dt = o.dtype
        if dt.is_floating_point or dt.is_complex:
            o._requires_grad = True
            d = o.__dict__
            d["_grad_fn"] = node
            if i or mutated is not None:
                d["_output_nr"] = i
    if deriv.save_result:
        node._saved_outputs = [SavedTensor(o, True, i) for i, o in enumerate(outputs)]
    if mutated is not None:
        from ._views import after_inplace

        _callsite.note_inplace(outputs[0], site)
        after_inplace(inputs[mutated], node)
    return result


_NO_EDGE = (None, 0)


def _save_input(x, will_be_overwritten: bool):
    if not isinstance(x, Tensor):
        return x
    if will_be_overwritten:  # keep the value from before the in-place write
        with _NoGrad():
            return SavedTensor(x.clone(), False)
    return SavedTensor(x, False)


def _not_implemented(key):
    def formula(ctx, *grads):
        raise NotImplementedError(f"the derivative for '{key}' is not implemented.")

    return formula
