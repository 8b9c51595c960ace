# SPDX-License-Identifier: BSD-3-Clause
"""More random sampling, built on the core's uniform and normal fills:
Bernoulli, exponential, geometric, log-normal, Cauchy, multinomial and
Poisson. Every sample comes from whole-tensor ``uniform_``/``normal_`` draws
(counter-based Philox), so a seed gives the same values whatever the number
of threads; the uniforms are drawn in float64 and the result is cast."""

from __future__ import annotations

import math
import operator

from . import _C
from ._dtypes import BY_NAME, torch_name
from ._registry import Tensor, export

_f64 = BY_NAME["float64"]
_int64 = BY_NAME["int64"]
_C_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


def _uniform(shape, generator):
    """float64 samples in [0, 1)."""
    return _C.uniform_(_C.empty(list(shape), _f64), 0.0, 1.0, generator)


def _need_float(t, message):
    if not t.dtype.is_floating_point:
        raise RuntimeError(message)


def _not_implemented(kernel, dtype):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{torch_name(dtype)}'")


def _check_probabilities(p):
    """PyTorch's check of a probability tensor for Bernoulli: floating point, in [0, 1]."""
    if not p.dtype.is_floating_point:
        raise _not_implemented("bernoulli_tensor_cpu_p_", p.dtype)
    if p.numel() and bool(((p < 0) | (p > 1) | p.isnan()).any()):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


# ---- in-place fills (Tensor methods) -----------------------------------------
def bernoulli_(self, p=0.5, *, generator=None):
    """Fills ``self`` with 0/1 samples, 1 with probability ``p`` (a number or a
    tensor broadcastable to ``self``); any dtype."""
    if isinstance(p, Tensor):
        _check_probabilities(p)
        p = p.expand(*self.shape)
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        p = float(p)
    return self.copy_(_uniform(self.shape, generator) < p)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fills ``self`` with exponential samples of rate ``lambd``."""
    _need_float(
        self,
        "Exponential distribution is a continuous probability distribution. dtype must be a floating point "
        f"but you specified {torch_name(self.dtype)}",
    )
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    u = _uniform(self.shape, generator)
    return self.copy_((-u).log1p() * (-1.0 / lambd))


def geometric_(self, p, *, generator=None):
    """Fills ``self`` with the number of Bernoulli(``p``) trials up to and
    including the first success (1, 2, ...); any dtype."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    u = 1.0 - _uniform(self.shape, generator)  # (0, 1]
    k = (u.log() * (1.0 / math.log1p(-p))).ceil().clamp(min=1.0)
    return self.copy_(k)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fills ``self`` with ``exp(N(mean, std**2))`` samples."""
    if not self.dtype.is_floating_point:
        raise _not_implemented("log_normal_cpu", self.dtype)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    z = _C.normal_(_C.empty(list(self.shape), _f64), float(mean), float(std), generator)
    return self.copy_(z.exp())


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fills ``self`` with Cauchy samples: ``median + sigma * tan(pi * (u - 1/2))``."""
    _need_float(
        self,
        "Cauchy distribution is a continuous probability distribution. dtype must be a floating point "
        f"but you specified {_C_NAMES.get(self.dtype.name, self.dtype.name)}",
    )
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    u = _uniform(self.shape, generator)
    return self.copy_(((u - 0.5) * math.pi).tan() * float(sigma) + float(median))


Tensor.bernoulli_ = bernoulli_
Tensor.exponential_ = exponential_
Tensor.geometric_ = geometric_
Tensor.log_normal_ = log_normal_
Tensor.cauchy_ = cauchy_


# ---- sampling functions ------------------------------------------------------
def _finish(result, out):
    if out is None:
        return result
    out.copy_(result)
    return out


