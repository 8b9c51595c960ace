# SPDX-License-Identifier: BSD-3-Clause
"""Activation functions and their gradients.

Each forward is a short composition of the core's elementwise kernels;
each ``<name>_backward(grad_output, input, ...)`` returns the gradient with
respect to the input from the forward's *input* (``sigmoid_backward`` and
``tanh_backward`` take the forward's output, as PyTorch's do). 16-bit
floats compute in float32 and round once. ``inplace=True`` writes the
result into ``input`` and returns it.
"""

from __future__ import annotations

import math

from .. import _C
from ._common import check_floating, check_tensor, is_half, opmath

_where = _C.where
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _forward(name, input, fn, inplace=False):
    check_tensor(name, "input", input)
    check_floating(name, input)
    result = fn(opmath(input))
    if inplace:
        return input.copy_(result)
    return result._to_dtype(input.dtype) if is_half(input) else result


def _backward(grad_output, input, fn):
    result = fn(opmath(grad_output), opmath(input))
    return result._to_dtype(input.dtype) if is_half(input) else result


def _softplus_stable(x):
    """``log(1 + exp(x))`` without overflow."""
    return x.clamp(min=0) + (-x.abs()).exp().log1p()


# ---- ReLU family -------------------------------------------------------------
def relu(input, inplace=False):
    """``max(x, 0)``."""
    return _forward("relu", input, lambda x: x.relu(), inplace)


def relu_backward(grad_output, input):
    """Gradient of :func:`relu`: the gradient where ``input > 0``, else 0."""
    return _backward(grad_output, input, lambda g, x: _where(x > 0, g, 0.0, None))


def threshold(input, threshold, value, inplace=False):
    """``x`` where ``x > threshold``, else ``value``."""
    return _forward("threshold", input, lambda x: _where(x > threshold, x, float(value), None), inplace)


def threshold_backward(grad_output, input, threshold):
    """Gradient of :func:`threshold`."""
    return _backward(grad_output, input, lambda g, x: _where(x > threshold, g, 0.0, None))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``clamp(x, min_val, max_val)``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _forward("hardtanh", input, lambda x: x.clamp(min_val, max_val), inplace)


def hardtanh_backward(grad_output, input, min_val=-1.0, max_val=1.0):
    """Gradient of :func:`hardtanh`: zero at and outside the bounds."""
    return _backward(grad_output, input, lambda g, x: _where((x > min_val) & (x < max_val), g, 0.0, None))


def relu6(input, inplace=False):
    """``min(max(x, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def relu6_backward(grad_output, input):
    """Gradient of :func:`relu6`."""
    return hardtanh_backward(grad_output, input, 0.0, 6.0)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where positive, else ``negative_slope * x``."""
    return _forward("leaky_relu", input, lambda x: _where(x > 0, x, x * negative_slope, None), inplace)


def leaky_relu_backward(grad_output, input, negative_slope=0.01):
    """Gradient of :func:`leaky_relu`."""
    return _backward(grad_output, input, lambda g, x: _where(x > 0, g, g * negative_slope, None))


def prelu(input, weight):
    """:func:`leaky_relu` with a learned slope: ``weight`` has one element or
    one per channel (dim 1)."""
    check_tensor("prelu", "input", input)
    check_tensor("prelu", "weight", weight)
    w = _prelu_weight(input, weight)
    return _forward("prelu", input, lambda x: _where(x > 0, x, x * opmath(w), None))


def _prelu_weight(input, weight):
    n = weight.numel()
    c = input.shape[1] if input.dim() >= 2 else 1
    if n != 1 and n != c:
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} and "
            f"channel size = {c}."
        )
    if n == 1 or input.dim() < 2:
        return weight.reshape(())
    return weight.reshape(1, c, *([1] * (input.dim() - 2)))


def prelu_backward(grad_output, input, weight):
    """Gradients of :func:`prelu`: ``(grad_input, grad_weight)``."""
    w = opmath(_prelu_weight(input, weight))
    g, x = opmath(grad_output), opmath(input)
    pos = x > 0
    gi = _where(pos, g, g * w, None)
    gw_full = _where(pos, 0.0, g * x, None)
    if weight.numel() == 1 or input.dim() < 2:
        gw = gw_full.sum().reshape(weight.shape)
    else:
        dims = (0, *range(2, input.dim()))
        gw = gw_full.sum(dims).reshape(weight.shape)
    return gi._to_dtype(input.dtype), gw._to_dtype(weight.dtype)


