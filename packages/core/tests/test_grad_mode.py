# SPDX-License-Identifier: BSD-3-Clause
"""Grad modes live in the core (per thread) and work without ember-autograd;
the seam calls no handler for tensors that do not require grad."""

import threading

import pytest

import ember
from ember import _C


def test_no_grad_enable_grad_nest_and_restore():
    assert ember.is_grad_enabled()
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        with ember.enable_grad():
            assert ember.is_grad_enabled()
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()


def test_grad_modes_as_decorators_and_generators():
    @ember.no_grad()
    def f():
        return ember.is_grad_enabled()

    @ember.no_grad()
    def gen():
        yield ember.is_grad_enabled()
        yield ember.is_grad_enabled()

    assert f() is False
    assert list(gen()) == [False, False]
    assert ember.is_grad_enabled()


def test_set_grad_enabled_applies_at_once_and_as_context():
    ember.set_grad_enabled(False)
    try:
        assert not ember.is_grad_enabled()
    finally:
        ember.set_grad_enabled(True)
    with ember.set_grad_enabled(False):
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()

    @ember.set_grad_enabled(False)
    def f():
        return ember.is_grad_enabled()

    assert ember.is_grad_enabled(), "decorating must not change the mode"
    assert f() is False


def test_inference_mode():
    with ember.inference_mode():
        assert not ember.is_grad_enabled() and ember.is_inference_mode_enabled()
    with ember.inference_mode(False):
        assert ember.is_grad_enabled() and not ember.is_inference_mode_enabled()
    assert not ember.is_inference_mode_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with ember.no_grad():
        t = threading.Thread(target=lambda: seen.append(ember.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_handler_sees_only_ops_on_tensors_that_require_grad(monkeypatch):
    calls = []
    previous = _C._autograd_handler()

    def handler(op, a, b, out):
        calls.append(("binary", ember.is_grad_enabled()))
        return _C.binary(op, a, b, out)

    _C._set_autograd_handler({"binary": handler})
    try:
        x, y = ember.ones(3), ember.ones(3)
        (x + y).exp().sum()
        assert calls == []
        y._requires_grad = True
        _ = x + y
        assert calls == [("binary", False)], "handlers run with grad mode off"
        assert ember.is_grad_enabled()
        with ember.no_grad():
            _ = x * y
        assert len(calls) == 1
    finally:
        _C._set_autograd_handler(previous)


def test_requires_grad_flags_without_autograd_behave_like_pytorch():
    x = ember.ones(2)
    assert x.requires_grad is False and x.is_leaf and x.grad is None and x.grad_fn is None
    x.requires_grad_(False)
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        y = ember.ones(2)
        y._requires_grad = True
        y.numpy()
    assert y.detach().numpy().tolist() == [1.0, 1.0]


def test_data_assignment_and_set_keep_the_tensor_object():
    x = ember.ones(2, 3)
    alias = x
    x.data = ember.arange(4.0)
    assert x is alias and x.tolist() == [0.0, 1.0, 2.0, 3.0] and x.shape == (4,)
    version = x._version
    y = ember.zeros(2)
    assert x.set_(y) is x and x.tolist() == [0.0, 0.0] and x._version == version + 1
    y.fill_(5)
    assert x.tolist() == [5.0, 5.0], "set_ shares the source's storage"
    with pytest.raises(TypeError):
        x.data = [1.0]
