# SPDX-License-Identifier: BSD-3-Clause
"""Reductions against numpy, over a dim, a tuple of dims or everything, with
and without keepdim, on non-contiguous inputs of every dtype. PyTorch, run on
the same values, says which dtype each result has and which calls are errors;
numpy computes the values in float64."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from test_elementwise import DTYPES, FLOATS, assert_matches, cast, exception_kind, make, operands

import ember

# numpy and PyTorch warn about empty means and var with correction >= n; the
# results are what is compared
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
]

# Relative rounding error of one step of the accumulation (16-bit floats
# accumulate in float32).
ACC_EPS = {"float16": 2.0**-24, "bfloat16": 2.0**-24, "float32": 2.0**-24, "float64": 2.0**-53}


class Reduction:
    """How to call one reduction (the same call works on ember and torch),
    its numpy oracle, the dims it takes and the slack its accumulation needs."""

    def __init__(self, call, oracle, dims="tuple", domain="any", slack=None):
        self.call, self.oracle, self.dims, self.domain = call, oracle, dims, domain
        self.slack = slack or (lambda mag, n, dtype: 0.0)


def _summed(mag, n, dtype):
    """Bound on the rounding error of a sum of n terms of size <= mag: pairwise
    sums (log2 n levels) and column sums in blocks of 64 rows."""
    return ACC_EPS[dtype] * (64 + math.log2(n + 1)) * n * mag if dtype in ACC_EPS else 0.0


def _var_slack(mag, n, dtype):
    return _summed(mag * mag, n, dtype)


def _with_dim(fn):
    """fn(x, dim=..., keepdim=...), leaving dim out when it is None."""

    def call(m, x, dim, keepdim, **kw):
        if dim is None:
            return getattr(m, fn)(x, **kw)
        return getattr(m, fn)(x, dim=dim, keepdim=keepdim, **kw)

    return call


def _np(fn, **fixed):
    def oracle(x, dim, keepdim, **kw):
        return fn(x, axis=dim, keepdims=keepdim, **fixed, **kw)

    return oracle


def _np_arg(fn):
    def oracle(x, dim, keepdim):
        r = fn(x, axis=dim)
        if dim is None:
            return np.asarray(r).reshape([1] * x.ndim) if keepdim else r
        return np.expand_dims(r, dim) if keepdim else r

    return oracle


def _np_var(x, dim, keepdim, correction):
    n = x.size if dim is None else np.prod([x.shape[d] for d in np.atleast_1d(dim)])
    with np.errstate(all="ignore"):
        mean = np.mean(x, axis=dim, keepdims=True)
        ss = np.sum((x - mean) ** 2, axis=dim, keepdims=keepdim)
        return ss / max(n - correction, 0)


def _np_norm(x, dim, keepdim, p):
    a = np.abs(x)
    if p == math.inf:
        return np.max(a, axis=dim, keepdims=keepdim, initial=0)
    if p == -math.inf:
        return np.min(a, axis=dim, keepdims=keepdim, initial=math.inf)
    if p == 0:
        return np.sum(a != 0, axis=dim, keepdims=keepdim)
    return np.sum(a**p, axis=dim, keepdims=keepdim) ** (1 / p)


def _np_logsumexp(x, dim, keepdim):
    with np.errstate(all="ignore"):
        return np.log(np.sum(np.exp(x), axis=dim, keepdims=keepdim))


def _np_cumulative(fn):
    def oracle(x, dim, keepdim):
        return fn(x, axis=dim) if x.ndim else x

    return oracle


REDUCTIONS = {
    "sum": Reduction(_with_dim("sum"), _np(np.sum), slack=_summed),
    "mean": Reduction(_with_dim("mean"), _np(np.mean), slack=lambda mag, n, dt: _summed(mag, n, dt) / max(n, 1)),
    "prod": Reduction(_with_dim("prod"), _np(np.prod), dims="int", domain="unit", slack=_summed),
    "amax": Reduction(_with_dim("amax"), _np(np.max)),
    "amin": Reduction(_with_dim("amin"), _np(np.min)),
    "argmax": Reduction(_with_dim("argmax"), _np_arg(np.argmax), dims="int"),
    "argmin": Reduction(_with_dim("argmin"), _np_arg(np.argmin), dims="int"),
    "all": Reduction(_with_dim("all"), _np(np.all), domain="unit"),
    "any": Reduction(_with_dim("any"), _np(np.any), domain="unit"),
    "logsumexp": Reduction(
        _with_dim("logsumexp"), _np_logsumexp, dims="required", slack=lambda mag, n, dt: _summed(mag + 1, n, dt)
    ),
    "cumsum": Reduction(_with_dim("cumsum"), _np_cumulative(np.cumsum), dims="one", slack=_summed),
    "cumprod": Reduction(_with_dim("cumprod"), _np_cumulative(np.cumprod), dims="one", domain="unit", slack=_summed),
}


@st.composite
def reduction_dims(draw, nd, kind):
    """None (all dims, where allowed), one dim (maybe negative) or a tuple."""
    n = max(nd, 1)
    one = st.integers(-n, n - 1)
    several = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).map(tuple)
    options = {
        "tuple": st.one_of(st.none(), one, several),
        "int": st.one_of(st.none(), one),
        "required": st.one_of(one, several),
        "one": one,
    }[kind]
    return draw(options)


def reduced_count(shape, dim):
    if dim is None:
        return math.prod(shape)
    dims = dim if isinstance(dim, tuple) else (dim,)
    return math.prod(shape[d] for d in dims) if shape else 1


def torch_tensor(values, dtype):
    return torch.as_tensor(np.array(values)).to(getattr(torch, dtype))


NO_IDENTITY = ("amax", "amin", "argmax", "argmin", "max", "min")


def check_reduction(op, x, values, dim, keepdim, **kw):
    """ember's result has PyTorch's dtype (or raises its exception) and numpy's values."""
    dtype = x.dtype.name
    try:
        expected = op.call(torch, torch_tensor(values, dtype), dim, keepdim, **kw)
    except Exception as e:  # noqa: BLE001 - the error is the expected outcome
        with pytest.raises(exception_kind(type(e))):
            op.call(ember, x, dim, keepdim, **kw)
        return
    got = op.call(ember, x, dim, keepdim, **kw)
    out_dtype = str(expected.dtype).removeprefix("torch.")
    if x.dim() == 0 or dim is None:  # a 0-d tensor reduces over dim 0 or -1 to itself
        np_dim, keepdim = None, False  # the calls pass keepdim only with a dim
    else:
        np_dim = dim % x.dim() if isinstance(dim, int) else dim
    mag = float(np.max(np.abs(cast(values, "float64")))) if values.size else 0.0
    want = op.oracle(cast(values, "float64" if dtype in FLOATS else "int64"), np_dim, keepdim, **kw)
    if out_dtype == "float16":  # a result past float16's range is inf, as the float16 result is
        with np.errstate(over="ignore"):
            overflows = np.isfinite(want) & ~np.isfinite(np.asarray(want, np.float16))
            want = np.where(overflows, np.sign(want) * np.inf, want)
    slack = op.slack(mag, reduced_count(x.shape, dim), dtype)
    assert_matches(got, np.asarray(want), out_dtype, slack)


