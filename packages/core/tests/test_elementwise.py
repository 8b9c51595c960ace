# SPDX-License-Identifier: BSD-3-Clause
"""Pointwise ops against numpy, all through the one broadcasting iterator.

Shapes (0-d, empty, size-1 broadcasting, up to 6-d), layouts (transposed,
step-sliced, expanded) and dtypes come from hypothesis. PyTorch (CPU) says
which dtype each result has and which dtype combinations are errors; numpy
computes the values, in float64 from the inputs rounded as PyTorch rounds them.
"""

import functools
import math
import operator

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")
FLOATS = ("float16", "bfloat16", "float32", "float64")
# rtol and atol per result dtype: about one unit in the last place (a correctly
# rounded result is within half of one)
TOL = {"float16": 1e-3, "bfloat16": 8e-3, "float32": 1e-6, "float64": 1e-12}


# ---- the one helper that converts and compares ------------------------------
def to_numpy(t):
    """An ember tensor's values as a numpy array (bfloat16 through float32)."""
    return (t.float() if t.dtype == ember.bfloat16 else t).numpy()


def assert_matches(actual, expected, dtype, slack=0.0):
    """``actual`` (ember) has ``dtype`` and ``expected``'s shape and values,
    exactly for integers and bools, within ``TOL[dtype]`` (plus an absolute
    ``slack`` for error that accumulates, as in reductions) for floats."""
    assert isinstance(actual, ember.Tensor), type(actual)
    assert actual.dtype.name == dtype, f"dtype {actual.dtype.name}, expected {dtype}"
    got, want = to_numpy(actual), np.asarray(expected)
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    if dtype in TOL:
        tol = TOL[dtype]
        np.testing.assert_allclose(
            got.astype(np.float64), want.astype(np.float64), rtol=tol, atol=tol + slack, equal_nan=True
        )
    else:
        np.testing.assert_array_equal(got, want)


def cast(values, dtype):
    """``values`` converted to ``dtype`` as PyTorch converts (wrapping ints,
    rounding floats); floats come back as float64 holding the rounded values."""
    t = torch.as_tensor(np.array(values)).to(getattr(torch, dtype))
    return t.double().numpy() if t.dtype.is_floating_point else t.numpy()


def make(values, dtype):
    """An ember tensor of ``dtype`` holding ``values`` (already representable)."""
    return ember.tensor(np.asarray(values), dtype=getattr(ember, dtype))


def strided_like(t, dtype=None):
    """An uninitialised tensor of ``t``'s shape that is a step-sliced, offset
    view (a non-contiguous out= or in-place target)."""
    base = ember.empty(*(2 * s + 1 for s in t.shape), dtype=dtype or t.dtype)
    return base[(slice(1, None, 2),) * t.dim()]


def exception_kind(exc_type):
    # NotImplementedError is a RuntimeError: compare the families here; the
    # exact class for an unsupported dtype is pinned in test_errors.py.
    return RuntimeError if issubclass(exc_type, RuntimeError) else exc_type


# ---- what PyTorch does -------------------------------------------------------
_TORCH_SAMPLE = {"py:int": 3, "py:float": 1.5, "py:bool": True}


def _torch_operand(kind):
    if kind in _TORCH_SAMPLE:
        return _TORCH_SAMPLE[kind]
    if kind.startswith("0d:"):
        return torch.ones((), dtype=getattr(torch, kind[3:]))
    return torch.ones(2, dtype=getattr(torch, kind))


@functools.cache
def torch_outcome(fn, *kinds):
    """The dtype name PyTorch gives ``fn(*operands)`` for operands of these
    kinds (a dtype name: a tensor; '0d:<dtype>': a 0-d tensor; 'py:int',
    'py:float', 'py:bool': a Python number), or the exception type it raises."""
    try:
        result = fn(*[_torch_operand(k) for k in kinds])
    except Exception as e:  # noqa: BLE001 - any error is an outcome
        return exception_kind(type(e))
    return str(result.dtype if isinstance(result, torch.Tensor) else result).removeprefix("torch.")


