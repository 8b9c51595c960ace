# SPDX-License-Identifier: BSD-3-Clause
"""Derivatives of the pointwise ops (the core's binary and unary kernels)."""

from __future__ import annotations

import math

import ember

from . import derivative, not_differentiable

not_differentiable(
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "bitwise_not",
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit",
)  # fmt: skip


def _zeros(ctx, i=0):
    shape = ctx.input_shapes[i]
    return None if shape is None else ember.zeros(shape, dtype=ctx._metas[i][1])


# ---- binary ----------------------------------------------------------------
@derivative("add")
def _add(ctx, g):
    return g, g


@derivative("sub")
def _sub(ctx, g):
    return g, (-g if ctx.needs_input_grad[1] else None)


@derivative("mul", inputs=True, saves=((1,), (0,)))  # a's gradient reads b, b's reads a
def _mul(ctx, g):
    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    return (g * b if need_a else None), (g * a if need_b else None)


@derivative("div", inputs=True, saves=((1,), (0, 1)))
def _div(ctx, g):
    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    ga = g / b if need_a else None
    gb = -g * a / (b * b) if need_b else None
    return ga, gb


@derivative("floor_divide")
def _floor_divide(ctx, g):
    return _zeros(ctx, 0), _zeros(ctx, 1)


@derivative("remainder", inputs=True)
def _remainder(ctx, g):
    a, b = ctx.inputs
    gb = -g * ember.div(a, b, rounding_mode="floor") if ctx.needs_input_grad[1] else None
    return g, gb


@derivative("fmod", inputs=True)
def _fmod(ctx, g):
    a, b = ctx.inputs
    gb = -g * ember.div(a, b, rounding_mode="trunc") if ctx.needs_input_grad[1] else None
    return g, gb


@derivative("pow", inputs=True, result=True)
def _pow(ctx, g):
    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    ga = gb = None
    if need_a:
        if isinstance(b, ember.Tensor):
            ga = ember.where(b == 0, 0.0, g * b * a.pow(b - 1))
        else:
            ga = g * 0.0 if b == 0 else g * b * a.pow(b - 1)
    if need_b:
        result = ctx.result
        # 0 ** b for b >= 0 has no finite log: its derivative is taken as 0, as in PyTorch
        if isinstance(a, ember.Tensor):
            gb = ember.where((a == 0) & (b >= 0), 0.0, g * result * a.log())
        else:
            gb = g * result * math.log(a) if a != 0 else g * 0.0
    return ga, gb


@derivative("atan2", inputs=True)
def _atan2(ctx, g):
    a, b = ctx.inputs
    denom = a * a + b * b
    return g * b / denom, -g * a / denom


def _extreme(ctx, g, a_wins, b_wins):
    a, b = ctx.inputs
    half = ember.where(a == b, g / 2, g)
    return half.masked_fill(b_wins, 0.0), half.masked_fill(a_wins, 0.0)


@derivative("maximum", inputs=True)
def _maximum(ctx, g):
    a, b = ctx.inputs
    return _extreme(ctx, g, a > b, a < b)


@derivative("minimum", inputs=True)
def _minimum(ctx, g):
    a, b = ctx.inputs
    return _extreme(ctx, g, a < b, a > b)


# ---- unary -----------------------------------------------------------------
def _unary(name, *, inputs=False, result=False):
    """Registers ``fn(g, x_or_y)`` as a one-input derivative."""

    def register(fn):
        @derivative(name, inputs=inputs, result=result)
        def formula(ctx, g):
            return fn(g, ctx.inputs[0] if inputs else ctx.result)

        return fn

    return register


_unary("neg")(lambda g, _: -g)
_unary("abs", inputs=True)(lambda g, x: g * x.sign())
_unary("exp", result=True)(lambda g, y: g * y)
_unary("exp2", result=True)(lambda g, y: g * y * math.log(2.0))
_unary("expm1", result=True)(lambda g, y: g * (y + 1))
_unary("log", inputs=True)(lambda g, x: g / x)
_unary("log2", inputs=True)(lambda g, x: g / (x * math.log(2.0)))
_unary("log10", inputs=True)(lambda g, x: g / (x * math.log(10.0)))
_unary("log1p", inputs=True)(lambda g, x: g / (x + 1))
_unary("sqrt", result=True)(lambda g, y: g / (2 * y))
_unary("rsqrt", result=True)(lambda g, y: -0.5 * g * y * y * y)
_unary("sin", inputs=True)(lambda g, x: g * x.cos())
_unary("cos", inputs=True)(lambda g, x: -g * x.sin())
_unary("tan", result=True)(lambda g, y: g * (1 + y * y))
_unary("asin", inputs=True)(lambda g, x: g * (1 - x * x).rsqrt())
_unary("acos", inputs=True)(lambda g, x: -g * (1 - x * x).rsqrt())
_unary("atan", inputs=True)(lambda g, x: g / (1 + x * x))
_unary("sinh", inputs=True)(lambda g, x: g * x.cosh())
_unary("cosh", inputs=True)(lambda g, x: g * x.sinh())
_unary("tanh", result=True)(lambda g, y: g * (1 - y * y))
_unary("sigmoid", result=True)(lambda g, y: g * y * (1 - y))
_unary("relu", result=True)(lambda g, y: ember.where(y > 0, g, 0.0))
_unary("erf", inputs=True)(lambda g, x: g * (2 / math.sqrt(math.pi)) * (-x * x).exp())
_unary("erfc", inputs=True)(lambda g, x: g * (-2 / math.sqrt(math.pi)) * (-x * x).exp())
_unary("frac")(lambda g, _: g)
_unary("reciprocal", result=True)(lambda g, y: -g * y * y)
_unary("square", inputs=True)(lambda g, x: 2 * g * x)
_unary("nan_to_num", inputs=True)(lambda g, x: ember.where(x.isfinite(), g, 0.0))
for _name in ("sign", "floor", "ceil", "round", "trunc"):
    _unary(_name)(lambda g, _: ember.zeros_like(g))


@derivative("where")
def _where(ctx, g):
    (cond,) = ctx.attrs
    need_a, need_b = ctx.needs_input_grad
    return (ember.where(cond, g, 0.0) if need_a else None), (ember.where(cond, 0.0, g) if need_b else None)


# ---- casts and copies ------------------------------------------------------
@derivative("_to_dtype")
def _to_dtype(ctx, g):
    return g  # the engine casts it back to the input's dtype


@derivative("contiguous")
def _contiguous(ctx, g):
    return g


@derivative("clone")
def _clone(ctx, g):
    return g


@derivative("copy_")
def _copy(ctx, g):
    return None, g  # the old value of the destination is overwritten


@derivative("fill_")
def _fill(ctx, g):
    return None, (g.sum() if ctx.needs_input_grad[1] else None)


for _name in ("uniform_", "normal_", "random_int_"):
    derivative(_name)(lambda ctx, g: (None,))