shapes_and_dtypes = st.tuples(st.lists(st.integers(0, 4), min_size=0, max_size=5).map(tuple), st.sampled_from(DTYPES))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data(), shape_dtype=shapes_and_dtypes, keepdim=st.booleans())
def test_reduction_matches_numpy(name, data, shape_dtype, keepdim):
    shape, dtype = shape_dtype
    op = REDUCTIONS[name]
    x, values = data.draw(operands(shape, dtype, op.domain))
    dim = data.draw(reduction_dims(len(shape), op.dims))
    check_reduction(op, x, values, dim, keepdim)


VAR_STD = {
    "var": Reduction(_with_dim("var"), _np_var, slack=_var_slack),
    "std": Reduction(
        _with_dim("std"),
        lambda x, dim, keepdim, correction: np.sqrt(_np_var(x, dim, keepdim, correction)),
        slack=lambda mag, n, dt: math.sqrt(_var_slack(mag, n, dt)),
    ),
}


@pytest.mark.parametrize("name", sorted(VAR_STD))
@given(data=st.data(), shape_dtype=shapes_and_dtypes, keepdim=st.booleans(), correction=st.integers(0, 2))
def test_var_and_std_match_numpy(name, data, shape_dtype, keepdim, correction):
    shape, dtype = shape_dtype
    x, values = data.draw(operands(shape, dtype))
    dim = data.draw(reduction_dims(len(shape), "tuple"))
    check_reduction(VAR_STD[name], x, values, dim, keepdim, correction=correction)


