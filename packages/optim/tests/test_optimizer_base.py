# SPDX-License-Identifier: BSD-3-Clause
"""The Optimizer base: errors, groups, hooks, zero_grad and state dicts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from optim_oracle import assert_close, make_params, set_grads, torch

import ember
import ember.optim as eoptim

torch_required = __import__("torch.optim.optimizer", fromlist=["required"]).required


def errors(fn_e, fn_t) -> tuple:
    """Run the same call in both libraries; return both exceptions."""
    with pytest.raises(Exception) as e_info:
        fn_e()
    with pytest.raises(Exception) as t_info:
        fn_t()
    return e_info.value, t_info.value


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, ps: lib.optim.SGD([], lr=0.1),
        lambda lib, ps: lib.optim.SGD([{"params": set(ps)}], lr=0.1),
        lambda lib, ps: lib.optim.SGD(ps[0], lr=0.1),
        lambda lib, ps: lib.optim.SGD([{"params": ps[:2]}, {"params": ps[1:]}], lr=0.1),
        lambda lib, ps: lib.optim.SGD(ps, lr=-1.0),
        lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=-0.5),
        lambda lib, ps: lib.optim.SGD(ps, lr=0.1, nesterov=True),
        lambda lib, ps: lib.optim.SGD([1.0, 2.0], lr=0.1),
        lambda lib, ps: lib.optim.SGD([ps[0] * 2], lr=0.1),
        lambda lib, ps: lib.optim.Adam(ps, betas=(1.0, 0.9)),
        lambda lib, ps: lib.optim.Adam(ps, betas=(0.9, -0.1)),
        lambda lib, ps: lib.optim.Adam(ps, eps=-1.0),
        lambda lib, ps: lib.optim.AdamW(ps, weight_decay=-1.0),
        lambda lib, ps: lib.optim.RMSprop(ps, alpha=-1.0),
        lambda lib, ps: lib.optim.Adagrad(ps, lr_decay=-1.0),
        lambda lib, ps: lib.optim.Adadelta(ps, rho=1.5),
        lambda lib, ps: lib.optim.NAdam(ps, momentum_decay=-1.0),
        lambda lib, ps: lib.optim.LBFGS([{"params": ps[:1]}, {"params": ps[1:]}]),
        lambda lib, ps: lib.optim.SGD(ps, lr=0.1).add_param_group(ps),
        lambda lib, ps: lib.optim.SGD(ps[:2], lr=0.1).add_param_group({"params": ps[1:]}),
        lambda lib, ps: lib.optim.Optimizer(ps, {"lr": eoptim.optimizer.required})
        if lib is ember
        else lib.optim.Optimizer(ps, {"lr": torch_required}),
    ],
)
def test_errors_match_torch(make) -> None:
    ep, tp = make_params()
    e, t = errors(lambda: make(ember, ep), lambda: make(torch, tp))
    assert type(e) is type(t), (e, t)
    key = str(t).split(",")[0].replace("torch.", "").replace("Tensor", "")[:40]
    assert key in str(e).replace("ember.", "").replace("Tensor", ""), (str(e), str(t))


def test_duplicate_params_warn() -> None:
    ep, _ = make_params()
    with pytest.warns(UserWarning, match="duplicate parameters"):
        eoptim.SGD([ep[0], ep[0]], lr=0.1)


def test_defaults_and_groups_match_torch() -> None:
    ep, tp = make_params()
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS"]:
        eo = getattr(eoptim, name)(ep, lr=0.1)
        to = getattr(torch.optim, name)(tp, lr=0.1)
        assert eo.defaults == to.defaults, name
        eg = {k: v for k, v in eo.param_groups[0].items() if k != "params"}
        tg = {k: v for k, v in to.param_groups[0].items() if k != "params"}
        assert eg == tg, name


def test_add_param_group_uses_defaults() -> None:
    ep, _ = make_params()
    opt = eoptim.SGD(ep[:2], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": ep[2], "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["params"] == [ep[2]]


def test_zero_grad() -> None:
    ep, _ = make_params()
    opt = eoptim.SGD(ep, lr=0.1)
    for p in ep:
        p.grad = ember.ones(p.shape)
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and float(p.grad.abs().sum()) == 0 for p in ep)
    opt.zero_grad()
    assert all(p.grad is None for p in ep)


def test_step_hooks() -> None:
    ep, _ = make_params()
    opt = eoptim.Adam(ep)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o)))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o)))
    set_grads(np.random.default_rng(0), ep, [torch.zeros(1)] * 0 or [torch.zeros(p.shape) for p in ep])
    opt.step()
    assert calls == [("pre", opt), ("post", opt)]
    h1.remove()
    h2.remove()
    opt.step()
    assert len(calls) == 2
    # a pre hook can replace the arguments
    seen = []
    opt.register_step_pre_hook(lambda o, args, kwargs: ((), {"closure": lambda: seen.append(1) or 3.0}))
    assert opt.step() == 3.0 and seen == [1]


def test_global_step_hook() -> None:
    ep, _ = make_params()
    opt = eoptim.SGD(ep, lr=0.1)
    calls = []
    handle = eoptim.optimizer.register_optimizer_step_post_hook(lambda o, a, k: calls.append(o))
    try:
        opt.step()
    finally:
        handle.remove()
    opt.step()
    assert calls == [opt]


OPTS = [
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("RMSprop", {"centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1}),
    ("Adadelta", {}),
    ("Adamax", {}),
    ("NAdam", {}),
    ("RAdam", {}),
]


@pytest.mark.parametrize("name,kwargs", OPTS, ids=[n for n, _ in OPTS])
def test_state_dict_resume_from_disk(name: str, kwargs: dict, tmp_path) -> None:
    """Save mid-run, load into a fresh optimizer on copies of the params: same trajectory."""
    ep, tp = make_params(7)
    eo = getattr(eoptim, name)([{"params": ep[:2]}, {"params": ep[2:], "lr": 0.02}], **kwargs)
    to = getattr(torch.optim, name)([{"params": tp[:2]}, {"params": tp[2:], "lr": 0.02}], **kwargs)
    rng = np.random.default_rng(8)
    for _ in range(10):
        set_grads(rng, ep, tp)
        eo.step()
        to.step()
    ember.save({"opt": eo.state_dict(), "params": [p.detach() for p in ep]}, tmp_path / "ckpt.pt")

    ckpt = ember.load(tmp_path / "ckpt.pt")
    ep2 = [p.clone().requires_grad_(True) for p in ckpt["params"]]
    eo2 = getattr(eoptim, name)([{"params": ep2[:2]}, {"params": ep2[2:]}], **kwargs)
    eo2.load_state_dict(ckpt["opt"])
    assert eo2.param_groups[1]["lr"] == 0.02
    sd1, sd2 = eo.state_dict(), eo2.state_dict()
    assert sd1["param_groups"] == sd2["param_groups"]
    assert sd1["state"].keys() == sd2["state"].keys()
    for _ in range(10):
        state = rng.bit_generator.state
        set_grads(rng, ep, tp)
        rng.bit_generator.state = state
        set_grads(rng, ep2, tp)
        eo.step()
        eo2.step()
        to.step()
    assert_close(ep2, tp)
    assert_close(ep, tp)


def test_state_dict_format_matches_torch() -> None:
    ep, tp = make_params()
    eo, to = eoptim.Adam(ep, lr=0.01), torch.optim.Adam(tp, lr=0.01)
    rng = np.random.default_rng(0)
    for _ in range(3):
        set_grads(rng, ep, tp, skip=1)
        eo.step()
        to.step()
    esd, tsd = eo.state_dict(), to.state_dict()
    assert esd["param_groups"] == tsd["param_groups"]
    assert list(esd["state"]) == list(tsd["state"])
    for k in tsd["state"]:
        assert list(esd["state"][k]) == list(tsd["state"][k])
        assert esd["state"][k]["step"].item() == tsd["state"][k]["step"].item()


def test_load_torch_state_dict() -> None:
    """A torch optimizer's state dict (tensors converted) continues the same trajectory."""
    ep, tp = make_params()
    to = torch.optim.Adam(tp, lr=0.01)
    rng = np.random.default_rng(0)
    for _ in range(5):
        set_grads(rng, ep, tp)
        to.step()
    for e, t in zip(ep, tp):
        with ember.no_grad():
            e.copy_(ember.tensor(t.detach().numpy()))
    tsd = to.state_dict()
    conv = {
        "state": {k: {n: ember.tensor(v.numpy()) for n, v in st.items()} for k, st in tsd["state"].items()},
        "param_groups": tsd["param_groups"],
    }
    eo = eoptim.Adam(ep, lr=0.5)
    eo.load_state_dict(conv)
    assert eo.param_groups[0]["lr"] == 0.01
    for _ in range(5):
        set_grads(rng, ep, tp)
        eo.step()
        to.step()
    assert_close(ep, tp)


