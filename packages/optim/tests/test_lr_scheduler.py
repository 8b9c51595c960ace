# SPDX-License-Identifier: BSD-3-Clause
"""Each scheduler's lr (and momentum) sequence equals PyTorch's exactly."""

from __future__ import annotations

import math
import warnings

import pytest
from optim_oracle import make_params, torch

import ember
import ember.optim as eoptim


def lam(epoch: int) -> float:
    return 0.95**epoch


def mult(epoch: int) -> float:
    return 0.9 if epoch % 3 else 1.05


# (name, kwargs, optimizer name); lambdas are module-level so both libraries share them
SCHEDULERS = [
    ("LambdaLR", {"lr_lambda": lam}, "SGD"),
    ("LambdaLR", {"lr_lambda": [lam, lambda e: 1 / (e + 1)]}, "SGD"),
    ("MultiplicativeLR", {"lr_lambda": mult}, "SGD"),
    ("StepLR", {"step_size": 7, "gamma": 0.5}, "SGD"),
    ("MultiStepLR", {"milestones": [5, 12, 12, 30], "gamma": 0.3}, "SGD"),
    ("ConstantLR", {"factor": 0.25, "total_iters": 6}, "SGD"),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.9, "total_iters": 13}, "SGD"),
    ("ExponentialLR", {"gamma": 0.93}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}, "SGD"),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 2, "eta_min": 0.01}, "SGD"),
    ("CosineAnnealingWarmRestarts", {"T_0": 7}, "SGD"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}, "SGD"),
    (
        "CyclicLR",
        {"base_lr": [0.01, 0.02], "max_lr": 0.2, "step_size_up": 3, "step_size_down": 5, "mode": "triangular2"},
        "SGD",
    ),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "mode": "exp_range", "gamma": 0.97}, "Adam"),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 41}, "SGD"),
    (
        "OneCycleLR",
        {"max_lr": [0.5, 0.2], "epochs": 4, "steps_per_epoch": 11, "anneal_strategy": "linear", "three_phase": True},
        "Adam",
    ),
    ("PolynomialLR", {"total_iters": 17, "power": 2.0}, "SGD"),
]
STEPS = 40


def build(lib, sched_name: str, kwargs: dict, opt_name: str) -> tuple:
    ep, tp = make_params()
    params = ep if lib is ember else tp
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = getattr(lib.optim, opt_name)([{"params": params[:2]}, {"params": params[2:], "lr": 0.05}], lr=0.1, **extra)
    return opt, getattr(lib.optim.lr_scheduler, sched_name)(opt, **kwargs)


def trace(opt, sched, steps: int = STEPS) -> list:
    out = []
    for _ in range(steps):
        opt.step()
        sched.step()
        group_m = [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
        out.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], group_m))
    return out


@pytest.mark.parametrize("name,kwargs,opt_name", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SCHEDULERS)])
def test_sequence_matches_torch(name: str, kwargs: dict, opt_name: str) -> None:
    eopt, esched = build(ember, name, kwargs, opt_name)
    topt, tsched = build(torch, name, kwargs, opt_name)
    assert esched.get_last_lr() == tsched.get_last_lr()
    limit = STEPS if name != "OneCycleLR" else esched.total_steps - 1
    assert trace(eopt, esched, limit) == trace(topt, tsched, limit)


@pytest.mark.parametrize("name,kwargs,opt_name", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SCHEDULERS)])
def test_state_dict_resume(name: str, kwargs: dict, opt_name: str, tmp_path) -> None:
    """Stop half way, save optimizer and scheduler to disk, resume: the same sequence."""
    topt, tsched = build(torch, name, kwargs, opt_name)
    expected = trace(topt, tsched, 30)
    eopt, esched = build(ember, name, kwargs, opt_name)
    first = trace(eopt, esched, 15)
    state = esched.state_dict()
    saveable = {k: v for k, v in state.items() if k != "lr_lambdas"}
    ember.save({"opt": eopt.state_dict(), "sched": saveable}, tmp_path / "ckpt.pt")
    ckpt = ember.load(tmp_path / "ckpt.pt")
    eopt2, esched2 = build(ember, name, kwargs, opt_name)
    eopt2.load_state_dict(ckpt["opt"])
    if "lr_lambdas" in state:
        ckpt["sched"]["lr_lambdas"] = state["lr_lambdas"]
    esched2.load_state_dict(ckpt["sched"])
    assert first + trace(eopt2, esched2, 15) == expected


CHAINS = [
    ("ExponentialLR", {"gamma": 0.9}, "StepLR", {"step_size": 4, "gamma": 0.5}),
    ("CosineAnnealingLR", {"T_max": 9}, "MultiStepLR", {"milestones": [6, 20]}),
    ("LinearLR", {"start_factor": 0.2, "total_iters": 8}, "ExponentialLR", {"gamma": 0.97}),
]