@given(data=st.data(), shape_dtype=shapes_and_dtypes, keepdim=st.booleans())
def test_norm_matches_numpy(data, shape_dtype, keepdim):
    shape, dtype = shape_dtype
    x, values = data.draw(operands(shape, dtype))
    dim = data.draw(reduction_dims(len(shape), "tuple"))
    p = data.draw(st.sampled_from([1, 2, 3, 0.5, 0, math.inf, -math.inf]))
    op = Reduction(_with_dim("norm"), _np_norm, slack=lambda mag, n, dt: _summed(mag + 1, n, dt) * 4)
    check_reduction(op, x, values, dim, keepdim, p=p)


@pytest.mark.parametrize("name", ["max", "min"])
@given(data=st.data(), shape_dtype=shapes_and_dtypes, keepdim=st.booleans())
def test_max_and_min_over_a_dim_give_values_and_indices(name, data, shape_dtype, keepdim):
    shape, dtype = shape_dtype
    x, values = data.draw(operands(shape, dtype))
    dim = data.draw(reduction_dims(len(shape), "one"))
    try:
        getattr(torch, name)(torch_tensor(values, dtype), dim, keepdim)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(exception_kind(type(e))):
            getattr(ember, name)(x, dim, keepdim)
        return
    result = getattr(ember, name)(x, dim, keepdim)
    assert type(result).__name__ == name and result._fields == ("values", "indices")
    np_dim, keepdim = (None, False) if not shape else (dim % len(shape), keepdim)
    want = _np_arg(getattr(np, "arg" + name))(cast(values, "float64"), np_dim, keepdim)
    assert_matches(result.indices, want, "int64")
    check_reduction(REDUCTIONS["a" + name], x, values, dim, keepdim)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_without_dim_and_with_a_tensor(name):
    x = ember.tensor([[3.0, -1.0], [7.0, 2.0]])
    assert getattr(x, name)().item() == {"max": 7.0, "min": -1.0}[name]
    pairwise = getattr(ember, name)(x, ember.tensor([0.0, 5.0]))
    np.testing.assert_array_equal(pairwise.numpy(), getattr(np, name + "imum")(x.numpy(), [0.0, 5.0]))


# ---- dtypes ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_and_prod_dtype_rules(dtype):
    x = make(cast([1, 0, 1], dtype), dtype)
    for name in ("sum", "prod", "cumsum", "cumprod"):
        args = (0,) if name.startswith("cum") else ()
        want = getattr(torch, name)(torch_tensor(cast([1, 0, 1], dtype), dtype), *args).dtype
        assert getattr(x, name)(*args).dtype.name == str(want).removeprefix("torch."), name


@pytest.mark.parametrize("dtype", ["int8", "int32", "float16", "float32", "float64"])
def test_sum_mean_with_dtype_argument(dtype):
    x = ember.tensor([[1, 2], [3, 4]], dtype=ember.uint8)
    assert_matches(x.sum(1, dtype=getattr(ember, dtype)), [3, 7], dtype)
    if dtype in FLOATS:
        assert_matches(x.mean(dtype=getattr(ember, dtype)), 2.5, dtype)