def left_out(name, kinds):
    """Cases the randomized tests leave out: PyTorch's fast paths for pow by
    the numbers 0 and 1, which accept bool tensors that pow otherwise rejects."""
    has_bool = any(k.removeprefix("0d:") in ("bool", "py:bool") for k in kinds)
    return name == "pow" and kinds[1].startswith("py:") and has_bool


def kind_of(x):
    if isinstance(x, ember.Tensor):
        return x.dtype.name if x.dim() else "0d:" + x.dtype.name
    return "py:" + type(x).__name__


# ---- inputs ------------------------------------------------------------------
# value domains: (low, high) for floats and for integers
FLOAT_DOMAINS = {
    "any": (-4, 4),
    "pos": (0.1, 5),
    "unit": (-0.99, 0.99),
    "nonzero": (0.5, 5),  # either sign
    "base": (0.5, 3),
    "exponent": (-3, 3),
    "shift": (0, 3),
}
INT_DOMAINS = {
    "any": (-20, 20),
    "pos": (1, 20),
    "unit": (-1, 1),
    "nonzero": (1, 20),  # either sign
    "base": (-3, 3),
    "exponent": (0, 3),
    "shift": (0, 3),
}


def sample(rng, shape, dtype, domain):
    """Random values of ``dtype`` (exactly representable) from ``domain``."""
    shape = tuple(shape)
    if dtype == "bool":
        values = rng.random(shape) < 0.5
        return values | (domain in ("pos", "nonzero"))
    signed = domain == "nonzero" and dtype != "uint8"
    if dtype in FLOATS:
        values = rng.uniform(*FLOAT_DOMAINS[domain], size=shape)
    else:
        low, high = INT_DOMAINS[domain]
        values = rng.integers(max(low, 0) if dtype == "uint8" else low, high + 1, size=shape)
    if signed:
        values = values * rng.choice([-1, 1], size=shape)
    return cast(values, dtype)


LAYOUTS = ("contiguous", "transposed", "strided", "expanded")


