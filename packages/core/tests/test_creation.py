# SPDX-License-Identifier: BSD-3-Clause
"""Creation: from data (copies and zero-copy), filled, ranges and random.
Values against numpy; dtype inference and errors against PyTorch."""

import sys

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_elementwise import DTYPES, FLOATS, assert_matches, to_numpy

import ember


def dtype_name(t):
    return str(t.dtype).split(".")[-1]


# ---- from data -------------------------------------------------------------------------
nested_numbers = hnp.arrays(
    st.sampled_from([np.bool_, np.int64, np.float64]),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    elements={"allow_nan": False, "allow_infinity": False, "min_value": 0, "max_value": 100},  # fits every dtype
).map(lambda a: a.tolist())


@given(data=nested_numbers, dtype=st.one_of(st.none(), st.sampled_from(DTYPES)))
def test_tensor_from_nested_lists_matches_pytorch(data, dtype):
    want = torch.tensor(data, dtype=None if dtype is None else getattr(torch, dtype))
    got = ember.tensor(data, dtype=None if dtype is None else getattr(ember, dtype))
    assert_matches(got, want.double().numpy() if want.is_floating_point() else want.numpy(), dtype_name(want))


@pytest.mark.parametrize(
    "np_dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
)
def test_tensor_copies_numpy_arrays_keeping_their_dtype(np_dtype):
    a = np.arange(6).reshape(2, 3).astype(np_dtype)[:, ::2]
    t = ember.tensor(a)
    assert_matches(t, a, np_dtype)
    a[...] = 0
    assert to_numpy(t).tolist() == np.arange(6).reshape(2, 3).astype(np_dtype)[:, ::2].tolist()


def test_tensor_of_scalars_and_tensors():
    assert ember.tensor(3).dtype == ember.int64 and ember.tensor(3).dim() == 0
    assert ember.tensor(2.5).dtype == ember.float32 and ember.tensor(True).dtype == ember.bool
    assert ember.tensor([]).dtype == ember.float32 and tuple(ember.tensor([]).shape) == (0,)
    src = ember.tensor([1.0, 2.0])
    copy = ember.tensor(src)
    copy.fill_(0)
    assert src.tolist() == [1.0, 2.0]
    assert_matches(ember.tensor([1.0, 2.0], dtype=ember.bfloat16), [1.0, 2.0], "bfloat16")


def test_tensor_rejects_ragged_and_huge():
    with pytest.raises(ValueError):
        ember.tensor([[1], [1, 2]])
    with pytest.raises((ValueError, RuntimeError, TypeError)):
        ember.tensor(2**64)