@pytest.mark.parametrize("name", ["mean", "var", "std", "norm"])
def test_float_only_reductions_reject_integers(name):
    with pytest.raises(RuntimeError):
        getattr(ember, name)(ember.tensor([1, 2, 3]))


@pytest.mark.parametrize("name", NO_IDENTITY)
def test_empty_reduced_dim_without_identity_raises_even_if_the_output_is_empty(name):
    with pytest.raises(IndexError, match="non-zero size"):
        getattr(ember, name)(ember.zeros(0, 0), 0)


@pytest.mark.parametrize("name", NO_IDENTITY)
def test_empty_reduced_dim_without_identity_raises(name):
    with pytest.raises(IndexError, match="non-zero size"):
        getattr(ember, name)(ember.zeros(3, 0), 1)


def test_argmax_rejects_bool():
    with pytest.raises(RuntimeError, match="bool"):
        ember.argmax(ember.tensor([True, False]))


# ---- special values and accuracy ------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_nan_propagates_through_reductions(dtype):
    values = cast([[1.0, math.nan, 3.0], [4.0, 5.0, -math.inf]], dtype)
    x = make(values, dtype)
    for name in ("sum", "prod", "amax", "amin", "mean", "logsumexp"):
        want = REDUCTIONS[name].oracle(values, 1, False)
        assert_matches(REDUCTIONS[name].call(ember, x, 1, False), want, dtype)
    assert ember.argmax(x, 1).tolist() == [1, 1]  # the first NaN wins, as in PyTorch
    assert ember.argmin(x, 1).tolist() == [1, 2]
    assert x.max(1).indices.tolist() == [1, 1]


def test_logsumexp_of_infinities_and_empty_dims():
    x = ember.tensor([[-math.inf, -math.inf], [math.inf, 0.0]])
    np.testing.assert_array_equal(ember.logsumexp(x, 1).numpy(), [-math.inf, math.inf])
    np.testing.assert_array_equal(ember.logsumexp(ember.zeros(0, 2), 0).numpy(), [-math.inf, -math.inf])
    assert ember.logsumexp(ember.tensor([1000.0, 1000.0]), 0).item() == pytest.approx(1000 + math.log(2))


@pytest.mark.parametrize("n", [10**6 + 3])
def test_float32_sum_is_accurate(n):
    values = np.random.default_rng(0).uniform(0, 1, n).astype(np.float32)
    exact = values.astype(np.float64).sum()
    got = ember.from_numpy(values).sum().item()
    naive_error = abs(float(np.cumsum(values, dtype=np.float32)[-1]) - exact)
    assert abs(got - exact) <= 1e-6 * exact < naive_error  # pairwise, not one running sum
    col = ember.from_numpy(values[: 4096 * 64].reshape(4096, 64))
    np.testing.assert_allclose(
        col.sum(0).numpy(), values[: 4096 * 64].reshape(4096, 64).astype(np.float64).sum(0), rtol=1e-6
    )


def test_integer_sums_are_exact_in_int64():
    x = ember.full((1000,), 2**40, dtype=ember.int64)
    assert x.sum().item() == 1000 * 2**40
    assert ember.full((300,), 100, dtype=ember.int8).sum().item() == 30000


def test_out_argument():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    out = ember.empty(2)
    assert ember.sum(x, 0, out=out) is out
    np.testing.assert_array_equal(out.numpy(), [4.0, 6.0])
    with pytest.raises(RuntimeError, match=r"\[3\]"):
        ember.sum(x, 0, out=ember.empty(3))


def test_duplicate_dims_raise():
    with pytest.raises(RuntimeError, match="multiple times"):
        ember.sum(ember.zeros(2, 3), (1, -1))


def test_cumulative_in_place():
    x = ember.tensor([1, 2, 3], dtype=ember.int32)
    assert x.cumsum_(0) is x
    assert x.tolist() == [1, 3, 6] and x.dtype == ember.int32