@st.composite
def operands(draw, shape, dtype, domain="any"):
    """(ember tensor, numpy values) of ``shape`` in one of ``LAYOUTS``."""
    shape = tuple(shape)
    nd = len(shape)
    layout = draw(st.sampled_from(LAYOUTS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if layout == "transposed":
        order = tuple(range(nd))[::-1]
        base = sample(rng, shape[::-1], dtype, domain)
        return make(base, dtype).permute(order), base.transpose(order)
    if layout == "strided":
        key = (slice(1, None, 2),) * nd
        base = sample(rng, [2 * s + 1 for s in shape], dtype, domain)
        return make(base, dtype)[key], base[key]
    if layout == "expanded":
        keep = draw(st.lists(st.booleans(), min_size=nd, max_size=nd))
        base = sample(rng, [s if k else 1 for s, k in zip(shape, keep)], dtype, domain)
        return make(base, dtype).expand(*shape), np.broadcast_to(base, shape)
    base = sample(rng, shape, dtype, domain)
    return make(base, dtype), base


@st.composite
def python_number(draw, domain="any"):
    """A Python bool, int or float from ``domain``."""
    kind = draw(st.sampled_from(["int", "float", "bool"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "bool":
        return bool(domain in ("pos", "nonzero") or rng.random() < 0.5)
    dtype = "int64" if kind == "int" else "float64"
    return sample(rng, (), dtype, domain).item()


shapes = hnp.array_shapes(min_dims=0, max_dims=6, min_side=0, max_side=4)
broadcast_pair = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=6, min_side=0, max_side=4)
dtypes = st.sampled_from(DTYPES)


# ---- unary ops -----------------------------------------------------------------
def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _erfc(x):
    return np.vectorize(math.erfc, otypes=[np.float64])(x)


# name: (numpy oracle, input domain)
UNARY = {
    "neg": (np.negative, "any"),
    "abs": (np.abs, "any"),
    "sign": (np.sign, "any"),
    "exp": (np.exp, "any"),
    "exp2": (np.exp2, "any"),
    "expm1": (np.expm1, "any"),
    "log": (np.log, "pos"),
    "log2": (np.log2, "pos"),
    "log10": (np.log10, "pos"),
    "log1p": (np.log1p, "pos"),
    "sqrt": (np.sqrt, "pos"),
    "rsqrt": (lambda x: 1 / np.sqrt(x), "pos"),
    "sin": (np.sin, "any"),
    "cos": (np.cos, "any"),
    "tan": (np.tan, "unit"),
    "asin": (np.arcsin, "unit"),
    "acos": (np.arccos, "unit"),
    "atan": (np.arctan, "any"),
    "sinh": (np.sinh, "any"),
    "cosh": (np.cosh, "any"),
    "tanh": (np.tanh, "any"),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), "any"),
    "relu": (lambda x: np.maximum(x, 0), "any"),
    "erf": (_erf, "any"),
    "erfc": (_erfc, "any"),
    "floor": (np.floor, "any"),
    "ceil": (np.ceil, "any"),
    "round": (np.round, "any"),
    "trunc": (np.trunc, "any"),
    "frac": (lambda x: x - np.trunc(x), "any"),
    "reciprocal": (np.reciprocal, "nonzero"),
    "square": (np.square, "any"),
    "logical_not": (np.logical_not, "any"),
    "bitwise_not": (np.invert, "any"),
    "isnan": (np.isnan, "any"),
    "isinf": (np.isinf, "any"),
    "isfinite": (np.isfinite, "any"),
    "isposinf": (np.isposinf, "any"),
    "isneginf": (np.isneginf, "any"),
    "signbit": (np.signbit, "any"),
}


def expected_unary(name, values, in_dtype, out_dtype):
    """numpy's answer, computed in the dtype PyTorch computes in."""
    compute = in_dtype if out_dtype == "bool" else out_dtype
    x = cast(values, compute)
    if x.dtype == np.bool_ and name not in ("logical_not", "bitwise_not"):
        x = x.astype(np.int64)  # numpy has few bool loops; values are what count
    with np.errstate(all="ignore"):
        return UNARY[name][0](x)


def _torch_unary(name):
    return getattr(torch, name)


@functools.cache  # one object per name: torch_outcome caches on it
def _torch_unary_inplace(name):
    return lambda t: getattr(t, name + "_")()


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data(), shape=shapes, dtype=dtypes)
def test_unary_matches_numpy(name, data, shape, dtype):
    x, values = data.draw(operands(shape, dtype, UNARY[name][1]))
    outcome = torch_outcome(_torch_unary(name), dtype)
    fn = getattr(ember, name)
    if not isinstance(outcome, str):
        with pytest.raises(outcome):
            fn(x)
        return
    want = expected_unary(name, values, dtype, outcome)
    assert_matches(fn(x), want, outcome)
    assert_matches(getattr(x, name)(), want, outcome)
    for out in (ember.empty(*shape, dtype=getattr(ember, outcome)), strided_like(x, getattr(ember, outcome))):
        assert fn(x, out=out) is out
        assert_matches(out, want, outcome)
    if hasattr(ember.Tensor, name + "_"):
        y = x.clone()
        inplace = torch_outcome(_torch_unary_inplace(name), dtype)
        if isinstance(inplace, str):
            assert getattr(y, name + "_")() is y
            assert_matches(y, cast(want, dtype), dtype)
        else:
            with pytest.raises(inplace):
                getattr(y, name + "_")()


# ---- binary ops ----------------------------------------------------------------
# name: (numpy oracle, domain of a, domain of b)
BINARY = {
    "add": (np.add, "any", "any"),
    "sub": (np.subtract, "any", "any"),
    "mul": (np.multiply, "any", "any"),
    "div": (np.true_divide, "any", "nonzero"),
    "true_divide": (np.true_divide, "any", "nonzero"),
    "floor_divide": (np.floor_divide, "any", "nonzero"),
    "remainder": (np.remainder, "any", "nonzero"),
    "fmod": (np.fmod, "any", "nonzero"),
    "pow": (np.power, "base", "exponent"),
    "atan2": (np.arctan2, "any", "any"),
    "minimum": (np.minimum, "any", "any"),
    "maximum": (np.maximum, "any", "any"),
    "eq": (np.equal, "unit", "unit"),
    "ne": (np.not_equal, "unit", "unit"),
    "lt": (np.less, "any", "any"),
    "le": (np.less_equal, "unit", "unit"),
    "gt": (np.greater, "any", "any"),
    "ge": (np.greater_equal, "unit", "unit"),
    "logical_and": (np.logical_and, "unit", "unit"),
    "logical_or": (np.logical_or, "unit", "unit"),
    "logical_xor": (np.logical_xor, "unit", "unit"),
    "bitwise_and": (np.bitwise_and, "any", "any"),
    "bitwise_or": (np.bitwise_or, "any", "any"),
    "bitwise_xor": (np.bitwise_xor, "any", "any"),
    "bitwise_left_shift": (np.left_shift, "any", "shift"),
    "bitwise_right_shift": (np.right_shift, "any", "shift"),
}
OPERATORS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "floor_divide": operator.floordiv,
    "remainder": operator.mod,
    "pow": operator.pow,
    "bitwise_and": operator.and_,
    "bitwise_or": operator.or_,
    "bitwise_xor": operator.xor,
    "bitwise_left_shift": operator.lshift,
    "bitwise_right_shift": operator.rshift,
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
INPLACE_OPERATORS = {
    "add": operator.iadd,
    "sub": operator.isub,
    "mul": operator.imul,
    "div": operator.itruediv,
    "floor_divide": operator.ifloordiv,
    "remainder": operator.imod,
    "pow": operator.ipow,
    "bitwise_and": operator.iand,
    "bitwise_or": operator.ior,
    "bitwise_xor": operator.ixor,
    "bitwise_left_shift": operator.ilshift,
    "bitwise_right_shift": operator.irshift,
}


def _takes_number(name):
    try:
        getattr(torch, name)(torch.ones(1), 1)
    except TypeError:
        return False
    except Exception:  # noqa: BLE001 - a dtype error still means the signature fits
        pass
    return True


TAKES_NUMBER = {name: _takes_number(name) for name in BINARY}


PROMOTES_TO_FLOAT = ("div", "true_divide", "atan2")


def expected_binary(name, a, b, kinds, fn):
    """(dtype name, values) PyTorch's ``fn`` gives on operands ``a``, ``b``
    (numpy values or Python numbers) of ``kinds``, or (exception type, None).
    Values are computed in PyTorch's common dtype, then cast to the result's."""
    outcome = torch_outcome(fn, *kinds)
    if not isinstance(outcome, str):
        return outcome, None
    compute = torch_outcome(torch.result_type, *kinds)
    if name in PROMOTES_TO_FLOAT and compute not in FLOATS:
        compute = "float32"  # the default dtype
    x, y = cast(a, compute), cast(b, compute)
    with np.errstate(all="ignore"):
        values = BINARY[name][0](x, y)
    return outcome, values if outcome == compute or outcome == "bool" else cast(values, outcome)


@st.composite
def binary_operands(draw, name, number_left=True, number_right=True):
    """(a, a values, b, b values): tensors with broadcastable shapes; b may be
    a 0-d tensor, and either (not both) a Python number."""
    _, dom_a, dom_b = BINARY[name]
    (sa, sb), _ = draw(broadcast_pair)
    kind = draw(
        st.sampled_from(["tensor", "tensor", "0-d"] + ["number left"] * number_left + ["number right"] * number_right)
    )
    if kind == "number left":
        a = draw(python_number(dom_a))
        b, bv = draw(operands(sb, draw(dtypes), dom_b))
        return a, a, b, bv
    a, av = draw(operands(sa, draw(dtypes), dom_a))
    if kind == "number right":
        b = draw(python_number(dom_b))
        return a, av, b, b
    b, bv = draw(operands(() if kind == "0-d" else sb, draw(dtypes), dom_b))
    return a, av, b, bv


def check_binary(name, fn, torch_fn, a, av, b, bv):
    """``fn(a, b)`` (ember) matches numpy on the dtype PyTorch's ``torch_fn`` gives."""
    if left_out(name, (kind_of(a), kind_of(b))):
        return None
    outcome, want = expected_binary(name, av, bv, (kind_of(a), kind_of(b)), torch_fn)
    if want is None:
        with pytest.raises(outcome):
            fn(a, b)
        return None
    result = fn(a, b)
    assert_matches(result, want, outcome)
    return result


def _torch_binary(name):
    return getattr(torch, name)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_matches_numpy(name, data):
    a, av, b, bv = data.draw(binary_operands(name, number_right=TAKES_NUMBER[name]))
    result = check_binary(name, getattr(ember, name), _torch_binary(name), a, av, b, bv)
    if result is not None and isinstance(a, ember.Tensor):  # the method and out= give the same
        assert_matches(getattr(a, name)(b), to_numpy(result), result.dtype.name)
        for out in (ember.empty(*result.shape, dtype=result.dtype), strided_like(result)):
            assert getattr(ember, name)(a, b, out=out) is out
            assert_matches(out, to_numpy(result), result.dtype.name)


@pytest.mark.parametrize("name", sorted(OPERATORS))
@given(data=st.data())
def test_operators_and_reflected_forms_match_numpy(name, data):
    a, av, b, bv = data.draw(binary_operands(name))
    check_binary(name, OPERATORS[name], OPERATORS[name], a, av, b, bv)


@functools.cache
def _torch_inplace(name):
    return lambda x, y: getattr(x, name + "_")(y)


@pytest.mark.parametrize("name", sorted(INPLACE_OPERATORS))
@given(data=st.data())
def test_inplace_forms_write_into_self(name, data):
    a, av, b, bv = data.draw(binary_operands(name, number_left=False))
    if left_out(name, (kind_of(a), kind_of(b))):
        return
    if isinstance(b, ember.Tensor) and np.broadcast_shapes(a.shape, b.shape) != tuple(a.shape):
        with pytest.raises(RuntimeError):
            getattr(a, name + "_")(b)
        return
    for inplace in (lambda x, y: getattr(x, name + "_")(y), INPLACE_OPERATORS[name]):
        target = strided_like(a).copy_(a) if data.draw(st.booleans(), label="strided") else a.clone()
        version = target._version
        outcome, want = expected_binary(name, av, bv, (kind_of(a), kind_of(b)), _torch_inplace(name))
        if want is None:
            with pytest.raises(outcome):
                inplace(target, b)
            continue
        assert inplace(target, b) is target
        assert target._version > version
        assert_matches(target, want, a.dtype.name)


# ---- NaN, infinities and signed zeros ---------------------------------------------
SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 2.5, -0.5, 1e-30]


