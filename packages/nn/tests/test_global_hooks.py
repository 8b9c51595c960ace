# SPDX-License-Identifier: BSD-3-Clause
"""Global module hooks (``register_module_*``) against PyTorch: order, return
values, ``always_call``, backward hooks, registration hooks and removal."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.modules.module as tmod
from helpers import assert_close, load_from_torch

import ember
import ember.nn as enn
import ember.nn.modules as emodules
import ember.nn.modules.module as emod

_NAMES = [
    "register_module_forward_pre_hook",
    "register_module_forward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_full_backward_hook",
    "register_module_buffer_registration_hook",
    "register_module_module_registration_hook",
    "register_module_parameter_registration_hook",
]


@pytest.fixture
def handles():
    """Handles registered by a test, removed afterwards whatever happens."""
    hs: list = []
    yield hs
    for h in hs:
        h.remove()


def _both(handles, name, make_hook, **kwargs):
    """Registers ``make_hook(lib)`` as the global hook ``name`` in ember and torch."""
    handles.append(getattr(emod, name)(make_hook("ember"), **kwargs))
    handles.append(getattr(tmod, name)(make_hook("torch"), **kwargs))


def _mlp(lib):
    nn = enn if lib == "ember" else torch.nn
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def _pair(seed=0):
    torch.manual_seed(seed)
    tm, em = _mlp("torch"), _mlp("ember")
    load_from_torch(em, tm)
    return em, tm


def _x(shape=(5, 3), requires_grad=False, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return ember.tensor(x, requires_grad=requires_grad), torch.tensor(x, requires_grad=requires_grad)


def test_exported_where_pytorch_has_them():
    for name in _NAMES:
        assert callable(getattr(emod, name))
        assert getattr(emodules, name) is getattr(emod, name)
        assert hasattr(tmod, name)
    assert not any(name in enn.__dict__ for name in _NAMES)  # not in ember.nn itself, as torch.nn


def test_forward_order_global_before_module_hooks_matches_torch(handles):
    events = {"ember": [], "torch": []}

    def recorder(kind):
        return lambda lib: lambda mod, *a: events[lib].append((kind, type(mod).__name__))

    _both(handles, "register_module_forward_pre_hook", recorder("global_pre"))
    _both(handles, "register_module_forward_hook", recorder("global_post"))
    em, tm = _pair()
    for lib, m in (("ember", em), ("torch", tm)):
        m[0].register_forward_pre_hook(lambda mod, args, lib=lib: events[lib].append(("pre", "Linear")))
        m[0].register_forward_hook(lambda mod, args, out, lib=lib: events[lib].append(("post", "Linear")))
    ex, tx = _x()
    assert_close(em(ex), tm(tx))
    assert events["ember"] == events["torch"]
    assert events["ember"][:4] == [
        ("global_pre", "Sequential"),
        ("global_pre", "Linear"),
        ("pre", "Linear"),
        ("global_post", "Linear"),
    ]


@pytest.mark.parametrize("as_tuple", [False, True])
def test_global_pre_hook_result_replaces_input_before_module_pre_hook(handles, as_tuple):
    seen = {"ember": [], "torch": []}

    def make(lib):
        def hook(mod, args):
            if isinstance(mod, (enn.Linear, torch.nn.Linear)):
                return (args[0] * 2,) if as_tuple else args[0] * 2  # a bare tensor is wrapped in a tuple
            return None

        return hook

    _both(handles, "register_module_forward_pre_hook", make)
    em, tm = _pair()
    for lib, m in (("ember", em), ("torch", tm)):
        m[0].register_forward_pre_hook(lambda mod, args, lib=lib: seen[lib].append(args[0].detach().numpy().copy()))
    ex, tx = _x()
    assert_close(em(ex), tm(tx))
    np.testing.assert_allclose(seen["ember"][0], seen["torch"][0], rtol=1e-6)
    np.testing.assert_allclose(seen["ember"][0], ex.numpy() * 2)


def test_global_forward_hook_result_replaces_output_before_module_hook(handles):
    seen = {"ember": [], "torch": []}

    def make(lib):
        return lambda mod, args, out: out + 1 if isinstance(mod, (enn.Tanh, torch.nn.Tanh)) else None

    _both(handles, "register_module_forward_hook", make)
    em, tm = _pair()
    for lib, m in (("ember", em), ("torch", tm)):
        # the module's own hook sees the output the global hook made, and may replace it in turn
        m[1].register_forward_hook(lambda mod, a, out, lib=lib: seen[lib].append(float(out.detach().min())) or out * 3)
    ex, tx = _x()
    assert_close(em(ex), tm(tx), rtol=1e-5, atol=1e-5)
    assert seen["ember"][0] == pytest.approx(seen["torch"][0], rel=1e-6) and seen["ember"][0] >= 0


def test_global_forward_hook_with_kwargs(handles):
    seen = {"ember": [], "torch": []}

    def make(lib):
        return lambda mod, args, kwargs, out: seen[lib].append((len(args), sorted(kwargs), tuple(out.shape)))

    _both(handles, "register_module_forward_hook", make, with_kwargs=True)
    em, tm = enn.Linear(3, 2), torch.nn.Linear(3, 2)
    ex, tx = _x()
    em(input=ex)
    tm(input=tx)
    assert seen["ember"] == seen["torch"] == [(0, ["input"], (5, 2))]


def _failing(nn):
    class Failing(nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    return Failing()


def test_always_call_runs_when_forward_raises(handles):
    calls = {"ember": [], "torch": []}

    def make_always(lib):
        return lambda mod, args, out: calls[lib].append(("always", out))

    def make_plain(lib):
        return lambda mod, args, out: calls[lib].append(("plain", out))

    _both(handles, "register_module_forward_hook", make_always, always_call=True)
    _both(handles, "register_module_forward_hook", make_plain)
    for nn, x in ((enn, ember.ones(2)), (torch.nn, torch.ones(2))):
        with pytest.raises(ValueError, match="forward failed"):
            _failing(nn)(x)
    assert calls["ember"] == calls["torch"] == [("always", None)]
    calls["ember"].clear()
    enn.Identity()(ember.ones(1))  # no exception: an always_call hook runs once, in order
    assert [c[0] for c in calls["ember"]] == ["always", "plain"]


def test_always_call_hook_error_becomes_a_warning(handles):
    def bad(mod, args, out):
        raise KeyError("hook failed")

    handles.append(emod.register_module_forward_hook(bad, always_call=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="forward failed"):
            _failing(enn)(ember.ones(2))
    assert any("global module forward hook with ``always_call=True``" in str(w.message) for w in caught)


def test_always_call_runs_when_a_pre_hook_raises(handles):
    calls = []
    handles.append(emod.register_module_forward_hook(lambda m, a, o: calls.append(o), always_call=True))
    m = enn.Identity()
    m.register_forward_pre_hook(lambda mod, args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        m(ember.ones(1))
    assert calls == [None]


def test_backward_hooks_global_first_and_grads_match_torch(handles):
    events = {"ember": [], "torch": []}

    def grads(gs):
        return [None if g is None else g.detach().numpy().copy() for g in gs]

    def make_pre(lib):
        return lambda mod, gout: events[lib].append(("global_pre", type(mod).__name__, grads(gout)))

    def make_full(lib):
        return lambda mod, gin, gout: events[lib].append(("global", type(mod).__name__, grads(gin) + grads(gout)))

    _both(handles, "register_module_full_backward_pre_hook", make_pre)
    _both(handles, "register_module_full_backward_hook", make_full)
    em, tm = _pair()
    for lib, m in (("ember", em), ("torch", tm)):
        m[2].register_full_backward_pre_hook(lambda mod, gout, lib=lib: events[lib].append(("pre", "Linear", [])))
        m[2].register_full_backward_hook(lambda mod, gin, gout, lib=lib: events[lib].append(("full", "Linear", [])))
    ex, tx = _x(requires_grad=True)
    em(ex).sum().backward()
    tm(tx).sum().backward()
    assert [e[:2] for e in events["ember"]] == [e[:2] for e in events["torch"]]
    assert [e[:2] for e in events["ember"]][:4] == [
        ("global_pre", "Sequential"),
        ("global_pre", "Linear"),
        ("pre", "Linear"),
        ("global", "Linear"),
    ]
    for (_, _, a), (_, _, b) in zip(events["ember"], events["torch"]):
        assert len(a) == len(b)
        for ga, gb in zip(a, b):
            assert (ga is None) == (gb is None)
            if ga is not None:
                np.testing.assert_allclose(ga, gb, rtol=1e-5, atol=1e-6)
    assert_close(ex.grad, tx.grad)


def test_global_backward_hooks_replace_gradients(handles):
    def make_pre(lib):
        return lambda mod, gout: tuple(g * 2 for g in gout) if isinstance(mod, (enn.Tanh, torch.nn.Tanh)) else None

    def make_full(lib):
        def hook(mod, gin, gout):
            return tuple(g + 1 for g in gin) if isinstance(mod, (enn.Sequential, torch.nn.Sequential)) else None

        return hook

    _both(handles, "register_module_full_backward_pre_hook", make_pre)
    _both(handles, "register_module_full_backward_hook", make_full)
    em, tm = _pair()
    ex, tx = _x(requires_grad=True)
    em(ex).sum().backward()
    tm(tx).sum().backward()
    assert_close(ex.grad, tx.grad)
    assert_close(em[0].weight.grad, tm[0].weight.grad)


def test_backward_pre_hook_wrong_length_raises_like_torch(handles):
    handles.append(emod.register_module_full_backward_pre_hook(lambda mod, gout: (gout[0], gout[0])))
    handles.append(tmod.register_module_full_backward_pre_hook(lambda mod, gout: (gout[0], gout[0])))
    ex, tx = _x(requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid number of grad_output") as te:
        torch.nn.Linear(3, 2)(tx).sum().backward()
    with pytest.raises(type(te.value), match="invalid number of grad_output"):
        enn.Linear(3, 2)(ex).sum().backward()


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_backward_hook_without_inputs_needing_grad_may_not_replace_them(handles):
    handles.append(emod.register_module_full_backward_hook(lambda mod, gin, gout: (ember.ones(1),)))
    handles.append(tmod.register_module_full_backward_hook(lambda mod, gin, gout: (torch.ones(1),)))
    ex, tx = _x()
    with pytest.raises(RuntimeError, match="no input requires gradient") as te:
        torch.nn.Linear(3, 2)(tx).sum().backward()
    with pytest.raises(type(te.value), match="no input requires gradient"):
        enn.Linear(3, 2)(ex).sum().backward()


def test_registration_hooks_see_what_torch_sees(handles):
    events = {"ember": [], "torch": []}

    def recorder(kind):
        return lambda lib: lambda mod, name, value: events[lib].append((kind, type(mod).__name__, name, value is None))

    for kind in ("buffer", "module", "parameter"):
        _both(handles, f"register_module_{kind}_registration_hook", recorder(kind))
    for nn in (enn, torch.nn):
        lib = "ember" if nn is enn else "torch"
        m = nn.Sequential(nn.Linear(2, 3, bias=False), nn.BatchNorm1d(3))
        m.extra = nn.Linear(3, 1)
        m.register_buffer("scale", None)
        m.extra = None  # assigning None to a submodule runs the module hooks too
        events[lib].append(("done",))
    assert events["ember"] == events["torch"]
    assert ("parameter", "Linear", "weight", False) in events["ember"]
    assert ("parameter", "Linear", "bias", True) not in events["ember"]  # a None parameter runs no hook
    assert ("buffer", "BatchNorm1d", "running_mean", False) in events["ember"]


def test_registration_hooks_may_replace_the_value(handles):
    made = []

    def new_param(mod, name, param):
        if name != "weight":
            return None
        made.append(enn.Parameter(ember.zeros(param.shape)))
        return made[-1]

    handles.append(emod.register_module_parameter_registration_hook(new_param))
    handles.append(emod.register_module_buffer_registration_hook(lambda mod, name, b: b + 5 if b is not None else None))
    handles.append(
        emod.register_module_module_registration_hook(lambda mod, name, sub: enn.Identity() if name == "1" else None)
    )
    m = enn.Sequential(enn.Linear(2, 2), enn.BatchNorm1d(2))
    assert m[0].weight is made[0]  # the layer's own initialisation then fills it in place
    assert isinstance(m[1], enn.Identity)
    m.register_buffer("count", ember.zeros(1))
    assert float(m.count) == 5
    m.count = ember.ones(1)  # assigning a registered buffer goes through register_buffer
    assert float(m.count) == 6


def test_removed_hooks_stop_and_the_fast_path_returns(handles, monkeypatch):
    calls = []
    h1 = emod.register_module_forward_pre_hook(lambda m, a: calls.append("pre"))
    h2 = emod.register_module_forward_hook(lambda m, a, o: calls.append("post"), always_call=True)
    h3 = emod.register_module_full_backward_hook(lambda m, gi, go: calls.append("bwd"))
    with emod.register_module_full_backward_pre_hook(lambda m, go: calls.append("bwd_pre")):
        x = ember.ones(1, 2, requires_grad=True)
        enn.Linear(2, 1)(x).sum().backward()
    assert calls == ["pre", "post", "bwd_pre", "bwd"]
    for h in (h1, h2, h3):
        h.remove()
    h2.remove()  # removing twice is harmless
    assert not emod._global_forward_hooks_always_called

    def hooked_path(*a):
        raise AssertionError("a module without hooks took the hooked path")

    monkeypatch.setattr(emod._hooks, "call_with_hooks", hooked_path)
    calls.clear()
    enn.Linear(2, 1)(ember.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == []


def test_hook_must_be_callable():
    for name in _NAMES:
        with pytest.raises(TypeError, match="hook must be callable"):
            getattr(emod, name)(3)
