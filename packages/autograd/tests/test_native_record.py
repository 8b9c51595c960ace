# SPDX-License-Identifier: BSD-3-Clause
"""The core records pointwise ops natively (Note [Native recording]): the
graph it builds must be the one the Python recorder builds, and the Python
recorder must take over where it has more to do (anomaly mode, saved-tensor
hooks)."""

from __future__ import annotations

import contextlib
import gc
import re
import weakref

import numpy as np
import pytest

import ember
from ember import _C, autograd
from ember.autograd.derivatives import DERIVATIVES
from ember.autograd.graph import SavedTensor


def _differentiable(op_ids):
    return sorted(n for n in op_ids if DERIVATIVES.get(n) is not None and DERIVATIVES[n].formula is not None)


@contextlib.contextmanager
def python_recording():
    prev = _C._set_native_recording(False)
    try:
        yield
    finally:
        _C._set_native_recording(prev)


def _inputs(seed):
    rng = np.random.default_rng(seed)
    a = ember.tensor(rng.uniform(0.5, 1.5, (3, 4)), requires_grad=True)
    b = ember.tensor(rng.uniform(0.5, 1.5, (4,)), requires_grad=True)  # broadcast
    return a, b


def _saved_view(saved):
    if saved is None:
        return None
    out = []
    for s in saved:
        if type(s) is SavedTensor:
            out.append(("saved", s._is_output, s._output_nr, s._version, s._data.tolist()))
        else:
            out.append(("value", s))
    return out


def _node_view(node):
    return (
        type(node),
        node.name(),
        node._deriv,
        [(type(n), nr) for n, nr in node.next_functions],
        node._metas,
        node.attrs,
        node._num_outputs,
        _saved_view(node._saved_inputs),
        _saved_view(node._saved_outputs),
        node._site is None,
    )


def _both_ways(fn, *args):
    """(node view, grads) recorded natively and in Python."""
    views = []
    for recording in (contextlib.nullcontext, python_recording):
        leaves = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, ember.Tensor) else a for a in args]
        with recording():
            y = fn(*leaves)
        view = _node_view(y.grad_fn)
        y.sum().backward()
        grads = [a.grad.numpy() if isinstance(a, ember.Tensor) and a.requires_grad else None for a in leaves]
        views.append((view, grads))
    return views


@pytest.mark.parametrize("name", _differentiable(_C.binary_ops))
@pytest.mark.parametrize("form", ["tensors", "scalar_right", "scalar_left", "one_tracked"])
def test_binary_ops_record_the_same_node_natively(name, form):
    a, b = _inputs(1)
    op = _C.binary_ops[name]
    args = {
        "tensors": (a, b),
        "scalar_right": (a, 1.25),
        "scalar_left": (1.25, a),
        "one_tracked": (a, b.detach()),
    }[form]
    (native, native_grads), (python, python_grads) = _both_ways(lambda x, y: _C.binary(op, x, y), *args)
    assert native == python
    for n, p in zip(native_grads, python_grads):
        assert (n is None and p is None) or np.array_equal(n, p, equal_nan=True)


@pytest.mark.parametrize("name", _differentiable(_C.unary_ops))
def test_unary_ops_record_the_same_node_natively(name):
    a, _ = _inputs(2)
    op = _C.unary_ops[name]
    (native, native_grads), (python, python_grads) = _both_ways(lambda x: _C.unary(op, x), a)
    assert native == python
    assert np.array_equal(native_grads[0], python_grads[0], equal_nan=True)


def test_operators_and_methods_record_natively(monkeypatch):
    from ember.autograd import _prims

    x = ember.tensor([0.5, 1.0], requires_grad=True)
    calls = []
    python_record = _prims.record
    monkeypatch.setattr(_prims, "record", lambda key, *a, **k: calls.append(key) or python_record(key, *a, **k))
    y = (2 - x * 3 + x).exp().sin() / x
    assert calls == []  # no op went through the Python recorder
    with python_recording():
        _ = x * 3
    assert calls == ["mul"]
    assert y.grad_fn.name() == "DivBackward0"
    y.sum().backward()
    xs = x.detach().numpy()
    u = 2 - 2 * xs
    expected = (np.cos(np.exp(u)) * np.exp(u) * -2 * xs - np.sin(np.exp(u))) / xs**2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_out_and_inplace_forms_still_go_through_python():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.add_(1)
    assert y.grad_fn.name() == "AddBackward0"
    with pytest.raises(RuntimeError, match="out=... arguments"):
        ember.add(x, x, out=ember.empty(2))