def float_results(names):
    """(name, dtype): float dtypes on which PyTorch's unary op gives a float result."""
    return [(n, d) for n in sorted(names) for d in FLOATS if torch_outcome(_torch_unary(n), d) in FLOATS]


@pytest.mark.parametrize("name, dtype", float_results(set(UNARY) - {"isnan", "isinf", "isfinite", "signbit"}))
def test_unary_special_values(name, dtype):
    x = cast(SPECIAL, dtype)
    outcome = torch_outcome(_torch_unary(name), dtype)
    assert_matches(getattr(ember, name)(make(x, dtype)), expected_unary(name, x, dtype, outcome), outcome)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize(
    "name",
    ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "atan2"]
    + ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_xor"],
)
def test_binary_special_values(name, dtype):
    x = cast(SPECIAL, dtype)
    a, b = x[:, None], x[None, :]
    outcome, want = expected_binary(name, a, b, (dtype, dtype), _torch_binary(name))
    assert_matches(getattr(ember, name)(make(a, dtype), make(b, dtype)), want, outcome)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["minimum", "maximum"])
def test_minimum_maximum_propagate_nan_from_either_side(name, dtype):
    x = cast(SPECIAL, dtype)
    a, b = x[:, None], x[None, :]
    with np.errstate(all="ignore"):
        want = getattr(np, name)(a, b)
    assert_matches(getattr(ember, name)(make(a, dtype), make(b, dtype)), want, dtype)


