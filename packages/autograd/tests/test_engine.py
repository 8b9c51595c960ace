# SPDX-License-Identifier: BSD-3-Clause
"""The engine and the tensor side of autograd: leaves, accumulation,
retain_graph, create_graph, grad(), hooks, in-place checks, views."""

from __future__ import annotations

import gc
import re
import weakref

import numpy as np
import pytest
import torch

import ember
from ember import autograd


def leaf(*values):
    return ember.tensor(list(values), dtype=ember.float64, requires_grad=True)


def test_leaf_flags_and_graph_structure():
    x = leaf(1.0, 2.0)
    y = x * 2 + 1
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert not y.is_leaf and y.requires_grad
    assert y.grad_fn.name() == "AddBackward0"
    mul, nr = y.grad_fn.next_functions[0]
    assert mul.name() == "MulBackward0" and nr == 0
    acc = mul.next_functions[0][0]
    assert acc.name() == "torch::autograd::AccumulateGrad" and acc.variable is x
    assert "grad_fn=<AddBackward0>" in repr(y) and "requires_grad=True" in repr(x)


def test_gradients_accumulate_across_backward_calls():
    x = leaf(1.0, 2.0, 3.0)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0, 9.0]


def test_leaf_grad_does_not_alias_the_gradient_given_or_another_leaf():
    a, b = leaf(1.0, 2.0), leaf(3.0, 4.0)
    v = ember.tensor([1.0, 1.0], dtype=ember.float64)
    (a + b).backward(v)
    a.grad.add_(10)
    assert v.tolist() == [1.0, 1.0] and b.grad.tolist() == [1.0, 1.0]


def test_second_backward_without_retain_graph_raises_pytorch_error():
    x = leaf(1.0, 2.0)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    assert np.allclose(x.grad.numpy(), 2 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0]))))


def test_backward_of_non_scalar_needs_a_gradient():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        ember.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(ember.ones(3, dtype=ember.float64))


def test_create_graph_gives_higher_derivatives():
    x = leaf(1.0, 2.0)
    y = (x**3).sum()
    (g,) = autograd.grad(y, x, create_graph=True)
    assert g.requires_grad and g.tolist() == [3.0, 12.0]
    (h,) = autograd.grad(g.sum(), x, create_graph=True)
    assert h.tolist() == [6.0, 12.0]
    (t,) = autograd.grad(h.sum(), x)
    assert t.tolist() == [6.0, 6.0]


def test_grad_options():
    x, z = leaf(1.0, 2.0), leaf(5.0)
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = autograd.grad(y, [x, z], retain_graph=True, allow_unused=True)
    assert gz is None and gx.tolist() == [2.0, 4.0]
    gx, gz = autograd.grad(y, [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0]
    assert x.grad is None, "grad() does not accumulate into .grad"


def test_grad_wrt_non_leaf_and_backward_inputs():
    x = leaf(1.0, 2.0)
    h = x * 3
    y = (h * h).sum()
    (gh,) = autograd.grad(y, h, retain_graph=True)
    assert gh.tolist() == [6.0, 12.0]
    w = leaf(1.0, 1.0)
    y2 = (x * w).sum()
    y2.backward(inputs=[w])
    assert w.grad.tolist() == [1.0, 2.0] and x.grad is None


def test_tensor_hooks_retain_grad_and_post_accumulate_hooks():
    x = leaf(1.0, 2.0)
    seen = []
    x.register_hook(lambda g: seen.append(("leaf", g.tolist())))
    h = x * 2
    h.retain_grad()
    handle = h.register_hook(lambda g: g * 10)
    done = []
    x.register_post_accumulate_grad_hook(lambda t: done.append(t.grad.tolist()))
    h.sum().backward()
    assert h.grad.tolist() == [10.0, 10.0], "retain_grad sees the hooked gradient"
    assert seen == [("leaf", [20.0, 20.0])] and done == [[20.0, 20.0]]
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(2).register_hook(lambda g: g)


def test_node_hooks():
    x = leaf(1.0, 2.0)
    y = (x * 2).sum()
    calls = []
    y.grad_fn.register_prehook(lambda gout: calls.append("pre"))
    y.grad_fn.register_hook(lambda gin, gout: calls.append("post"))
    y.backward()
    assert calls == ["pre", "post"]


def test_in_place_on_leaf_that_requires_grad_raises():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0].mul_(2)
    with ember.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0, 3.0]


def test_modified_saved_tensor_error_names_both_call_sites():
    x = leaf(1.0, 2.0)
    y = x.exp()
    z = (y * y).sum()  # saves y
    y.mul_(2)  # modifies it
    with pytest.raises(RuntimeError) as info:
        z.backward()
    message = str(info.value)
    assert "one of the variables needed for gradient computation has been modified by an inplace operation" in message
    assert "is at version 1; expected version 0 instead" in message
    lines = [int(n) for n in re.findall(re.escape(__file__) + r'", line (\d+)', message)]
    source = open(__file__).read().splitlines()
    assert any("z = (y * y).sum()" in source[n - 1] for n in lines), message
    assert any("y.mul_(2)" in source[n - 1] for n in lines), message


def test_in_place_ops_keep_gradients_correct():
    x = leaf(1.0, 2.0, 3.0)
    y = x * 1
    y.mul_(y)  # needs the old value of y for both operands
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_views_of_a_base_follow_in_place_writes():
    x = leaf(1.0, 2.0, 3.0, 4.0)
    base = x * 1
    view = base[1:3]
    other = base[:2]
    view.mul_(10)
    assert base.grad_fn.name() == "CopySlices"
    (other * ember.tensor([1.0, 100.0], dtype=ember.float64)).sum().backward()
    assert x.grad.tolist() == [1.0, 1000.0, 0.0, 0.0]