@pytest.mark.parametrize(
    "np_dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
)
def test_from_numpy_shares_memory(np_dtype):
    base = np.zeros((4, 6), dtype=np_dtype)
    a = base[1:, ::2]  # a strided view with an offset
    t = ember.from_numpy(a)
    assert t.dtype.name == np_dtype and tuple(t.shape) == a.shape
    assert t.stride() == tuple(s // a.itemsize for s in a.strides)
    a[0, 1] = 1
    assert to_numpy(t)[0, 1] == 1
    t.fill_(1)
    assert base[1:, ::2].all() and not base[0].any()


def test_from_numpy_keeps_the_array_alive():
    t = ember.from_numpy(np.arange(1000, dtype=np.int64))
    assert t.sum().item() == sum(range(1000))


@pytest.mark.parametrize(
    "array, error",
    [
        (np.arange(3)[::-1], ValueError),
        (np.arange(3, dtype=">i4"), ValueError),
        (np.zeros(2, dtype=np.complex128), TypeError),
        (np.zeros(2, dtype=object), TypeError),
        (np.zeros(2, dtype=np.uint32), TypeError),
    ],
    ids=["negative-stride", "big-endian", "complex", "object", "uint32"],
)
def test_from_numpy_errors(array, error):
    with pytest.raises(error):
        ember.from_numpy(array)


def test_from_numpy_rejects_non_arrays():
    with pytest.raises(TypeError):
        ember.from_numpy([1, 2])


def test_as_tensor_shares_when_it_can():
    a = np.arange(3.0)
    t = ember.as_tensor(a)
    a[0] = 7
    assert t[0].item() == 7
    c = ember.as_tensor(a, dtype=ember.float32)  # another dtype: a copy
    a[1] = 9
    assert c.tolist() == [7.0, 1.0, 2.0]
    assert ember.as_tensor(t) is t
    assert ember.asarray([1, 2]).tolist() == [1, 2]


# ---- filled ----------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(), (0,), (2, 3), ((2, 3),), ([4],), (ember.Size([1, 2]),)])
@pytest.mark.parametrize("dtype", [None, "int32", "bool", "bfloat16"])
def test_zeros_ones_full_empty(size, dtype):
    dt = None if dtype is None else getattr(ember, dtype)
    shape = size[0] if len(size) == 1 and not isinstance(size[0], int) else size
    want_dtype = dtype or "float32"
    assert_matches(ember.zeros(*size, dtype=dt), np.zeros(shape), want_dtype)
    assert_matches(ember.ones(*size, dtype=dt), np.ones(shape), want_dtype)
    assert_matches(ember.full(shape, 1.0, dtype=dt), np.ones(shape), want_dtype)
    e = ember.empty(*size, dtype=dt)
    assert tuple(e.shape) == tuple(shape) and e.dtype.name == want_dtype and e.is_contiguous()


@pytest.mark.parametrize("value", [True, 3, -2.5])
def test_full_infers_dtype_like_pytorch(value):
    assert ember.full((2,), value).dtype.name == dtype_name(torch.full((2,), value))


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_factories_reject_negative_sizes(name):
    with pytest.raises(RuntimeError, match="negative dimension"):
        getattr(ember, name)(2, -1)


@pytest.mark.parametrize("name", ["empty", "zeros", "ones", "rand"])
def test_factories_fill_out_and_need_autograd_for_requires_grad(name, monkeypatch):
    out = ember.empty(2, 3)
    assert getattr(ember, name)(2, 3, out=out) is out
    with pytest.raises(RuntimeError, match=r"\[2, 3\]"):
        getattr(ember, name)(2, 3, out=ember.empty(4))
    # as if ember-autograd were not installed
    from ember import _autograd_tensor

    monkeypatch.setattr(_autograd_tensor, "_autograd", None)
    monkeypatch.setitem(sys.modules, "ember.autograd", None)
    with pytest.raises(ModuleNotFoundError, match="pip install ember-autograd"):
        getattr(ember, name)(2, requires_grad=True)


def test_like_factories_keep_shape_and_dtype():
    x = ember.zeros(3, 4, dtype=ember.int16).t()
    for name in ("empty_like", "zeros_like", "ones_like"):
        r = getattr(ember, name)(x)
        assert tuple(r.shape) == (4, 3) and r.dtype == ember.int16
    assert ember.ones_like(x).sum().item() == 12
    assert ember.full_like(x, 7).tolist() == [[7] * 3] * 4
    assert ember.zeros_like(x, dtype=ember.float64).dtype == ember.float64
    assert ember.rand_like(ember.zeros(2, 2)).shape == (2, 2)
    r = ember.randint_like(x, 5)
    assert r.dtype == ember.int16 and 0 <= r.min().item() and r.max().item() < 5


def test_new_factories():
    x = ember.zeros(2, dtype=ember.int8)
    assert x.new_zeros(3).dtype == ember.int8 and x.new_ones((1, 2)).tolist() == [[1, 1]]
    assert x.new_full((2,), 4).tolist() == [4, 4] and x.new_tensor([1, 2]).dtype == ember.int8
    assert tuple(x.new_empty(5).shape) == (5,)


# ---- ranges ----------------------------------------------------------------------------------
range_args = st.one_of(
    st.tuples(st.integers(-20, 20)),
    st.tuples(st.integers(-20, 20), st.integers(-20, 20)),
    st.tuples(st.integers(-20, 20), st.integers(-20, 20), st.integers(-5, 5)),
    st.tuples(
        st.floats(-10, 10).map(lambda v: round(v, 2)),
        st.floats(-10, 10).map(lambda v: round(v, 2)),
        st.sampled_from([0.1, 0.25, -0.3, 1.5, 0.0]),
    ),
)


@given(args=range_args, dtype=st.sampled_from([None, "int32", "float64", "float16"]))
def test_arange_matches_pytorch_and_numpy(args, dtype):
    kw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    try:
        want = torch.arange(*args, **kw)
    except (RuntimeError, ValueError) as e:
        with pytest.raises((RuntimeError, ValueError), match=str(e)[:16]):
            ember.arange(*args, dtype=None if dtype is None else getattr(ember, dtype))
        return
    got = ember.arange(*args, dtype=None if dtype is None else getattr(ember, dtype))
    assert tuple(got.shape) == tuple(want.shape)
    start, end, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
    values = start + np.arange(got.numel()) * step  # as PyTorch: start + i * step
    assert_matches(got, values if want.is_floating_point() else want.numpy(), dtype_name(want))


@given(
    start=st.floats(-10, 10),
    end=st.floats(-10, 10),
    steps=st.integers(0, 50),
    dtype=st.sampled_from(["float32", "float64", "bfloat16", "int64"]),
)
def test_linspace_matches_numpy(start, end, steps, dtype):
    got = ember.linspace(start, end, steps, dtype=getattr(ember, dtype))
    if dtype == "int64":  # PyTorch truncates the float values
        want = torch.linspace(start, end, steps, dtype=torch.float64).to(torch.int64).numpy()
    else:
        want = np.linspace(start, end, steps)
    assert_matches(got, want, dtype, slack=1e-12 * (abs(start) + abs(end)))
    if steps >= 2 and dtype == "float64":
        assert got[0].item() == start and got[-1].item() == end


def test_linspace_of_one_step_is_start():
    assert ember.linspace(2, 3, 1).tolist() == [2.0]


def test_linspace_and_logspace_details():
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.linspace(0, 1, -1)
    assert_matches(ember.logspace(0, 3, 4), np.logspace(0, 3, 4), "float32")
    assert_matches(ember.logspace(1, 3, 3, base=2.0, dtype=ember.float64), [2.0, 4.0, 8.0], "float64")


@pytest.mark.parametrize("n, m", [(0, None), (1, None), (3, None), (2, 4), (4, 2), (3, 0)])
def test_eye_matches_numpy(n, m):
    assert_matches(ember.eye(n, m), np.eye(n, m), "float32")
    assert_matches(ember.eye(n, m, dtype=ember.int8), np.eye(n, m), "int8")


# ---- random ----------------------------------------------------------------------------------
RANDOM = {
    "rand": lambda g, dtype=None: ember.rand(1000, generator=g, dtype=dtype),
    "randn": lambda g, dtype=None: ember.randn(1000, generator=g, dtype=dtype),
    "randint": lambda g, dtype=None: ember.randint(-5, 5, (1000,), generator=g, dtype=dtype),
    "randperm": lambda g, dtype=None: ember.randperm(1000, generator=g, dtype=dtype),
    "normal": lambda g, dtype=None: ember.normal(2.0, 3.0, (1000,), generator=g, dtype=dtype),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_same_seed_same_numbers(name):
    draw = RANDOM[name]
    a = draw(ember.Generator().manual_seed(1234)).tolist()
    assert a == draw(ember.Generator().manual_seed(1234)).tolist()
    assert a != draw(ember.Generator().manual_seed(1235)).tolist()
    g = ember.Generator().manual_seed(1234)
    draw(g)
    assert draw(g).tolist() != a  # the generator moves on
    ember.manual_seed(99)
    b = draw(None).tolist()
    ember.manual_seed(99)
    assert draw(None).tolist() == b


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rand_is_in_unit_interval_and_uniform(dtype):
    x = ember.rand(200_000, generator=ember.Generator().manual_seed(0), dtype=getattr(ember, dtype)).numpy()
    assert x.min() >= 0 and x.max() < 1
    counts, _ = np.histogram(x, bins=10, range=(0, 1))
    assert np.all(np.abs(counts - 20_000) < 1000)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_rand_of_16_bit_floats_stays_below_one(dtype):
    x = ember.rand(100_000, generator=ember.Generator().manual_seed(0), dtype=getattr(ember, dtype))
    assert x.max().item() < 1


@pytest.mark.parametrize("dtype", FLOATS)
def test_randn_and_normal_moments(dtype):
    g = ember.Generator().manual_seed(3)
    x = to_numpy(ember.randn(100_000, generator=g, dtype=getattr(ember, dtype))).astype(np.float64)
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02
    y = to_numpy(ember.normal(5.0, 0.5, (100_000,), generator=g, dtype=getattr(ember, dtype))).astype(np.float64)
    assert abs(y.mean() - 5) < 0.02 and abs(y.std() - 0.5) < 0.02


def test_normal_with_tensor_arguments_broadcasts():
    mean = ember.arange(3.0).reshape(3, 1) * 100
    std = ember.tensor([0.0, 1.0])
    r = ember.normal(mean, std, generator=ember.Generator().manual_seed(0))
    assert tuple(r.shape) == (3, 2)
    assert r[:, 0].tolist() == [0.0, 100.0, 200.0]  # std 0: exactly the mean
    with pytest.raises(RuntimeError, match="std"):
        ember.normal(0.0, -1.0, (2,))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "int64", "float32"])