# ops whose sign of zero differs between PyTorch and numpy (sign(-0.) is +0. in PyTorch)
UNSIGNED_ZERO = ("sign", "relu")


def assert_zero_signs_match(name, dtype):
    x = cast([0.0, -0.0, -0.25, 0.25], dtype)
    with np.errstate(all="ignore"):
        want = UNARY[name][0](x)
    got = to_numpy(getattr(ember, name)(make(x, dtype)))
    zeros = want == 0
    np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]))


@pytest.mark.parametrize("name, dtype", float_results(set(UNARY) - set(UNSIGNED_ZERO)))
def test_unary_ops_keep_the_sign_of_zero(name, dtype):
    assert_zero_signs_match(name, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_predicates_on_special_values(dtype):
    x = make(cast(SPECIAL, dtype), dtype)
    for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "logical_not"):
        assert_matches(getattr(ember, name)(x), UNARY[name][0](cast(SPECIAL, dtype)), "bool")


@pytest.mark.parametrize("a, b", [(ember.tensor([1.0]), True), (ember.tensor([True]), 1), (2, ember.tensor([True]))])
def test_sub_rejects_bool_operands(a, b):
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor is not supported"):
        a - b


# ---- ops with extra arguments ----------------------------------------------------
float_dtypes = st.sampled_from(FLOATS)


