# SPDX-License-Identifier: BSD-3-Clause
"""``differentiable=True``: the step is recorded by autograd, and gradients
through it (to the initial params, the grads, the state and tensor
hyperparameters) match PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
from optim_oracle import torch

import ember
import ember.optim as eoptim
from ember.optim._flat import FlatOptimizer

LIBS = {"ember": ember, "torch": torch}


@pytest.fixture(params=["float64", "float32"])
def step_dtype(request):
    """The default dtype, which is the dtype of Adam's ``step`` and so of its bias
    corrections: float32 ones agree with PyTorch to float32 rounding only (PyTorch
    computes ``number / tensor`` as ``reciprocal() * number``)."""
    saved = ember.get_default_dtype(), torch.get_default_dtype()
    ember.set_default_dtype(getattr(ember, request.param))
    torch.set_default_dtype(getattr(torch, request.param))
    yield request.param
    ember.set_default_dtype(saved[0])
    torch.set_default_dtype(saved[1])


def _t(lib, a, requires_grad=False):
    return LIBS[lib].tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _hyper(lib, kwargs):
    """``kwargs`` with ``("tensor", value)`` entries made 0-dim tensors that require grad."""
    out, leaves = {}, {}
    for key, value in kwargs.items():
        if key == "betas" and isinstance(value[0], tuple):
            out[key] = tuple(_t(lib, v[1], True) for v in value)
            leaves.update({"beta1": out[key][0], "beta2": out[key][1]})
        elif isinstance(value, tuple) and value[:1] == ("tensor",):
            out[key] = leaves[key] = _t(lib, value[1], True)
        else:
            out[key] = value
    return out, leaves


def _meta_gradients(lib, name, kwargs, steps, shift=None):
    """Inner steps on a quadratic-ish loss (grads taken with ``create_graph``), then an
    outer loss differentiated w.r.t. the initial params and the tensor hyperparameters.
    ``shift`` adds to the initial params (``"w0"``) or to a tensor hyperparameter."""
    shift = shift or {}
    rng = np.random.default_rng(0)
    w0 = _t(lib, rng.standard_normal((3, 4)) * 0.5 + shift.get("w0", 0.0), True)
    x = _t(lib, rng.standard_normal((4, 2)) * 0.5)
    target = _t(lib, rng.standard_normal((3, 2)))
    hyper, leaves = _hyper(lib, kwargs)
    with LIBS[lib].no_grad():
        for key, leaf in leaves.items():
            leaf.add_(shift.get(key, 0.0))
    p = w0 * 1.0  # a non-leaf: the optimizer updates it in place
    opt = getattr(LIBS[lib].optim, name)([p], differentiable=True, **hyper)
    for _ in range(steps):
        q = p.clone()  # the inner loss's graph holds q, which the step does not change
        inner = (((q @ x) - target) ** 2).sum() + (q**4).sum() * 0.1
        (p.grad,) = LIBS[lib].autograd.grad(inner, q, create_graph=True)
        opt.step()
    assert p.grad_fn is not None
    outer = ((p @ x).sin() * target).sum()
    outer.backward()
    grads = {"w0": w0.grad, **{k: v.grad for k, v in leaves.items()}}
    return {k: v.detach().numpy() for k, v in grads.items()}, p.detach().numpy(), outer.item()


META_CASES = [
    ("SGD", {"lr": ("tensor", 0.1)}, 3),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.2}, 3),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, 3),
    ("SGD", {"lr": ("tensor", 0.05), "weight_decay": ("tensor", 0.1), "maximize": True}, 2),
    ("SGD", {"lr": ("tensor", 0.1), "momentum": 0.9, "weight_decay": 0.05}, 1),
    ("Adam", {"lr": ("tensor", 0.05)}, 3),
    ("Adam", {"lr": 0.05, "betas": (("tensor", 0.8), ("tensor", 0.95))}, 3),
    ("Adam", {"lr": ("tensor", 0.05), "weight_decay": 0.1, "maximize": True}, 3),
    ("Adam", {"lr": ("tensor", 0.05), "weight_decay": ("tensor", 0.1)}, 2),
    ("Adam", {"lr": ("tensor", 0.05), "amsgrad": True}, 1),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}, 3),
    ("AdamW", {"lr": ("tensor", 0.05), "weight_decay": 0.2}, 3),
    ("AdamW", {"lr": ("tensor", 0.05), "amsgrad": True}, 1),
    ("AdamW", {"lr": 0.05, "betas": (("tensor", 0.7), ("tensor", 0.9)), "weight_decay": 0.1}, 2),
    ("RMSprop", {"lr": 0.01}, 3),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1}, 3),
    ("RMSprop", {"lr": 0.01, "centered": True, "maximize": True}, 1),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5}, 3),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}, 3),
    ("Adadelta", {"maximize": True}, 2),
    ("Adamax", {"lr": 0.05}, 1),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}, 1),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}, 3),
    ("NAdam", {"lr": ("tensor", 0.05)}, 1),
    ("NAdam", {"lr": ("tensor", 0.05), "weight_decay": 0.1, "decoupled_weight_decay": True}, 1),
    ("RAdam", {"lr": ("tensor", 0.05)}, 7),  # past step 5, where the rectified update starts
    ("RAdam", {"lr": ("tensor", 0.05), "weight_decay": 0.1, "decoupled_weight_decay": True}, 7),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}, 3),
]


@pytest.mark.parametrize("name,kwargs,steps", META_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(META_CASES)])
def test_meta_gradients_match_torch(name, kwargs, steps, step_dtype):
    (eg, ep, _), (tg, tp, _) = (_meta_gradients(lib, name, kwargs, steps) for lib in ("ember", "torch"))
    rtol = 1e-9 if step_dtype == "float64" or name == "SGD" else 1e-5
    np.testing.assert_allclose(ep, tp, rtol=rtol, atol=1e-12)
    assert eg.keys() == tg.keys()
    for key in tg:
        assert np.abs(tg[key]).max() > 1e-6, key  # a real dependence, not a vanishing one
        np.testing.assert_allclose(eg[key], tg[key], rtol=rtol, atol=1e-12, err_msg=key)


# Where PyTorch's own step can't be differentiated (an op saved a momentum buffer that the
# next step changes in place), ember's can: checked against the same updates written
# out of place in PyTorch.
def _torch_out_of_place(name, lr, steps):
    rng = np.random.default_rng(0)
    w0 = torch.tensor(rng.standard_normal((3, 4)) * 0.5, requires_grad=True)
    x = torch.tensor(rng.standard_normal((4, 2)) * 0.5)
    target = torch.tensor(rng.standard_normal((3, 2)))
    lr = torch.tensor(lr, requires_grad=True)
    p, buf, step = w0 * 1.0, None, torch.tensor(0.0)
    exp_avg = exp_avg_sq = max_sq = torch.zeros_like(p)
    for _ in range(steps):
        q = p.clone()
        inner = (((q @ x) - target) ** 2).sum() + (q**4).sum() * 0.1
        (g,) = torch.autograd.grad(inner, q, create_graph=True)
        if name == "SGD":
            buf = g.detach().clone() if buf is None else buf.mul(0.9).add(g)
            p = torch.addcmul(p, buf, lr, value=-1)
        else:
            step = step + 1
            exp_avg = exp_avg.lerp(g, 1 - 0.9)
            exp_avg_sq = exp_avg_sq.mul(0.999).addcmul(g, g, value=1 - 0.999)
            step_size_neg = (lr / (1 - 0.9**step)).neg()
            max_sq = torch.maximum(max_sq, exp_avg_sq)
            denom = (max_sq.sqrt() / ((1 - 0.999**step).sqrt() * step_size_neg)).add(1e-8 / step_size_neg)
            p = p.addcdiv(exp_avg, denom)
    ((p @ x).sin() * target).sum().backward()
    return {"w0": w0.grad.numpy(), "lr": lr.grad.numpy()}, p.detach().numpy()


@pytest.mark.parametrize("name,kwargs", [("SGD", {"momentum": 0.9}), ("Adam", {"amsgrad": True})])
def test_several_steps_where_torch_cannot(name, kwargs):
    saved = ember.get_default_dtype(), torch.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            _meta_gradients("torch", name, {"lr": ("tensor", 0.05), **kwargs}, 3)
        eg, ep, _ = _meta_gradients("ember", name, {"lr": ("tensor", 0.05), **kwargs}, 3)
        rg, rp = _torch_out_of_place(name, 0.05, 3)
    finally:
        ember.set_default_dtype(saved[0])
        torch.set_default_dtype(saved[1])
    np.testing.assert_allclose(ep, rp, rtol=1e-10, atol=1e-12)
    for key in rg:
        assert np.abs(rg[key]).max() > 1e-6, key
        np.testing.assert_allclose(eg[key], rg[key], rtol=1e-9, atol=1e-12, err_msg=key)


# Over several steps, where PyTorch's own step can't be differentiated for some options
# (RMSprop's centered average, Adamax's state, NAdam's exp_avg with a tensor lr): against
# central differences of the whole inner loop.
FD_CASES = [
    # not SGD's momentum: its first buffer is a detached copy of the grad, as PyTorch's
    ("SGD", {"lr": ("tensor", 0.1), "weight_decay": ("tensor", 0.1)}),
    ("Adam", {"lr": ("tensor", 0.05), "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": ("tensor", 0.05), "betas": (("tensor", 0.8), ("tensor", 0.9))}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": ("tensor", 0.05), "weight_decay": 0.1}),
    ("RAdam", {"lr": ("tensor", 0.05), "weight_decay": 0.1, "decoupled_weight_decay": True}),
]


@pytest.mark.parametrize("name,kwargs", FD_CASES, ids=[c[0] for c in FD_CASES])
def test_several_steps_match_finite_differences(name, kwargs):
    steps, h = 7, 1e-6
    grads, _, _ = _meta_gradients("ember", name, kwargs, steps)
    direction = np.random.default_rng(9).standard_normal((3, 4))
    shifts = {"w0": (direction, float((grads["w0"] * direction).sum()))}
    shifts.update({key: (1.0, float(g)) for key, g in grads.items() if key != "w0"})
    for key, (d, analytic) in shifts.items():
        up = _meta_gradients("ember", name, kwargs, steps, {key: h * d})[2]
        down = _meta_gradients("ember", name, kwargs, steps, {key: -h * d})[2]
        assert abs(analytic) > 1e-4, key
        assert (up - down) / (2 * h) == pytest.approx(analytic, rel=1e-5), key


# PyTorch's own check (test_optim's _diff_fn): one step from given param, grad and
# state, all requiring grad; the outputs are the param and the state tensors
STATE_CASES = [
    ("SGD", {"lr": 0.9}, {"momentum_buffer": 0}, {"momentum": 0.9}),
    ("SGD", {"lr": ("tensor", 0.9)}, {"momentum_buffer": 0}, {"momentum": 0.9, "weight_decay": ("tensor", 0.3)}),
    ("Adam", {"lr": ("tensor", 0.01)}, {"exp_avg": 0, "exp_avg_sq": 1, "max_exp_avg_sq": 1}, {"amsgrad": True}),
    ("Adam", {"lr": 0.01, "betas": (("tensor", 0.8), ("tensor", 0.9))}, {"exp_avg": 0, "exp_avg_sq": 1}, {}),
    ("AdamW", {"lr": ("tensor", 0.01)}, {"exp_avg": 0, "exp_avg_sq": 1}, {"weight_decay": 0.5, "maximize": True}),
    (
        "RMSprop",
        {"lr": 0.01},
        {"square_avg": 1, "momentum_buffer": 0, "grad_avg": 0},
        {"centered": True, "momentum": 1},
    ),
    ("Adagrad", {"lr": 0.1}, {"sum": 1}, {"lr_decay": 0.1}),
    ("Adadelta", {"lr": 0.9}, {"square_avg": 1, "acc_delta": 1}, {"weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05}, {"exp_avg": 0, "exp_inf": 1}, {}),
    ("NAdam", {"lr": ("tensor", 0.05)}, {"exp_avg": 0, "exp_avg_sq": 1, "mu_product": 1}, {}),
    ("RAdam", {"lr": ("tensor", 0.05)}, {"exp_avg": 0, "exp_avg_sq": 1}, {}),
]


def _one_step(lib, name, kwargs, state_names, extra):
    rng = np.random.default_rng(3)
    p = _t(lib, rng.random(10), True)
    grad_leaf = _t(lib, rng.random(10), True)
    grad = grad_leaf * 1  # SGD's tensor weight decay adds to the grad in place
    state = {k: _t(lib, rng.random(10) + shift, True) for k, shift in state_names.items()}
    if name != "SGD":
        state["step"] = LIBS[lib].tensor(10.0)
    hyper, leaves = _hyper(lib, {**kwargs, **extra})
    param = p.clone()
    param.grad = grad
    opt = getattr(LIBS[lib].optim, name)([param], differentiable=True, **hyper)
    opt.state[param].update({k: v.clone() for k, v in state.items()})
    opt.step()
    outputs = [param] + [v for v in opt.state[param].values() if v.requires_grad]
    weights = [_t(lib, rng.standard_normal(10)) for _ in outputs]
    sum(((o * w).sum() for o, w in zip(outputs, weights)), _t(lib, 0.0)).backward()
    inputs = {"p": p, "grad": grad_leaf, **{k: v for k, v in state.items() if k != "step"}, **leaves}
    return {k: v.grad.numpy() for k, v in inputs.items()}, [o.detach().numpy() for o in outputs]


@pytest.mark.parametrize("name,kwargs,state,extra", STATE_CASES, ids=[c[0] for c in STATE_CASES])
def test_one_step_gradients_to_param_grad_and_state_match_torch(name, kwargs, state, extra, step_dtype):
    (eg, eo), (tg, to) = (_one_step(lib, name, kwargs, state, extra) for lib in ("ember", "torch"))
    rtol = 1e-9 if step_dtype == "float64" or name == "SGD" else 1e-5
    assert len(eo) == len(to)
    for a, b in zip(eo, to):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)
    assert eg.keys() == tg.keys()
    for key in tg:
        np.testing.assert_allclose(eg[key], tg[key], rtol=rtol, atol=1e-12, err_msg=key)


FLAT_CASES = [
    ("SGD", {"momentum": 0.9, "weight_decay": 0.1}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {}),
    ("AdamW", {"amsgrad": True}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("Adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.5}),
    ("Adadelta", {"weight_decay": 0.1}),
    ("Adamax", {"maximize": True}),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"weight_decay": 0.1}),
]


@pytest.mark.parametrize("name,kwargs", FLAT_CASES, ids=[c[0] for c in FLAT_CASES])
def test_same_trajectory_as_the_flat_step(name, kwargs):
    # float64 params, and a float64 ``step`` so that the bias corrections are as exact as
    # the flat step's Python floats
    saved = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        _compare_with_flat_step(name, kwargs)
    finally:
        ember.set_default_dtype(saved)


def _compare_with_flat_step(name, kwargs):
    rng = np.random.default_rng(5)
    init = [rng.standard_normal(s) for s in [(4, 3), (5,)]]
    flat = [ember.tensor(a, requires_grad=True) for a in init]
    plain = [ember.tensor(a) for a in init]  # no grad needed: the step records nothing to differentiate
    flat_opt = getattr(eoptim, name)(flat, lr=0.05, **kwargs)
    diff_opt = getattr(eoptim, name)(plain, lr=0.05, differentiable=True, **kwargs)
    for _ in range(7):
        for f, d in zip(flat, plain):
            g = rng.standard_normal(tuple(f.shape))
            f.grad, d.grad = ember.tensor(g), ember.tensor(g)
        flat_opt.step()
        diff_opt.step()
    for f, d in zip(flat, plain):
        np.testing.assert_allclose(d.numpy(), f.detach().numpy(), rtol=1e-12, atol=1e-14)
        assert d.grad_fn is None
    state_f, state_d = flat_opt.state_dict()["state"], diff_opt.state_dict()["state"]
    for i in state_f:
        for key, value in state_f[i].items():
            np.testing.assert_allclose(state_d[i][key].numpy(), value.numpy(), rtol=1e-12, atol=1e-14)


def test_step_records_even_inside_no_grad():
    w = ember.ones(3, requires_grad=True)
    lr = ember.tensor(0.5, requires_grad=True)
    p = w * 2
    p.grad = ember.ones(3)
    opt = eoptim.SGD([p], lr=lr, differentiable=True)
    with ember.no_grad():  # as PyTorch: a differentiable step turns grad mode on
        opt.step()
        assert not ember.is_grad_enabled()  # and back off
    assert p.grad_fn is not None
    p.sum().backward()
    np.testing.assert_allclose(lr.grad.numpy(), -3.0)
    np.testing.assert_allclose(w.grad.numpy(), np.full(3, 2.0))


def test_errors_match_torch():
    for lib in LIBS.values():
        leaf = lib.ones(2, requires_grad=True)
        leaf.grad = lib.ones(2)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            lib.optim.SGD([leaf], lr=0.1, differentiable=True).step()
        with pytest.raises(RuntimeError, match="`fused` does not support `differentiable`"):
            lib.optim.Adam([lib.ones(2)], fused=True, differentiable=True)
        p = lib.ones(2) * 1
        p.grad = lib.ones(2)
        opt = lib.optim.Adam([p], differentiable=True)
        opt.state[p].update(step=lib.tensor(1.0, requires_grad=True), exp_avg=lib.zeros(2), exp_avg_sq=lib.zeros(2))
        with pytest.raises(RuntimeError, match="`requires_grad` is not supported for `step`"):
            opt.step()
        with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
            lib.optim.SGD([lib.ones(2, requires_grad=True) * 2], lr=0.1)


class _NoDifferentiableStep(FlatOptimizer):
    def __init__(self, params, differentiable=False):
        super().__init__(params, {"lr": 0.1, "differentiable": differentiable})

    def _state_names(self, group):
        return ()


def test_an_optimizer_without_a_differentiable_step_refuses_clearly():
    with pytest.raises(RuntimeError, match="_NoDifferentiableStep does not support differentiable=True"):
        _NoDifferentiableStep([ember.ones(2)], differentiable=True)
    _NoDifferentiableStep([ember.ones(2, requires_grad=True)])