def test_randint_range_and_dtype(dtype):
    x = ember.randint(3, 10, (5000,), dtype=getattr(ember, dtype), generator=ember.Generator().manual_seed(1))
    values = to_numpy(x)
    assert x.dtype.name == dtype and set(values.tolist()) == set(range(3, 10))
    assert ember.randint(4, (3, 2)).dtype == ember.int64
    with pytest.raises(RuntimeError, match="from"):
        ember.randint(5, 5, (2,))


@given(n=st.integers(0, 300), seed=st.integers(0, 2**32))
def test_randperm_is_a_permutation(n, seed):
    p = ember.randperm(n, generator=ember.Generator().manual_seed(seed))
    assert p.dtype == ember.int64 and sorted(p.tolist()) == list(range(n))


def test_randperm_shuffles():
    p = ember.randperm(1000, generator=ember.Generator().manual_seed(0)).numpy()
    assert (p != np.arange(1000)).mean() > 0.9


@pytest.mark.parametrize("name", ["rand", "randn"])
def test_float_random_rejects_integer_dtypes(name):
    with pytest.raises(RuntimeError, match="not implemented for"):
        getattr(ember, name)(2, dtype=ember.int64)


@pytest.mark.parametrize("dtype, high", [("float16", 2**11), ("bfloat16", 2**8), ("float32", 2**24), ("int8", 127)])
def test_random_fills_the_dtype_range_like_pytorch(dtype, high):
    x = to_numpy(ember.empty(20_000, dtype=getattr(ember, dtype)).random_(generator=ember.Generator().manual_seed(0)))
    assert x.min() >= 0 and x.max() <= high and x.max() > high * 0.99
    assert np.all(x == np.round(x))


