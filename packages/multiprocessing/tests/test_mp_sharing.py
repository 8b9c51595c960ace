# SPDX-License-Identifier: BSD-3-Clause
"""Tensor.share_memory_() and is_shared() in one process: in place, views
before and after, every dtype, and the memory freed with the last tensor."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from mp_process_helpers import needs_autograd

import ember
import ember.multiprocessing as mp


def test_share_memory_is_in_place(strategy):
    t = ember.arange(6.0).reshape(2, 3)
    before = t.data_ptr()
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and t.data_ptr() != before
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    ptr = t.data_ptr()
    assert t.share_memory_() is t and t.data_ptr() == ptr  # once only


def test_views_before_and_after_share_the_memory(strategy):
    base = ember.zeros(4, 6)
    column = base[:, 2]  # made before
    base.share_memory_()
    row = base[1]  # made after
    assert column.is_shared() and row.is_shared()
    column.fill_(5.0)
    row.fill_(1.0)
    assert base[0, 2].item() == 5.0 and base[1].tolist() == [1.0] * 6


def test_sharing_a_view_moves_its_whole_storage():
    base = ember.arange(10.0)
    chunks = base.chunk(2)
    chunks[1].share_memory_()
    assert base.is_shared() and chunks[0].is_shared()
    chunks[1].fill_(-1.0)
    assert base.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] + [-1.0] * 5


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype(dtype):
    values = (ember.arange(7) % 3).to(getattr(ember, dtype))
    t = values.clone().share_memory_()
    assert t.dtype == values.dtype and t.tolist() == values.tolist()


@needs_autograd
def test_requires_grad_and_grad_stay():
    t = ember.ones(3, requires_grad=True)
    (t * 2).sum().backward()
    t.share_memory_()
    assert t.requires_grad and t.is_leaf and t.grad.tolist() == [2.0] * 3
    (t * 3).sum().backward()
    assert t.grad.tolist() == [5.0] * 3


def test_empty_and_scalar_tensors(strategy):
    for t in (ember.zeros(0), ember.zeros(3, 0), ember.tensor(2.5)):
        t.share_memory_()
        assert t.is_shared()
    assert ember.tensor(2.5).share_memory_().item() == 2.5


def test_memory_is_freed_with_the_last_tensor(strategy):
    start = mp._shm.count()
    t = ember.ones(1000).share_memory_()
    view = t[10:20]
    del t
    gc.collect()
    assert mp._shm.count() == start + 1 and view.is_shared()
    del view
    gc.collect()
    assert mp._shm.count() == start


def test_new_tensors_from_shared_ones_are_not_shared():
    t = ember.ones(4).share_memory_()
    assert not (t + 1).is_shared() and not t.clone().is_shared()
    assert not ember.from_numpy(np.ones(3)).is_shared()


def test_a_tensor_over_numpy_memory_moves_and_the_array_keeps_its_own():
    array = np.arange(4.0)
    t = ember.from_numpy(array).share_memory_()
    t.fill_(9.0)
    assert t.is_shared() and t.tolist() == [9.0] * 4
    assert array.tolist() == [0.0, 1.0, 2.0, 3.0]  # as in PyTorch: the array is not shared