@given(data=st.data(), shape=shapes, dtype=dtypes, other=st.sampled_from([0, -1.5, True, "tensor"]))
def test_where_matches_numpy(data, shape, dtype, other):
    cond, cv = data.draw(operands(shape, "bool"))
    x, xv = data.draw(operands(shape, dtype))
    ov = other
    if other == "tensor":  # broadcasts, and promotes with x
        other, ov = data.draw(operands(shape[1:], data.draw(dtypes)))
    outcome = torch_outcome(torch.where, "bool", kind_of(x), kind_of(other))
    want = np.where(cv, cast(xv, outcome), cast(ov, outcome))
    assert_matches(ember.where(cond, x, other), want, outcome)
    assert_matches(x.where(cond, other), want, outcome)


def test_where_requires_a_bool_condition():
    with pytest.raises(RuntimeError, match="bool"):
        ember.where(ember.ones(3), ember.ones(3), ember.zeros(3))


bounds = st.one_of(st.none(), st.floats(-3, 3, width=16))


@given(data=st.data(), shape=shapes, dtype=float_dtypes, low=bounds, high=bounds)
def test_clamp_matches_numpy(data, shape, dtype, low, high):
    x, xv = data.draw(operands(shape, dtype))
    if low is None and high is None:
        with pytest.raises(RuntimeError, match="At least one"):
            ember.clamp(x, low, high)
        return
    want = xv
    if low is not None:
        want = np.maximum(want, cast(low, dtype))
    if high is not None:
        want = np.minimum(want, cast(high, dtype))  # min > max: all become max, as PyTorch
    assert_matches(ember.clamp(x, low, high), want, dtype)
    assert_matches(x.clip(min=low, max=high), want, dtype)
    y = x.clone()
    assert y.clamp_(low, high) is y
    assert_matches(y, want, dtype)


def test_clamp_with_tensor_bounds_and_nan_input():
    x = ember.tensor([math.nan, -5.0, 0.5, 5.0])
    r = ember.clamp(x, ember.tensor([-1.0, -1.0, 1.0, -1.0]), ember.tensor(2.0))
    np.testing.assert_array_equal(r.numpy(), [math.nan, -1.0, 1.0, 2.0])