def test_random_with_one_argument_is_the_upper_bound():
    x = ember.empty(1000).random_(10, generator=ember.Generator().manual_seed(0))
    assert set(x.tolist()) == set(float(v) for v in range(10))
    y = ember.empty(1000, dtype=ember.int64).random_(-3, 3)
    assert set(y.tolist()) == set(range(-3, 3))


def test_in_place_random_fills():
    g = ember.Generator().manual_seed(0)
    x = ember.empty(10_000).uniform_(-2.0, 3.0, generator=g)
    assert -2 <= x.min().item() and x.max().item() < 3 and abs(x.mean().item() - 0.5) < 0.05
    y = ember.empty(2, 3).t()  # non-contiguous: every element is written
    y.normal_(10.0, 0.001)
    assert abs(y.mean().item() - 10) < 0.01


@pytest.mark.parametrize("seed", [0, 7, 2**32 + 1, 2**63 - 1, 2**63 + 5, 2**64 - 1, -1])
def test_manual_seed_accepts_pytorchs_range_and_state_round_trips(seed):
    g = ember.Generator().manual_seed(seed)
    assert g.initial_seed() == seed % 2**64 == torch.Generator().manual_seed(seed).initial_seed()
    assert ember.manual_seed(seed).initial_seed() == seed % 2**64
    ember.rand(10)
    state = ember.get_rng_state()
    a = ember.rand(5).tolist()
    ember.set_rng_state(state)
    assert ember.rand(5).tolist() == a
    state = g.get_state()
    b = ember.rand(5, generator=g).tolist()
    assert ember.rand(5, generator=g.set_state(state)).tolist() == b


def test_manual_seed_rejects_seeds_out_of_range():
    with pytest.raises((ValueError, RuntimeError)):
        ember.manual_seed(2**64)


@pytest.mark.parametrize(
    "data",
    [
        [np.int32(1), np.int32(2)],
        [[np.int16(1)], [np.int16(2)]],
        [np.int16(1), 2],
        [np.uint8(1), np.int8(2)],
        [np.int32(1), 2.5],
        [np.int8(3)],
        np.int32(3),
        [1, 2],
    ],
)
def test_numpy_integer_scalars_keep_their_type_like_torch(data):
    assert dtype_name(ember.tensor(data)) == dtype_name(torch.tensor(data))
    assert dtype_name(ember.as_tensor(data)) == dtype_name(torch.as_tensor(data))
    np.testing.assert_array_equal(ember.tensor(data).numpy(), torch.tensor(data).numpy())


def test_randint_forms_like_torch():
    for call in (lambda m: m.randint(10, (3,)), lambda m: m.randint(10, size=(2, 2)), lambda m: m.randint(3, 10, (4,))):
        got, want = call(ember), call(torch)
        assert tuple(got.shape) == tuple(want.shape) and dtype_name(got) == dtype_name(want)
    assert 0 <= int(ember.randint(10, size=(50,)).min()) and int(ember.randint(10, size=(50,)).max()) < 10
    with pytest.raises(TypeError):
        ember.randint(10)


def test_tensor_predicates_and_numel_as_functions():
    x, n = ember.ones(2, 3), torch.ones(2, 3)
    assert ember.is_tensor(x) and not ember.is_tensor([1.0]) and not ember.is_tensor(n)
    assert ember.numel(x) == torch.numel(n) == 6
    for name in ("is_floating_point", "is_complex"):
        for e, t in ((x, n), (x.long(), n.long())):
            assert getattr(ember, name)(e) == getattr(torch, name)(t)
    for value in (0.0, 2.0, float("nan")):
        assert ember.is_nonzero(ember.tensor([value])) == torch.is_nonzero(torch.tensor([value]))
        assert ember.tensor([[value]]).is_nonzero() == torch.tensor([[value]]).is_nonzero()
    for size in (0, 2):
        with pytest.raises(RuntimeError, match="Boolean value of Tensor with .* is ambiguous"):
            ember.is_nonzero(ember.zeros(size))