def test_load_state_dict_errors() -> None:
    ep, _ = make_params()
    opt = eoptim.SGD(ep, lr=0.1)
    sd = opt.state_dict()
    other = eoptim.SGD([{"params": ep[:1]}, {"params": ep[1:]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict(sd)
    small = eoptim.SGD(ep[:2], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        small.load_state_dict(sd)


def test_user_replaced_state_is_used() -> None:
    """Writing a new tensor into state[p] is honoured at the next step."""
    ep, _ = make_params()
    opt = eoptim.SGD(ep, lr=0.1, momentum=0.9)
    for p in ep:
        p.grad = ember.ones(p.shape)
    opt.step()
    opt.state[ep[0]]["momentum_buffer"] = ember.zeros(ep[0].shape)
    before = ep[0].detach().clone()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
    np.testing.assert_allclose((before - ep[0]).detach().numpy(), np.full(tuple(ep[0].shape), 0.1), rtol=1e-6)


def test_subclass_calling_super_step_runs_hooks_once() -> None:
    class MyAdam(eoptim.Adam):
        def step(self, closure=None):  # noqa: ANN001, ANN202
            return super().step(closure)

    ep, _ = make_params()
    opt = MyAdam(ep)
    calls = []
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    opt.step()
    assert calls == ["pre", "post"]
