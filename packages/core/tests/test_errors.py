# SPDX-License-Identifier: BSD-3-Clause
"""Errors: each misuse raises exactly the Python exception PyTorch raises
(run on both), with the shapes involved in ember's message, and never crashes."""

import numpy as np
import pytest
import torch

import ember


def case(fn, match=None, marks=()):
    return pytest.param(fn, match, marks=marks)


# name: (fn(lib) doing the same thing with lib = ember or torch, regex ember's message must match)
CASES = {
    # shapes that don't broadcast
    "broadcast": case(lambda lib: lib.zeros(2, 3) + lib.zeros(4), r"\[2, 3\].*\[4\]"),
    "broadcast_where": case(
        lambda lib: lib.where(lib.zeros(2, dtype=lib.bool), lib.zeros(3), lib.zeros(2)), r"\[2\].*\[3\]"
    ),
    "broadcast_copy": case(lambda lib: lib.zeros(3).copy_(lib.zeros(4)), r"\[3\].*\[4\]|\[4\].*\[3\]"),
    "broadcast_inplace": case(lambda lib: lib.zeros(3).add_(lib.zeros(2, 3)), r"\[3\].*\[2, 3\]"),
    "matmul_shapes": case(lambda lib: lib.zeros(2, 3) @ lib.zeros(4, 2), r"2x3.*4x2"),
    # dims out of range
    "sum_dim": case(lambda lib: lib.zeros(2, 3).sum(2), r"\[-2, 1\], but got 2"),
    "sum_negative_dim": case(lambda lib: lib.zeros(2, 3).sum(-3), "got -3"),
    "mean_dims": case(lambda lib: lib.zeros(2).mean((0, 1)), "got 1"),
    "amax_dim": case(lambda lib: lib.zeros(2).amax(1), "got 1"),
    "argmax_dim": case(lambda lib: lib.zeros(2).argmax(1), "got 1"),
    "max_dim": case(lambda lib: lib.zeros(2).max(1), "got 1"),
    "cumsum_dim": case(lambda lib: lib.zeros(2).cumsum(1), "got 1"),
    "transpose_dim": case(lambda lib: lib.zeros(2, 3).transpose(0, 2), "got 2"),
    "unsqueeze_dim": case(lambda lib: lib.zeros(2).unsqueeze(2), "got 2"),
    "squeeze_dim": case(lambda lib: lib.zeros(2).squeeze(1), "got 1"),
    "select_dim": case(lambda lib: lib.zeros(2).select(1, 0), "got 1"),
    "flatten_dim": case(lambda lib: lib.zeros(2).flatten(0, 1), "got 1"),
    "size_dim": case(lambda lib: lib.zeros(2).size(1), "got 1"),
    "size_of_0d": case(lambda lib: lib.tensor(1.0).size(0), "no dimensions"),
    "stride_dim": case(lambda lib: lib.zeros(2).stride(1), "got 1"),
    "index_out_of_bounds": case(lambda lib: lib.zeros(2)[2], "index 2 is out of bounds for dimension 0 with size 2"),
    "too_many_indices": case(lambda lib: lib.zeros(2)[0, 0], "too many indices"),
    # dtypes an op is not defined for
    "bitwise_float": case(lambda lib: lib.ones(2) & lib.ones(2), "bitwise_and.*Float"),
    "shift_float": case(lambda lib: lib.ones(2) << 1, "Float"),
    "floor_bool": case(lambda lib: lib.floor(lib.tensor([True])), "Bool"),
    "invert_float": case(lambda lib: ~lib.ones(2)),
    "neg_bool": case(lambda lib: -lib.tensor([True]), "Negation"),
    "positive_bool": case(lambda lib: +lib.tensor([True]), "bool tensor"),
    "sub_bools": case(lambda lib: lib.tensor([True]) - lib.tensor([False]), "Subtraction"),
    "mean_int": case(lambda lib: lib.tensor([1, 2]).mean(), "Long"),
    "var_int": case(lambda lib: lib.tensor([1, 2]).var()),
    "lerp_int": case(lambda lib: lib.lerp(lib.tensor([1]), lib.tensor([2]), 0.5)),
    "where_float_condition": case(lambda lib: lib.where(lib.zeros(2), lib.zeros(2), lib.zeros(2)), "boolean"),
    "rand_int": case(lambda lib: lib.rand(2, dtype=lib.int64)),
    "argmax_bool": case(lambda lib: lib.tensor([True]).argmax(), "bool"),
    # results that don't fit the output
    "inplace_float_into_int": case(lambda lib: lib.ones(2, dtype=lib.int64).add_(1.5), "Float.*Long"),
    "inplace_exp_of_int": case(lambda lib: lib.ones(2, dtype=lib.int64).exp_(), "Float.*Long"),
    "out_dtype": case(lambda lib: lib.add(lib.ones(2), 1.5, out=lib.empty(2, dtype=lib.int64)), "Float.*Long"),
    "out_into_bool": case(
        lambda lib: lib.add(lib.ones(2, dtype=lib.int64), 1, out=lib.empty(2, dtype=lib.bool)), "Long.*Bool"
    ),
    # writes that would alias
    "write_into_expanded": case(lambda lib: lib.zeros(1, 3).expand(2, 3).add_(1), r"single memory location.*\[2, 3\]"),
    "copy_into_expanded": case(lambda lib: lib.zeros(1).expand(3).copy_(lib.ones(3)), "single memory location"),
    "partial_overlap": case(lambda lib: (lambda x: x[1:].add_(x[:-1]))(lib.zeros(4)), "single memory location"),
    "transposed_overlap": case(lambda lib: (lambda x: x.add_(x.t()))(lib.zeros(3, 3)), "single memory location"),
    # sizes
    "numel_overflow": case(lambda lib: lib.empty(2**62, 2**62), r"\[4611686018427387904, 4611686018427387904\]"),
    "byte_count_overflow": case(lambda lib: lib.empty(2**61, 2), r"\[2305843009213693952, 2\].*(byte|overflow)"),
    "negative_size": case(lambda lib: lib.empty(2, -3), r"negative dimension -3: \[2, -3\]"),
    "eye_negative": case(lambda lib: lib.eye(-1), "-1"),
    # views
    "view_incompatible_strides": case(lambda lib: lib.zeros(2, 3).t().view(6), "view size is not compatible"),
    "view_wrong_numel": case(lambda lib: lib.zeros(2, 3).view(4), r"shape '\[4\]' is invalid for input of size 6"),
    "reshape_wrong_numel": case(lambda lib: lib.zeros(2, 3).reshape(5), r"'\[5\]'.*size 6"),
    "expand_non_singleton": case(lambda lib: lib.zeros(2, 3).expand(4, 3), r"\(4\).*\(2\)"),
    "as_strided_out_of_storage": case(lambda lib: lib.zeros(4).as_strided((3,), (2,)), r"sizes \[3\], strides \[2\]"),
    "narrow_too_long": case(lambda lib: lib.zeros(3).narrow(0, 1, 3), r"start \(1\) \+ length \(3\)"),
    "permute_duplicates": case(lambda lib: lib.zeros(2, 3).permute(0, 0), "duplicate"),
    "negative_step": case(lambda lib: lib.zeros(3)[::-1], "step must be greater than zero"),
    "float_tensor_index": case(lambda lib: lib.zeros(3)[lib.tensor(1.0)], "long, int, byte or bool"),
    # integer arithmetic
    "int_floor_divide_by_zero": case(lambda lib: lib.tensor([1, 2]) // lib.tensor([1, 0]), "ZeroDivisionError"),
    "int_remainder_by_zero": case(lambda lib: lib.tensor([1, 2]) % 0, "ZeroDivisionError"),
    "int_fmod_by_zero": case(lambda lib: lib.fmod(lib.tensor([1, 2]), 0), "ZeroDivisionError"),
    "int_div_floor_by_zero": case(lambda lib: lib.div(lib.tensor([1]), 0, rounding_mode="floor"), "ZeroDivisionError"),
    "int_div_trunc_by_zero": case(lambda lib: lib.div(lib.tensor([1]), 0, rounding_mode="trunc"), "ZeroDivisionError"),
    "int_negative_power": case(lambda lib: lib.tensor([2]) ** -1, "negative integer powers"),
    # Python protocol
    "item_of_many": case(lambda lib: lib.zeros(2).item(), "2 elements"),
    "bool_of_many": case(lambda lib: bool(lib.zeros(2)), "more than one value is ambiguous"),
    "bool_of_none": case(lambda lib: bool(lib.zeros(0)), "no values is ambiguous"),
    "len_of_0d": case(lambda lib: len(lib.tensor(1.0)), "0-d"),
    "iter_of_0d": case(lambda lib: iter(lib.tensor(1.0)), "0-d"),
    "float_as_index": case(lambda lib: [0, 1][lib.tensor(1.0)], "integer tensors"),
    "add_a_string": case(lambda lib: lib.zeros(2) + "a"),
    "add_none": case(lambda lib: lib.zeros(2) + None),
    "numpy_of_bfloat16": case(lambda lib: lib.zeros(2, dtype=lib.bfloat16).numpy(), "BFloat16"),
    "from_numpy_negative_strides": case(lambda lib: lib.from_numpy(np.arange(3)[::-1]), "negative"),
    # arguments
    "arange_zero_step": case(lambda lib: lib.arange(0, 3, 0), "nonzero"),
    "arange_wrong_sign": case(lambda lib: lib.arange(0, 3, -1), "step sign"),
    "randint_empty_range": case(lambda lib: lib.randint(3, 3, (2,)), "from=3 >= to=3"),
    "normal_negative_std": case(lambda lib: lib.normal(0.0, -1.0, (2,)), "std"),
    "clamp_without_bounds": case(lambda lib: lib.clamp(lib.zeros(2)), "At least one of 'min' or 'max'"),
    "fill_with_a_vector": case(lambda lib: lib.zeros(3).fill_(lib.zeros(2)), "0-dimension"),
    "set_num_threads_0": case(lambda lib: lib.set_num_threads(0)),
}


def raised(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - the exception is the result
        return e
    return None


@pytest.mark.parametrize("fn, match", list(CASES.values()), ids=list(CASES))
def test_raises_what_pytorch_raises(fn, match):
    want = raised(fn, torch)
    assert want is not None, "PyTorch accepts this"
    got = raised(fn, ember)
    assert got is not None, f"ember accepts this; PyTorch raises {type(want).__name__}: {want}"
    assert type(got) is type(want), f"ember: {type(got).__name__}: {got}\nPyTorch: {type(want).__name__}: {want}"
    if match:
        assert pytest.raises(type(got), fn, ember).match(match)


@pytest.mark.parametrize(
    "fn",
    [
        lambda: ember.add(ember.ones(2), 1, out=ember.empty(3)),
        lambda: ember.exp(ember.ones(2), out=ember.empty(2, 2)),
        lambda: ember.sum(ember.ones(2, 3), 0, out=ember.empty(2)),
    ],
)
def test_out_of_the_wrong_shape_raises_with_both_shapes(fn):
    # PyTorch resizes such outputs with a deprecation warning; ember refuses,
    # as PyTorch will ("outputs will not be resized unless they have zero elements")
    with pytest.raises(RuntimeError, match=r"shape \[\d(, \d)*\].*shape \[\d(, \d)*\]"):
        fn()


def test_unsupported_dtype_is_not_implemented_error():
    with pytest.raises(NotImplementedError, match="\"bitwise_and_cpu\" not implemented for 'Float'"):
        ember.ones(2) & ember.ones(2)
    with pytest.raises(NotImplementedError, match="'Bool'"):
        ember.floor(ember.tensor([True]))


def test_errors_leave_the_output_untouched():
    out = ember.zeros(3, dtype=ember.int64)
    with pytest.raises(RuntimeError):
        ember.floor_divide(ember.tensor([1, 2, 3]), ember.tensor([1, 0, 1]), out=out)
    assert out.tolist() == [0, 0, 0]