@pytest.mark.parametrize("a,akw,b,bkw", CHAINS)
def test_two_schedulers_chain(a: str, akw: dict, b: str, bkw: dict) -> None:
    """Two chainable schedulers on one optimizer compose their factors, as in PyTorch."""
    results = []
    for lib in (ember, torch):
        opt, s1 = build(lib, a, akw, "SGD")
        s2 = getattr(lib.optim.lr_scheduler, b)(opt, **bkw)
        seq = []
        for _ in range(STEPS):
            opt.step()
            s1.step()
            s2.step()
            seq.append([g["lr"] for g in opt.param_groups])
        results.append(seq)
    assert results[0] == results[1]


def composite(lib, kind: str) -> tuple:
    opt, _ = build(lib, "ConstantLR", {"factor": 1.0, "total_iters": 0}, "SGD")
    ls = lib.optim.lr_scheduler
    s1 = ls.LinearLR(opt, start_factor=0.1, total_iters=5)
    s2 = ls.CosineAnnealingLR(opt, T_max=12, eta_min=0.001)
    s3 = ls.ExponentialLR(opt, gamma=0.9)
    if kind == "sequential":
        return opt, ls.SequentialLR(opt, [s1, s2, s3], milestones=[5, 17])
    return opt, ls.ChainedScheduler([s1, s3], optimizer=opt)


@pytest.mark.parametrize("kind", ["sequential", "chained"])
def test_composite_schedulers(kind: str, tmp_path) -> None:
    eopt, esched = composite(ember, kind)
    topt, tsched = composite(torch, kind)
    assert esched.get_last_lr() == tsched.get_last_lr()
    assert trace(eopt, esched, 20) == trace(topt, tsched, 20)
    # state dict round trip mid-run
    ember.save(esched.state_dict(), tmp_path / "s.pt")
    eopt2, esched2 = composite(ember, kind)
    eopt2.load_state_dict(eopt.state_dict())
    esched2.load_state_dict(ember.load(tmp_path / "s.pt"))
    assert trace(eopt2, esched2, 15) == trace(topt, tsched, 15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 2, "factor": 0.5},
        {
            "mode": "max",
            "threshold_mode": "abs",
            "threshold": 0.1,
            "cooldown": 2,
            "patience": 1,
            "min_lr": [0.01, 0.002],
        },
    ],
)
def test_reduce_lr_on_plateau(kwargs: dict) -> None:
    metrics = [1.0 / (1 + i) if i < 8 else 0.2 + 0.01 * math.sin(i) for i in range(40)]
    if kwargs.get("mode") == "max":
        metrics = [-m for m in metrics]
    seqs = []
    for lib in (ember, torch):
        opt, sched = build(lib, "ReduceLROnPlateau", kwargs, "SGD")
        seq = []
        for m in metrics:
            opt.step()
            sched.step(m)
            seq.append(list(sched.get_last_lr()))
        seqs.append((seq, sched.best, sched.num_bad_epochs))
    assert seqs[0] == seqs[1]


CLOSED_FORM = [
    ("StepLR", {"step_size": 3}),
    ("CosineAnnealingLR", {"T_max": 6}),
    ("MultiStepLR", {"milestones": [2, 5]}),
    ("PolynomialLR", {"total_iters": 6}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2}),
]


@pytest.mark.parametrize("name,kwargs", CLOSED_FORM)
def test_closed_form_with_epoch(name: str, kwargs: dict) -> None:
    """``step(epoch)`` uses the closed form (and warns), as in PyTorch."""
    seqs = []
    for lib in (ember, torch):
        opt, sched = build(lib, name, kwargs, "SGD")
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]:
                sched.step(epoch)
                seq.append(list(sched.get_last_lr()))
        seqs.append(seq)
    assert seqs[0] == seqs[1]
    opt, sched = build(ember, name, kwargs, "SGD")
    opt.step()
    if name != "CosineAnnealingWarmRestarts":
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(2)


def test_warnings_and_errors() -> None:
    opt, sched = build(ember, "StepLR", {"step_size": 2}, "SGD")
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        eoptim.lr_scheduler.StepLR(object(), step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        eoptim.lr_scheduler.StepLR(eoptim.SGD(make_params()[0], lr=0.1), 2, last_epoch=3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        eoptim.lr_scheduler.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        eoptim.lr_scheduler.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(ValueError, match="total_steps"):
        eoptim.lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="momentum or beta1"):
        eoptim.lr_scheduler.CyclicLR(eoptim.Adagrad(make_params()[0]), 0.1, 1.0)
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        eoptim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    one = eoptim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    opt.step()
    one.step()
    one.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        one.step()