@export
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples shaped like ``input``: 1 with probability ``input`` (or
    with probability ``p`` everywhere, when given)."""
    if p is None:
        _check_probabilities(input)
        p = input
    result = _C.empty(list(input.shape), input.dtype)
    return _finish(bernoulli_(result, p, generator=generator), out)


def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


_bernoulli_method.__name__ = "bernoulli"
Tensor.bernoulli = _bernoulli_method


@export
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """``num_samples`` category indices per row of ``input`` (1-D or 2-D
    non-negative weights, not necessarily normalized), drawn with or without
    replacement. Without replacement the indices come out in the order they
    would be drawn one by one."""
    if isinstance(num_samples, bool) or not isinstance(num_samples, int):
        if not hasattr(num_samples, "__index__") or isinstance(num_samples, float):
            raise TypeError(
                f"multinomial(): argument 'num_samples' (position 2) must be int, not {type(num_samples).__name__}"
            )
        num_samples = operator.index(num_samples)
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {torch_name(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = input.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n > 2**24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    p = input.reshape(-1, n)._to_dtype(_f64)
    if p.shape[0] == 0:
        result = _C.empty([0, num_samples], _int64)
        return _finish(result if input.dim() == 2 else result.reshape(num_samples), out)
    _check_distribution(p, replacement and num_samples > 1)
    largest = p.amax(-1, keepdim=True)
    p = p / largest  # in [0, 1]: the cumulative sum cannot overflow
    if replacement:
        # inverse CDF: the first category whose cumulative weight exceeds u * total
        cdf = p.cumsum(-1)
        cdf = cdf / cdf[:, -1:]  # the last entry is exactly 1 > u
        u = _uniform((p.shape[0], num_samples), generator)
        result = _C.searchsorted(cdf, u, True)
    else:
        # exponential race (Gumbel-top-k): the k smallest E_i / p_i, E_i ~ Exp(1),
        # are k draws without replacement, in draw order
        e = (-_uniform(p.shape, generator)).log1p().neg()
        keys = _C.where(p > 0, e / p, math.inf, None)
        result = _C.topk_last(keys, num_samples, False, True)[1]
    return _finish(result if input.dim() == 2 else result.reshape(num_samples), out)


def _check_distribution(p, row_by_row):
    """PyTorch's checks of multinomial weights [rows, n] (float64): one check
    of the whole tensor (without replacement, or for one sample), else row by
    row the first bad entry of a row (< 0 or NaN, then infinite) or a zero sum."""
    negative = (p < 0) | p.isnan()
    infinite = p.isinf()
    empty_row = p.amax(-1) <= 0
    if not bool((negative | infinite).any() | empty_row.any()):
        return
    if not row_by_row and bool((negative | infinite).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    for neg, inf, empty in zip(negative.tolist(), infinite.tolist(), empty_row.tolist()):
        first = next((i for i, (a, b) in enumerate(zip(neg, inf)) if a or b), None)
        if first is not None:
            what = "< 0" if neg[first] else "= infinity or NaN"
            raise RuntimeError(f"invalid multinomial distribution (encountering probability entry {what})")
        if empty:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


_multinomial_method.__name__ = "multinomial"
Tensor.multinomial = _multinomial_method


# ---- Poisson -----------------------------------------------------------------
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _lgamma(x):
    """log Gamma(x) for x >= 1 (float64): Stirling's series at x + 7, shifted back."""
    y = x + 7.0
    inv = y.reciprocal()
    inv2 = inv * inv
    series = inv * (1 / 12 + inv2 * (-1 / 360 + inv2 * (1 / 1260 + inv2 * (-1 / 1680))))
    shift = x.log()
    for i in range(1, 7):
        shift = shift + (x + float(i)).log()
    return (y - 0.5) * y.log() - y + _HALF_LOG_2PI + series - shift


def _poisson_small(lam, active, generator):
    """Inversion by sequential search (one uniform per element) for rates < 10."""
    u = _uniform(lam.shape, generator)
    term = (-lam).exp()
    cdf = term.clone()
    k = _C.empty(list(lam.shape), _f64).zero_()
    pending = active & (u > cdf)
    for i in range(1, 1000):  # rates < 10: the tail beyond ~60 has probability < 1e-25
        if not bool(pending.any()):
            break
        term = term * lam / float(i)
        cdf = cdf + term
        k = _C.where(pending, float(i), k, None)
        pending = pending & (u > cdf)
    return k


def _poisson_large(lam, active, generator):
    """Hörmann's transformed rejection with squeeze (PTRS), as NumPy, for rates >= 10.
    Every round draws two uniforms for every element (accepted or not), so the
    stream consumed does not depend on which elements were accepted earlier."""
    lam = _C.where(active, lam, 10.0, None)
    slam, loglam = lam.sqrt(), lam.log()
    b = slam * 2.53 + 0.931
    a = b * 0.02483 - 0.059
    log_invalpha = ((b - 3.4).reciprocal() * 1.1328 + 1.1239).log()
    vr = 0.9277 - 3.6224 / (b - 2.0)
    k = _C.empty(list(lam.shape), _f64).zero_()
    pending = active.clone()
    while bool(pending.any()):
        U = _uniform(lam.shape, generator) - 0.5  # noqa: N806 - the paper's names
        V = _uniform(lam.shape, generator)  # noqa: N806
        us = 0.5 - U.abs()
        kk = ((a * 2.0 / us + b) * U + lam + 0.43).floor()
        fast = (us >= 0.07) & (V <= vr)
        maybe = (kk >= 0) & ~((us < 0.013) & (V > us))
        bound = -lam + kk * loglam - _lgamma(kk.clamp(min=0.0) + 1.0)
        slow = maybe & ((V.log() + log_invalpha - (a / (us * us) + b).log()) <= bound)
        accept = pending & (fast | slow)
        k = _C.where(accept, kk, k, None)
        pending = pending & ~accept
    return k


@export
def poisson(input, generator=None):
    """Poisson samples with the rates ``input`` (non-negative floats), as
    floats of the same dtype."""
    if not input.dtype.is_floating_point:
        raise _not_implemented("poisson_cpu", input.dtype)
    lam = input._to_dtype(_f64)
    if lam.numel() and bool(((lam < 0) | lam.isnan()).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    small = lam < 10.0
    k = _poisson_small(lam, small, generator)
    large = ~small
    if lam.numel() and bool(large.any()):
        k = _C.where(large, _poisson_large(lam, large, generator), k, None)
    return k._to_dtype(input.dtype)