def test_clamp_promotes_like_pytorch():
    x = ember.tensor([1, 5, 9])
    assert_matches(ember.clamp(x, 2, 6), [2, 5, 6], "int64")
    assert_matches(ember.clamp(x, min=2.5), [2.5, 5, 9], "float32")  # a float bound promotes, as in PyTorch


@given(data=st.data(), shape=shapes, dtype=float_dtypes, weight=st.floats(-1, 2, width=16))
def test_lerp_matches_numpy(data, shape, dtype, weight):
    start, sv = data.draw(operands(shape, dtype))
    end, ev = data.draw(operands(shape, dtype))
    want = sv + weight * (ev - sv)  # the weight stays in float32 (opmath), as in PyTorch
    assert_matches(ember.lerp(start, end, weight), want, dtype)
    y = start.clone()
    assert y.lerp_(end, weight) is y
    assert_matches(y, want, dtype)


def test_lerp_with_tensor_weight():
    w = ember.tensor([0.0, 0.5, 1.0])
    np.testing.assert_allclose(ember.lerp(ember.zeros(3), ember.full((3,), 4.0), w).numpy(), [0, 2, 4])


@pytest.mark.parametrize("dtype", FLOATS)
def test_nan_to_num_defaults_and_arguments(dtype):
    x = make(cast([math.nan, math.inf, -math.inf, 1.5], dtype), dtype)
    big = float(torch.finfo(getattr(torch, dtype)).max)
    assert_matches(ember.nan_to_num(x), [0, big, -big, 1.5], dtype)
    assert_matches(x.nan_to_num(nan=2.0, posinf=3.0, neginf=-4.0), [2, 3, -4, 1.5], dtype)
    y = x.clone()
    assert y.nan_to_num_(1.0) is y
    assert_matches(y, [1, big, -big, 1.5], dtype)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
def test_nan_to_num_of_integers_is_a_copy(dtype):
    x = make(cast([0, 1, 1], dtype), dtype)
    r = ember.nan_to_num(x)
    assert_matches(r, cast([0, 1, 1], dtype), dtype)
    assert r.data_ptr() != x.data_ptr()


@given(data=st.data(), shape=shapes, dtype=st.sampled_from(["float32", "float64"]), decimals=st.integers(-2, 3))
def test_round_with_decimals_matches_pytorch(data, shape, dtype, decimals):
    x, xv = data.draw(operands(shape, dtype))
    x, xv = x * 100, xv * 100
    want = torch.round(torch.as_tensor(np.array(cast(xv, dtype))).to(getattr(torch, dtype)), decimals=decimals)
    assert_matches(ember.round(x, decimals=decimals), want.double().numpy(), dtype)


def test_round_is_half_to_even():
    x = ember.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    np.testing.assert_array_equal(ember.round(x).numpy(), [-2, -2, -0, 0, 2, 2])


ROUNDING = {"trunc": np.trunc, "floor": np.floor}


@functools.cache
def _torch_div(mode):
    return functools.partial(torch.div, rounding_mode=mode)


@pytest.mark.parametrize("mode", sorted(ROUNDING))
@given(data=st.data(), dtype_a=dtypes, dtype_b=dtypes)
def test_div_rounding_modes_match_pytorch(mode, data, dtype_a, dtype_b):
    (sa, sb), _ = data.draw(broadcast_pair)
    a, av = data.draw(operands(sa, dtype_a))
    b, bv = data.draw(operands(sb, dtype_b, "nonzero"))
    outcome = torch_outcome(_torch_div(mode), kind_of(a), kind_of(b))
    if not isinstance(outcome, str):
        with pytest.raises(outcome):
            ember.div(a, b, rounding_mode=mode)
        return
    x, y = cast(av, outcome), cast(bv, outcome)
    with np.errstate(all="ignore"):
        want = ROUNDING[mode](x / y)  # float64 quotients: exact enough for these values
    assert_matches(ember.div(a, b, rounding_mode=mode), want, outcome)
    assert_matches(a.div(b, rounding_mode=mode), want, outcome)