def test_integer_results_are_not_tracked():
    x = ember.tensor([1.5, -2.0], requires_grad=True)
    assert not (x > 0).requires_grad
    assert (x.floor()).requires_grad  # floor keeps the float dtype (zero gradient)


def test_anomaly_mode_records_in_python_with_the_forward_traceback():
    x = ember.tensor([1.0], requires_grad=True)
    with autograd.detect_anomaly():
        assert _C._set_native_recording(False) is False  # anomaly mode turned it off
        _C._set_native_recording(False)
        y = x.sqrt() * 0.0
        z = (y / y).sum()  # 0/0: NaN in backward
        with pytest.raises(RuntimeError, match="returned nan"):
            z.backward()
    assert _C._set_native_recording(True) is True  # and back on after


def test_saved_tensor_hooks_see_natively_recorded_ops():
    packed = []

    def pack(t):
        packed.append(t)
        return t.detach().clone()

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = (x * x).exp()
    assert len(packed) == 3  # x twice for mul, the result of exp
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0]) * np.exp([1.0, 4.0]), rtol=1e-6)
    z = x * x  # outside the hooks: recorded natively again
    assert z.grad_fn._saved_inputs[0]._unpack is None


def test_inplace_error_names_both_sites_of_natively_recorded_op():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.sin()  # saves y
    y.mul_(3)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as err:
        z.sum().backward()
    text = str(err.value)
    lines = [int(n) for n in re.findall(r'test_native_record.py", line (\d+)', text)]
    assert len(lines) == 2 and lines[0] < lines[1]  # saved by sin, then modified by mul_


def test_native_nodes_are_freed_with_their_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).tanh()
    refs = [weakref.ref(y.grad_fn), weakref.ref(y.grad_fn.next_functions[0][0])]
    gc.disable()
    try:
        del y
        assert [r() for r in refs] == [None, None]  # no reference cycle keeps them
    finally:
        gc.enable()


def test_node_fields_and_sequence():
    x = ember.tensor([1.0], requires_grad=True)
    a = x * 2
    b = a + 1
    assert b.grad_fn._seq > a.grad_fn._seq  # backward runs newer nodes first
    assert isinstance(b.grad_fn, _C.GraphNode)
    b.grad_fn.metadata["k"] = 1
    assert b.grad_fn.metadata == {"k": 1} and vars(b.grad_fn)["_metadata"] == {"k": 1}
    with pytest.raises(TypeError):
        _C._set_native_recorder({}, object, SavedTensor, None, None, {}, {})


def test_replaced_handlers_get_every_call():
    x = ember.tensor([1.0], requires_grad=True)
    handlers = _C._autograd_handler()
    calls = []
    _C._set_autograd_handler({**handlers, "binary": lambda *a: calls.append(a[0]) or handlers["binary"](*a)})
    try:
        y = x * 2
    finally:
        _C._set_autograd_handler(handlers)
    assert calls == [_C.binary_ops["mul"]] and y.grad_fn.name() == "MulBackward0"
    calls.clear()
    _ = x * 2  # the original handlers again: recorded natively
    assert calls == []


@pytest.mark.parametrize("recording", [contextlib.nullcontext, python_recording])
def test_only_inputs_a_needed_gradient_reads_are_saved(recording):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with recording():
        t = x * 1
        y = t * 0.5 + t / 2  # the gradients read only the numbers
        t.add_(1)  # so changing t afterwards is no error, as in PyTorch
        y.sum().backward()
        assert x.grad.tolist() == [1.0, 1.0]
        b = ember.tensor([3.0, 4.0])
        z = x * b  # x's gradient reads b: b is saved, x is not
        assert z.grad_fn._saved_inputs[0] is None
        b.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