def rrelu_with_noise(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """:func:`rrelu` that also returns the slope used per element (the
    ``noise`` :func:`rrelu_backward` takes)."""
    check_tensor("rrelu", "input", input)
    check_floating("rrelu", input)
    x = opmath(input)
    if training:
        slope = _C.empty(list(x.shape), x.dtype).uniform_(lower, upper, generator=generator)
        noise = _where(x > 0, 1.0, slope, None)
    else:
        noise = _where(x > 0, 1.0, (lower + upper) / 2, None)
    return (x * noise)._to_dtype(input.dtype), noise


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: negative inputs scaled by a slope drawn from
    ``U(lower, upper)`` per element when training, ``(lower + upper) / 2`` otherwise."""
    out = rrelu_with_noise(input, lower, upper, training)[0]
    return input.copy_(out) if inplace else out


def rrelu_backward(grad_output, noise):
    """Gradient of :func:`rrelu` from :func:`rrelu_with_noise`'s ``noise``."""
    return (opmath(grad_output) * noise)._to_dtype(grad_output.dtype)


# ---- exponential units ---------------------------------------------------------
def elu(input, alpha=1.0, inplace=False):
    """``x`` where positive, else ``alpha * (exp(x) - 1)``."""
    return _forward("elu", input, lambda x: _where(x > 0, x, x.expm1() * alpha, None), inplace)


def elu_backward(grad_output, input, alpha=1.0):
    """Gradient of :func:`elu`."""
    return _backward(grad_output, input, lambda g, x: _where(x > 0, g, g * alpha * x.exp(), None))


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with the self-normalizing constants."""
    return _forward("selu", input, lambda x: _where(x > 0, x, x.expm1() * SELU_ALPHA, None) * SELU_SCALE, inplace)


def selu_backward(grad_output, input):
    """Gradient of :func:`selu`."""
    return _backward(grad_output, input, lambda g, x: _where(x > 0, g, g * SELU_ALPHA * x.exp(), None) * SELU_SCALE)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _forward("celu", input, lambda x: _where(x > 0, x, (x / alpha).expm1() * alpha, None), inplace)


def celu_backward(grad_output, input, alpha=1.0):
    """Gradient of :func:`celu`."""
    return _backward(grad_output, input, lambda g, x: _where(x > 0, g, g * (x / alpha).exp(), None))


# ---- smooth gates ------------------------------------------------------------
def _check_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")


def gelu(input, approximate="none"):
    """``x * Phi(x)`` (the normal CDF), or its tanh approximation with
    ``approximate='tanh'``."""
    _check_approximate(approximate)
    if approximate == "tanh":
        return _forward("gelu", input, lambda x: x * 0.5 * (((x * x * x) * 0.044715 + x) * _SQRT_2_PI).tanh().add(1))
    return _forward("gelu", input, lambda x: x * 0.5 * (x * _SQRT1_2).erf().add(1))


def gelu_backward(grad_output, input, approximate="none"):
    """Gradient of :func:`gelu`."""
    _check_approximate(approximate)

    def exact(g, x):
        cdf = (x * _SQRT1_2).erf().add(1) * 0.5
        pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
        return g * (cdf + x * pdf)

    def tanh(g, x):
        x2 = x * x
        t = ((x2 * x) * 0.044715 + x).mul(_SQRT_2_PI).tanh()
        inner_grad = (x2 * (3 * 0.044715) + 1) * _SQRT_2_PI
        return g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * inner_grad)

    return _backward(grad_output, input, tanh if approximate == "tanh" else exact)


def silu(input, inplace=False):
    """``x * sigmoid(x)`` (swish)."""
    return _forward("silu", input, lambda x: x * x.sigmoid(), inplace)


def silu_backward(grad_output, input):
    """Gradient of :func:`silu`."""

    def fn(g, x):
        s = x.sigmoid()
        return g * s * (x * (1 - s) + 1)

    return _backward(grad_output, input, fn)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    return _forward("mish", input, lambda x: x * _softplus_stable(x).tanh(), inplace)


def mish_backward(grad_output, input):
    """Gradient of :func:`mish`."""

    def fn(g, x):
        t = _softplus_stable(x).tanh()
        return g * (t + x * x.sigmoid() * (1 - t * t))

    return _backward(grad_output, input, fn)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``."""

    def fn(x):
        bx = x * beta
        return _where(bx > threshold, x, bx.exp().log1p() / beta, None)

    return _forward("softplus", input, fn)


def softplus_backward(grad_output, input, beta=1.0, threshold=20.0):
    """Gradient of :func:`softplus`."""

    def fn(g, x):
        bx = x * beta
        return _where(bx > threshold, g, g * bx.sigmoid(), None)

    return _backward(grad_output, input, fn)


def softsign(input):
    """``x / (1 + |x|)``."""
    return _forward("softsign", input, lambda x: x / (x.abs() + 1))


def softsign_backward(grad_output, input):
    """Gradient of :func:`softsign`."""
    return _backward(grad_output, input, lambda g, x: g / (x.abs() + 1).square())


def logsigmoid(input):
    """``log(sigmoid(x))``, computed stably."""
    return _forward("log_sigmoid", input, lambda x: -_softplus_stable(-x))


def logsigmoid_backward(grad_output, input):
    """Gradient of :func:`logsigmoid`: ``grad * sigmoid(-x)``."""
    return _backward(grad_output, input, lambda g, x: g * (-x).sigmoid())


def sigmoid(input):
    """``1 / (1 + exp(-x))``."""
    return _forward("sigmoid", input, lambda x: x.sigmoid())


def sigmoid_backward(grad_output, output):
    """Gradient of :func:`sigmoid` from its *output* ``y``: ``grad * y * (1 - y)``."""
    return _backward(grad_output, output, lambda g, y: g * y * (1 - y))


def tanh(input):
    """Hyperbolic tangent."""
    return _forward("tanh", input, lambda x: x.tanh())


def tanh_backward(grad_output, output):
    """Gradient of :func:`tanh` from its *output* ``y``: ``grad * (1 - y**2)``."""
    return _backward(grad_output, output, lambda g, y: g * (1 - y * y))


def glu(input, dim=-1):
    """Gated linear unit: ``a * sigmoid(b)`` for the halves ``a, b`` of ``dim``."""
    check_tensor("glu", "input", input)
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()} is size {size}")
    a, b = input.narrow(dim, 0, size // 2), input.narrow(dim, size // 2, size // 2)
    return _forward("glu", input, lambda _: opmath(a) * opmath(b).sigmoid())


def glu_backward(grad_output, input, dim=-1):
    """Gradient of :func:`glu`."""
    size = input.shape[dim]
    x, g = opmath(input), opmath(grad_output)
    a, b = x.narrow(dim, 0, size // 2), x.narrow(dim, size // 2, size // 2)
    s = b.sigmoid()
    gi = _C.empty(list(x.shape), x.dtype)
    gi.narrow(dim, 0, size // 2).copy_(g * s)
    gi.narrow(dim, size // 2, size // 2).copy_(g * a * s * (1 - s))
    return gi._to_dtype(input.dtype)


# ---- hard approximations ---------------------------------------------------------
def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``."""
    return _forward("hardsigmoid", input, lambda x: (x + 3).clamp(0, 6) / 6, inplace)


def hardsigmoid_backward(grad_output, input):
    """Gradient of :func:`hardsigmoid`: ``grad / 6`` strictly inside (-3, 3)."""
    return _backward(grad_output, input, lambda g, x: _where((x > -3) & (x < 3), g / 6, 0.0, None))


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``."""
    return _forward("hardswish", input, lambda x: x * (x + 3).clamp(0, 6) / 6, inplace)


def hardswish_backward(grad_output, input):
    """Gradient of :func:`hardswish`."""
    return _backward(
        grad_output,
        input,
        lambda g, x: _where(x <= -3, 0.0, _where(x < 3, g * (x / 3 + 0.5), g, None), None),
    )


def _check_lambd(lambd):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0."""
    return _forward("hardshrink", input, lambda x: _where((x >= -lambd) & (x <= lambd), 0.0, x, None))


def hardshrink_backward(grad_output, input, lambd=0.5):
    """Gradient of :func:`hardshrink`."""
    return _backward(grad_output, input, lambda g, x: _where((x >= -lambd) & (x <= lambd), 0.0, g, None))


def softshrink(input, lambd=0.5):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    _check_lambd(lambd)
    return _forward(
        "softshrink",
        input,
        lambda x: _where(x > lambd, x - lambd, _where(x < -lambd, x + lambd, 0.0, None), None),
    )


def softshrink_backward(grad_output, input, lambd=0.5):
    """Gradient of :func:`softshrink`."""
    return _backward(grad_output, input, lambda g, x: _where((x >= -lambd) & (x <= lambd), 0.0, g, None))


def tanhshrink(input):
    """``x - tanh(x)``."""
    return _forward("tanhshrink", input, lambda x: x - x.tanh())


def tanhshrink_backward(grad_output, input):
    """Gradient of :func:`tanhshrink`: ``grad * tanh(x)**2``."""
    return _backward(grad_output, input, lambda g, x: g * x.tanh().square())
