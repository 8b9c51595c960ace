# SPDX-License-Identifier: BSD-3-Clause
"""Module semantics against PyTorch: registration, traversal, state dicts,
hooks, modes, conversion and printing."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from helpers import assert_close, load_from_torch

import ember
import ember.nn as enn


def _net(nn):
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.act = nn.ReLU()
            self.fc2 = nn.Linear(8, 4)
            self.register_buffer("scale", torch_or_ember(nn).ones(4))
            self.register_buffer("tmp", torch_or_ember(nn).zeros(2), persistent=False)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x))) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(Block(), nn.LayerNorm(4))
            self.heads = nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 2), nn.Linear(4, 3)])
            self.extra = nn.ParameterList([nn.Parameter(torch_or_ember(nn).zeros(3))])
            self.bn = nn.BatchNorm1d(4)

        def forward(self, x):
            h = self.bn(self.encoder(x))
            return [head(h) for head in self.heads]

    return Net()


def torch_or_ember(nn):
    return torch if nn is torch.nn else ember


def test_names_repr_and_state_dict_keys_match_torch():
    tm, em = _net(torch.nn), _net(enn)
    assert repr(em) == repr(tm).replace("torch.float32", "ember.float32")
    assert list(em.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in em.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert [n for n, _ in em.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in em.named_children()] == [n for n, _ in tm.named_children()]
    load_from_torch(em, tm)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    for a, b in zip(em(ember.tensor(x)), tm(torch.tensor(x))):
        assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_parameter_identity_and_isinstance():
    t = ember.randn(3)
    p = enn.Parameter(t)
    assert isinstance(p, enn.Parameter) and isinstance(p, ember.Tensor)
    assert not isinstance(t, enn.Parameter)
    assert p.requires_grad and p.is_leaf and p.data_ptr() == t.data_ptr()
    assert not enn.Parameter(t, requires_grad=False).requires_grad
    m = enn.Linear(2, 3)
    assert isinstance(m.weight, enn.Parameter)
    assert m.get_parameter("weight") is m.weight
    with pytest.raises(TypeError, match="cannot assign 'ember.FloatTensor' as parameter 'weight'"):
        m.weight = ember.zeros(3, 2)
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor"):
        m.register_parameter("w2", (p * 2).__dict__.update({"_nn_parameter": True}) or _marked(p * 2))
    with pytest.raises(KeyError):
        m.register_parameter("a.b", enn.Parameter(ember.zeros(1)))


def _marked(t):
    t.__dict__["_nn_parameter"] = True
    return t


def test_attribute_magic_and_registration():
    m = enn.Module()
    m.w = enn.Parameter(ember.zeros(2))
    m.sub = enn.Linear(2, 2)
    m.register_buffer("b", ember.ones(2))
    m.plain = 3
    assert set(m._parameters) == {"w"} and set(m._modules) == {"sub"} and set(m._buffers) == {"b"}
    m.b = ember.zeros(2)  # reassigning a buffer keeps it a buffer
    assert "b" in m._buffers and m.b.sum().item() == 0
    m.buf2 = enn.Buffer(ember.ones(1), persistent=False)
    assert "buf2" in m._buffers and "buf2" not in m.state_dict()
    m.w = None
    assert m._parameters["w"] is None and "w" not in dict(m.named_parameters())
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        _ = m.nope
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        m.register_buffer("plain", ember.zeros(1))
    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):

        class Bad(enn.Module):
            def __init__(self):
                self.w = enn.Parameter(ember.zeros(1))

        Bad()
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        enn.Module(foo=1)


def test_shared_parameters_counted_once():
    a = enn.Linear(3, 3)
    seq = enn.Sequential(a, enn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_load_state_dict_errors_match_torch():
    tm, em = torch.nn.Sequential(torch.nn.Linear(2, 3)), enn.Sequential(enn.Linear(2, 3))
    sd_t = {"0.weight": torch.zeros(3, 2), "1.bias": torch.zeros(3)}
    sd_e = {"0.weight": ember.zeros(3, 2), "1.bias": ember.zeros(3)}
    with pytest.raises(RuntimeError) as te:
        tm.load_state_dict(sd_t)
    with pytest.raises(RuntimeError) as ee:
        em.load_state_dict(sd_e)
    assert str(ee.value) == str(te.value)
    assert 'Missing key(s) in state_dict: "0.bias"' in str(ee.value)
    assert 'Unexpected key(s) in state_dict: "1.bias"' in str(ee.value)
    res_t, res_e = tm.load_state_dict(sd_t, strict=False), em.load_state_dict(sd_e, strict=False)
    assert (res_e.missing_keys, res_e.unexpected_keys) == (res_t.missing_keys, res_t.unexpected_keys)
    with pytest.raises(RuntimeError) as te:
        tm.load_state_dict({"0.weight": torch.zeros(3, 3), "0.bias": torch.zeros(3)})
    with pytest.raises(RuntimeError) as ee:
        em.load_state_dict({"0.weight": ember.zeros(3, 3), "0.bias": ember.zeros(3)})
    assert str(ee.value) == str(te.value).replace("torch.Size", "ember.Size")
    assert "size mismatch for 0.weight" in str(ee.value)
    assert repr(em.load_state_dict(em.state_dict())) == "<All keys matched successfully>"
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        em.load_state_dict([1, 2])


def test_load_state_dict_copies_or_assigns():
    m = enn.Linear(2, 2)
    w = m.weight
    new = {"weight": ember.ones(2, 2), "bias": ember.zeros(2)}
    m.load_state_dict(new)
    assert m.weight is w and m.weight.sum().item() == 4
    m.load_state_dict(new, assign=True)
    assert m.weight is not w and m.weight.data_ptr() == new["weight"].data_ptr()
    assert isinstance(m.weight, enn.Parameter) and m.weight.requires_grad
    sd = m.state_dict()
    assert not sd["weight"].requires_grad
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_forward_hooks_and_pre_hooks():
    m = enn.Linear(3, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre") or (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("post") or out + 1)
    y = m(ember.ones(1, 3))
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(y.detach().numpy(), (m.bias + 1).detach().numpy()[None])
    h1.remove()
    h2.remove()
    calls.clear()
    m(ember.ones(1, 3))
    assert calls == []
    seen = {}
    m.register_forward_pre_hook(lambda mod, args, kwargs: seen.update(kwargs), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.update(out_shape=tuple(out.shape)), with_kwargs=True)
    m(input=ember.ones(4, 3))
    assert seen == {"input": seen["input"], "out_shape": (4, 2)}
    order = []
    m2 = enn.Identity()
    m2.register_forward_hook(lambda *a: order.append(1))
    m2.register_forward_hook(lambda *a: order.append(0), prepend=True)
    m2(ember.ones(1))
    assert order == [0, 1]


def test_full_backward_hook_matches_torch():
    def run(nn, lib):
        lib.manual_seed(0)
        m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        rec = []

        def hook(mod, gin, gout):
            rec.append(([None if g is None else g.detach().numpy().copy() for g in gin],
                        [g.detach().numpy().copy() for g in gout]))  # fmt: skip

        for sub in m:
            sub.register_full_backward_hook(hook)
        return m, rec

    tm, trec = run(torch.nn, torch)
    em, erec = run(enn, ember)
    load_from_torch(em, tm)
    x = np.random.default_rng(0).standard_normal((5, 3))
    tx = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    ex = ember.tensor(x, dtype=ember.float32, requires_grad=True)
    tm(tx).sum().backward()
    em(ex).sum().backward()
    assert len(erec) == len(trec) == 3
    for (egi, ego), (tgi, tgo) in zip(erec, trec):
        for a, b in zip(egi + ego, tgi + tgo):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert_close(ex.grad, tx.grad, rtol=1e-5)


def test_backward_hook_can_replace_grad_input_and_sees_none():
    m = enn.Linear(2, 2)
    m.register_full_backward_hook(lambda mod, gin, gout: tuple(g * 0 for g in gin))
    x = ember.ones(1, 2, requires_grad=True)
    m(x).sum().backward()
    assert x.grad.abs().sum().item() == 0
    assert m.weight.grad.abs().sum().item() > 0
    got = []
    m2 = enn.Linear(2, 2)
    m2.register_full_backward_hook(lambda mod, gin, gout: got.append(gin))
    m2(ember.ones(1, 2)).sum().backward()
    assert got == [(None,)]


def test_train_eval_requires_grad_zero_grad():
    m = enn.Sequential(enn.Linear(2, 2), enn.Dropout(0.5), enn.BatchNorm1d(2))
    assert m.training and all(c.training for c in m.children())
    m.eval()
    assert not m.training and not any(c.training for c in m.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")
    m.train()
    m(ember.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad.abs().sum().item() == 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_dtype_and_apply():
    m = enn.Sequential(enn.Linear(2, 3), enn.BatchNorm1d(3))
    a, b = enn.Linear(2, 2), None
    tied = enn.Sequential(a, a)
    m.double()
    assert all(p.dtype == ember.float64 for p in m.parameters())
    assert m[1].running_mean.dtype == ember.float64 and m[1].num_batches_tracked.dtype == ember.int64
    assert all(isinstance(p, enn.Parameter) and p.requires_grad for p in m.parameters())
    assert m(ember.randn(4, 2, dtype=ember.float64)).dtype == ember.float64
    m.to(ember.float32)
    assert all(p.dtype == ember.float32 for p in m.parameters())
    m.half()
    assert m[0].weight.dtype == ember.float16
    m.to(dtype=ember.bfloat16)
    assert m[0].weight.dtype == ember.bfloat16
    with pytest.raises(TypeError, match="only accepts floating point"):
        m.to(ember.int64)
    tied.double()
    assert tied[0].weight is tied[1].weight and b is None
    w = m[0].weight
    m.to("cpu")
    assert m[0].weight is w
    names = []
    m.apply(lambda mod: names.append(type(mod).__name__))
    assert names == ["Linear", "BatchNorm1d", "Sequential"]


def test_get_submodule_and_errors():
    m = _net(enn)
    assert m.get_submodule("encoder.0.fc1") is m.encoder[0].fc1
    with pytest.raises(AttributeError, match="Linear has no attribute `nope`"):
        m.get_submodule("encoder.0.fc1.nope")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        m.get_submodule("encoder.0.fc1.weight")
    with pytest.raises(AttributeError, match="`scale` is not an nn.Parameter"):
        m.get_parameter("encoder.0.scale")
    assert m.get_buffer("encoder.0.scale") is m.encoder[0].scale


def test_deepcopy_keeps_parameters():
    m = enn.Sequential(enn.Linear(2, 2), enn.BatchNorm1d(2))
    m(ember.randn(3, 2)).sum().backward()
    c = copy.deepcopy(m)
    for p, q in zip(m.parameters(), c.parameters()):
        assert isinstance(q, enn.Parameter) and q.requires_grad and q.data_ptr() != p.data_ptr()
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert c[1].num_batches_tracked.item() == 1


def test_containers():
    seq = enn.Sequential(enn.Linear(2, 2), enn.ReLU(), enn.Linear(2, 1))
    assert isinstance(seq[0:2], enn.Sequential) and len(seq[0:2]) == 2
    assert isinstance(seq[-1], enn.Linear)
    del seq[1]
    assert list(seq._modules) == ["0", "1"]
    seq.append(enn.Tanh()).insert(0, enn.Identity())
    assert [type(x).__name__ for x in seq] == ["Identity", "Linear", "Linear", "Tanh"]
    from collections import OrderedDict

    named = enn.Sequential(OrderedDict([("a", enn.ReLU()), ("b", enn.Tanh())]))
    assert list(named._modules) == ["a", "b"]
    ml = enn.ModuleList([enn.ReLU()])
    ml += [enn.Tanh()]
    ml.insert(0, enn.Sigmoid())
    assert [type(x).__name__ for x in ml] == ["Sigmoid", "ReLU", "Tanh"]
    with pytest.raises(IndexError):
        ml[5]
    md = enn.ModuleDict({"x": enn.ReLU()})
    md["y"] = enn.Linear(1, 1)
    assert list(md.keys()) == ["x", "y"] and "y" in md and len(list(md.parameters())) == 2
    pl = enn.ParameterList([ember.zeros(2), enn.Parameter(ember.ones(3))])
    assert all(isinstance(p, enn.Parameter) for p in pl) and len(list(pl.parameters())) == 2
    pd = enn.ParameterDict({"b": ember.zeros(1), "a": ember.ones(2)})
    assert list(pd.keys()) == ["a", "b"] and isinstance(pd["a"], enn.Parameter)
    tpl = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2, 3))])
    epl = enn.ParameterList([enn.Parameter(ember.zeros(2, 3))])
    assert repr(epl) == repr(tpl).replace("torch.", "ember.")


def test_modulelist_repr_compresses_like_torch():
    def build(nn):
        return nn.ModuleList([nn.Linear(2, 3), nn.ReLU(), nn.ReLU(), nn.Linear(3, 3), nn.Linear(3, 3)])

    assert repr(build(enn)) == repr(build(torch.nn))


def test_state_dict_metadata_and_extra_state():
    class WithExtra(enn.Module):
        def __init__(self):
            super().__init__()
            self.count = 0

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]

    m = enn.Sequential(WithExtra())
    m[0].count = 5
    sd = m.state_dict()
    assert sd["0._extra_state"] == {"count": 5}
    m2 = enn.Sequential(WithExtra())
    m2.load_state_dict(sd)
    assert m2[0].count == 5
    assert sd._metadata["0"] == {"version": 1}