def test_div_rejects_unknown_rounding_mode():
    with pytest.raises(ValueError, match="rounding_mode"):
        ember.div(ember.ones(2), 2, rounding_mode="ceil")


def test_add_and_sub_with_alpha():
    a, b = ember.tensor([1.0, 2.0]), ember.tensor([10.0, 20.0])
    np.testing.assert_array_equal(ember.add(a, b, alpha=2).numpy(), [21, 42])
    np.testing.assert_array_equal(a.sub(b, alpha=0.5).numpy(), [-4, -8])
    with pytest.raises(RuntimeError, match="alpha"):
        ember.add(ember.tensor([1]), ember.tensor([1]), alpha=0.5)


def test_float_power_computes_in_float64():
    r = ember.float_power(ember.tensor([2, 3], dtype=ember.int32), 2)
    assert_matches(r, [4.0, 9.0], "float64")


@pytest.mark.parametrize("dtype", FLOATS)
def test_isclose_and_allclose(dtype):
    a = make(cast([1.0, 1.0, 1.0, math.nan, math.inf, -math.inf], dtype), dtype)
    b = make(cast([1.0, 1.25, 3.0, math.nan, math.inf, math.inf], dtype), dtype)
    assert_matches(ember.isclose(a, b, rtol=0.25, atol=0.0), [True, True, False, False, True, False], "bool")
    assert_matches(ember.isclose(a, b, rtol=0.0, atol=0.0, equal_nan=True), [1, 0, 0, 1, 1, 0], "bool")
    assert ember.allclose(a[:2], b[:2], rtol=0.25) and not ember.allclose(a[:2], b[:2])


@pytest.mark.parametrize("number", [np.float64(2), np.float32(2), np.int64(2), np.uint8(2), np.bool_(True)], ids=repr)
def test_numpy_scalars_are_numbers(number):
    t = ember.tensor([1.0, 2.0])
    for r in (t * number, number * t):
        assert isinstance(r, ember.Tensor)
        np.testing.assert_array_equal(r.numpy(), t.numpy() * number)


def test_unary_plus_and_bool_negation():
    t = ember.tensor([1, -2])
    assert (+t) is t
    with pytest.raises(RuntimeError, match="Negation"):
        -ember.tensor([True])
    with pytest.raises(RuntimeError, match="`\\+` operator"):
        +ember.tensor([True])
    np.testing.assert_array_equal((~ember.tensor([True, False])).numpy(), [False, True])


def test_trunc_division_of_16_bit_floats_truncates_the_float32_quotient():
    # 14 / 0.9336 = 14.996: rounding it to bfloat16 first would give 15
    a = ember.tensor([14], dtype=ember.int8)
    b = ember.tensor([0.9336], dtype=ember.bfloat16)
    expected = torch.div(torch.tensor([14], dtype=torch.int8), torch.tensor([0.9336], dtype=torch.bfloat16),
                         rounding_mode="trunc")  # fmt: skip
    got = ember.div(a, b, rounding_mode="trunc")
    assert got.dtype == ember.bfloat16 and got.tolist() == expected.tolist() == [14.0]


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv_match_torch_including_in_place(name):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((4,)).astype(np.float32),
              rng.uniform(0.5, 2.0, (3, 1)).astype(np.float32)]  # fmt: skip
    e = [ember.tensor(a) for a in arrays]
    t = [torch.tensor(a) for a in arrays]
    np.testing.assert_allclose(getattr(ember, name)(*e, value=0.3).numpy(), getattr(torch, name)(*t, value=0.3).numpy(),
                               rtol=1e-6)  # fmt: skip
    getattr(e[0], name + "_")(e[1], e[2], value=-2)
    getattr(t[0], name + "_")(t[1], t[2], value=-2)
    np.testing.assert_allclose(e[0].numpy(), t[0].numpy(), rtol=1e-6, atol=1e-6)
    assert ember.ones(2).clamp_min(3).tolist() == [3.0, 3.0] and ember.ones(2).clamp_max_(0).tolist() == [0.0, 0.0]