def test_writes_into_a_fresh_tensor_carry_gradients():
    a, b = leaf(1.0, 2.0), leaf(3.0)
    out = ember.zeros(3, dtype=ember.float64)
    out[:2] = a
    out[2:] = b * 2
    assert out.requires_grad and out.grad_fn is not None
    (out * ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64)).sum().backward()
    assert a.grad.tolist() == [1.0, 2.0] and b.grad.tolist() == [6.0]


def test_detach_shares_data_and_leaves_the_graph():
    x = leaf(1.0, 2.0)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d._base is None
    assert d.data_ptr() == y.data_ptr()
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.ones(2, dtype=ember.int64).requires_grad_()
    x = leaf(1.0)
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        (x * 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        x.numpy()
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        ember.add(x, x, out=ember.empty(1, dtype=ember.float64))


def test_no_grad_records_nothing_and_costs_no_handler_call():
    x = leaf(1.0, 2.0)
    with ember.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    calls = []
    handlers = ember._C._autograd_handler()

    def counting(name, fn):
        return lambda *args: calls.append(name) or fn(*args)

    ember._C._set_autograd_handler({name: counting(name, fn) for name, fn in handlers.items()})
    try:
        a = ember.ones(3)
        (a + a).exp().sum()
        assert calls == []
        _ = x + 1
        assert calls == ["binary"]
    finally:
        ember._C._set_autograd_handler(handlers)


def test_graph_is_freed_without_cycles():
    x = leaf(1.0, 2.0)
    y = (x.exp() * 2).sum()
    ref = weakref.ref(y.grad_fn)
    del y
    gc.disable()
    try:
        assert ref() is None, "saved outputs must not keep their own node alive"
    finally:
        gc.enable()


def test_anomaly_mode_names_the_forward_of_a_nan_gradient():
    x = leaf(0.0, 1.0)
    with autograd.detect_anomaly():
        y = x.sqrt() * 0  # d/dx sqrt(x) at 0 is inf; inf * 0 is nan
        with pytest.raises(RuntimeError, match="returned nan values") as info:
            y.sum().backward()
    assert "y = x.sqrt() * 0" in str(info.value)


def test_saved_tensors_hooks_pack_and_unpack():
    packed = []
    x = leaf(1.0, 2.0)
    with autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or len(packed) - 1, lambda i: packed[i]):
        y = (x * x).sum()
    assert len(packed) == 2
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_matches_torch_on_a_small_network_with_shared_weights():
    rng = np.random.default_rng(0)
    xs, ws = rng.standard_normal((4, 3)), rng.standard_normal((3, 3))

    def run(lib):
        x, w = lib.tensor(xs), lib.tensor(ws, requires_grad=True)
        h = (x @ w).tanh()
        h = (h @ w).relu() + h
        loss = (h * h).mean()
        loss.backward()
        return loss.item(), w.grad.numpy()

    (le, ge), (lt, gt) = run(ember), run(torch)
    assert np.isclose(le, lt) and np.allclose(ge, gt)


def test_shared_subexpressions_and_diamonds_match_torch():
    def run(lib):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        s = x.sin()  # used by three consumers
        a = s * s
        b = s.exp()
        c = (a + b) * s
        c.sum().backward()
        return x.grad.numpy()

    assert np.allclose(run(ember), run(torch))


def test_hooks_run_in_registration_order_and_retain_grad_last():
    order = []
    x = leaf(1.0)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: order.append("first") or g * 2)
    y.register_hook(lambda g: order.append("second") or g + 1)
    y.sum().backward()
    assert order == ["first", "second"]
    assert y.grad.tolist() == [3.0], "retain_grad sees the gradient after every hook"
    assert x.grad.tolist() == [6.0]


def test_gradient_of_unused_branch_is_none_and_zero_grad_paths_still_run():
    x, z = leaf(1.0, 2.0), leaf(3.0)
    y = (x * 0).sum() + (z * 0).sum()
    y.backward()
    assert x.grad.tolist() == [0.0, 0.0] and z.grad.tolist() == [0.0]
    w = leaf(1.0)
    out = (x * 2).sum()
    (gw,) = autograd.grad(out + 0 * w.sum(), [w])
    assert gw.tolist() == [0.0]


def test_backward_through_integer_outputs_carries_no_gradient():
    x = leaf(3.0, 1.0, 2.0)
    values, indices = x.sort()
    assert not indices.requires_grad and indices.grad_fn is None
    (values * ember.tensor([1.0, 10.0, 100.0], dtype=ember.float64)).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_tensor_subclasses_are_differentiated():
    class Sub(ember.Tensor):
        pass

    p = Sub([1.0, 2.0]).requires_grad_()
    (p * p).sum().backward()
    assert type(p) is Sub and p.grad.tolist() == [2.0, 4.0]


def test_deepcopy_and_pickle_keep_requires_grad_and_grad():
    import copy
    import pickle

    x = leaf(1.0, 2.0)
    (x * 3).sum().backward()
    x.tag = "weights"
    y = copy.deepcopy(x)
    assert y.requires_grad and y.is_leaf and y.grad.tolist() == [3.0, 3.0] and y.tag == "weights"
    assert y.data_ptr() != x.data_ptr() and y.grad.data_ptr() != x.grad.data_ptr()
    assert pickle.loads(pickle.dumps(x)).requires_grad
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)
