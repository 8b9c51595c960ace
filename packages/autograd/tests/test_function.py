# SPDX-License-Identifier: BSD-3-Clause
"""Custom autograd.Function: both forward styles, ctx features, double
backward, once_differentiable."""

from __future__ import annotations

import pytest

import ember
from ember.autograd import Function, gradcheck, gradgradcheck, once_differentiable


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class ScaledMul(Function):
    """setup_context form, a non-tensor argument and needs_input_grad."""

    @staticmethod
    def forward(a, b, scale):
        return a * b * scale

    @staticmethod
    def setup_context(ctx, inputs, output):
        a, b, scale = inputs
        ctx.save_for_backward(a, b)
        ctx.scale = scale

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b, _ = ctx.needs_input_grad
        return (g * b * ctx.scale if need_a else None), (g * a * ctx.scale if need_b else None), None


def leaf(*values):
    return ember.tensor(list(values), dtype=ember.float64, requires_grad=True)


def test_custom_function_forward_backward_and_names():
    x = leaf(0.0, 1.0)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward" and y.requires_grad
    y.sum().backward()
    assert ember.allclose(x.grad, x.detach().exp())
    assert gradcheck(Exp.apply, (leaf(0.3, -0.2),))


def test_setup_context_style_and_needs_input_grad():
    a, b = leaf(1.0, 2.0), ember.tensor([3.0, 4.0], dtype=ember.float64)
    out = ScaledMul.apply(a, b, 0.5)
    out.sum().backward()
    assert a.grad.tolist() == [1.5, 2.0] and b.grad is None


def test_double_backward_through_a_custom_function():
    x = leaf(0.5, 1.5)
    assert gradgradcheck(Exp.apply, (x,))
    (g,) = ember.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (h,) = ember.autograd.grad(g.sum(), x)
    assert ember.allclose(h, x.detach().exp())


def test_mark_dirty_and_non_differentiable():
    class AddOneInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class SortIdx(Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, g, _):
            (idx,) = ctx.saved_tensors
            return ember.zeros_like(g).scatter(0, idx, g)

    x = leaf(1.0, 2.0)
    y = x * 1
    z = AddOneInPlace.apply(y)
    assert z is y and y.grad_fn.name() == "AddOneInPlaceBackward"
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        AddOneInPlace.apply(leaf(1.0))

    w = leaf(3.0, 1.0, 2.0)
    values, idx = SortIdx.apply(w)
    assert not idx.requires_grad and values.requires_grad
    (values * ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64)).sum().backward()
    assert w.grad.tolist() == [3.0, 1.0, 2.0]


def test_materialize_grads_and_wrong_gradient_count():
    class TwoOut(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is None
            return g1 * 2

    class Wrong(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return (g,)

    x = leaf(1.0)
    a, _ = TwoOut.apply(x)
    a.sum().backward()
    assert x.grad.tolist() == [2.0]
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Wrong.apply(leaf(1.0), leaf(2.0)).sum().backward()


def test_once_differentiable_refuses_double_backward():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    x = leaf(3.0)
    v = leaf(1.0)  # a gradient that itself requires grad makes the result require grad
    (g,) = ember.autograd.grad(Square.apply(x), x, v, create_graph=True)
    assert g.tolist() == [6.0] and g.requires_grad
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


def test_apply_without_grad_records_nothing():
    x = leaf(1.0)
    with ember.no_grad():
        y = Exp.apply(x)
    assert y.grad_fn is None and not y.requires_grad


def test_function_returning_views_of_its_input_keeps_its_own_backward():
    class Pieces(Function):
        @staticmethod
        def forward(ctx, x):
            return tuple(x.split(1, 0))

        @staticmethod
        def backward(ctx, *grads):
            return ember.cat(grads, 0)

    x = ember.randn(3, 2, dtype=ember.float64, requires_grad=True)
    pieces = Pieces.apply(x * 1)
    assert pieces[0].grad_fn.name() == "PiecesBackward"
    (pieces[0] * 2 + pieces[1]).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [1.0, 1.0], [0.0, 0.0]]
