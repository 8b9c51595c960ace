# SPDX-License-Identifier: BSD-3-Clause
"""Type promotion against PyTorch: promote_types, can_cast, and result_type
and the dtype of ``a + b`` (and ``a * b``, ``a / b``) for every pair of
operands among tensors, 0-d tensors and Python numbers of every dtype."""

import operator

import pytest
import torch

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")
NUMBERS = {"int": 2, "float": 2.5, "bool": True}
# an operand kind: "<dtype>" a 1-d tensor, "0d:<dtype>" a 0-d tensor, "py:<type>" a Python number
KINDS = [*DTYPES, *("0d:" + d for d in DTYPES), *("py:" + n for n in NUMBERS)]


def operand(lib, kind):
    if kind.startswith("py:"):
        return NUMBERS[kind[3:]]
    dtype = getattr(lib, kind.removeprefix("0d:"))
    return lib.ones((), dtype=dtype) if kind.startswith("0d:") else lib.ones(3, dtype=dtype)


def name(dtype):
    return str(dtype).split(".")[-1]


def outcome(fn, lib, *kinds):
    """The dtype name of fn(*operands), or the exception type it raises."""
    try:
        return name(fn(*(operand(lib, k) for k in kinds)).dtype)
    except Exception as e:  # noqa: BLE001 - the error is an outcome
        return RuntimeError if isinstance(e, RuntimeError) else type(e)


@pytest.mark.parametrize("a", DTYPES)
def test_promote_types_matches_pytorch(a):
    for b in DTYPES:
        got = ember.promote_types(getattr(ember, a), getattr(ember, b))
        assert name(got) == name(torch.promote_types(getattr(torch, a), getattr(torch, b))), (a, b)


@pytest.mark.parametrize("a", DTYPES)
def test_can_cast_matches_pytorch(a):
    for b in DTYPES:
        got = ember.can_cast(getattr(ember, a), getattr(ember, b))
        assert got == torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


def _result_type(lib):
    return lambda x, y: lib.empty(0, dtype=lib.result_type(x, y))


@pytest.mark.parametrize("a", KINDS)
def test_result_type_and_arithmetic_dtypes_match_pytorch(a):
    mismatches = []
    for b in KINDS:
        if a.startswith("py:") and b.startswith("py:"):
            continue  # two numbers are not a tensor operation
        for label, fn in (("result_type", None), ("+", operator.add), ("*", operator.mul), ("/", operator.truediv)):
            want = outcome(fn or _result_type(torch), torch, a, b)
            got = outcome(fn or _result_type(ember), ember, a, b)
            if got != want:
                mismatches.append(f"{a} {label} {b}: ember {got}, PyTorch {want}")
    assert not mismatches, "\n".join(mismatches)


@pytest.fixture
def default_float64():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    yield
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)


@pytest.mark.usefixtures("default_float64")
@pytest.mark.parametrize("a", KINDS)
def test_promotion_follows_the_default_dtype(a):
    assert ember.get_default_dtype() == ember.float64
    for b in ("py:float", "py:int", "int32", "0d:float32"):
        if not (a.startswith("py:") and b.startswith("py:")):
            assert outcome(operator.add, ember, a, b) == outcome(operator.add, torch, a, b), (a, b)


@pytest.mark.usefixtures("default_float64")
def test_default_dtype_for_creation():
    assert ember.tensor([1.5]).dtype == ember.float64 and ember.zeros(2).dtype == ember.float64
    assert ember.arange(0.5, 3).dtype == ember.float64 and ember.arange(3).dtype == ember.int64
    assert ember.tensor([1, 2]).sqrt().dtype == ember.float64
    assert "dtype" not in repr(ember.tensor([1.5])) and "dtype=ember.float32" in repr(ember.tensor([1.5]).float())


@pytest.mark.parametrize("dtype", [ember.int64, ember.bool, "float32"])
def test_set_default_dtype_rejects_non_floats(dtype):
    with pytest.raises(TypeError):
        ember.set_default_dtype(dtype)
    assert ember.get_default_dtype() == ember.float32


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_attributes_match_pytorch(dtype):
    e, t = getattr(ember, dtype), getattr(torch, dtype)
    assert (e.itemsize, e.is_floating_point, e.is_signed, e.is_complex) == (
        t.itemsize,
        t.is_floating_point,
        t.is_signed,
        t.is_complex,
    )
    assert repr(e) == repr(t).replace("torch", "ember")


@pytest.mark.parametrize(
    "alias, dtype",
    [
        ("half", "float16"),
        ("float", "float32"),
        ("double", "float64"),
        ("short", "int16"),
        ("int", "int32"),
        ("long", "int64"),
    ],
)
def test_dtype_aliases(alias, dtype):
    assert getattr(ember, alias) is getattr(ember, dtype)
