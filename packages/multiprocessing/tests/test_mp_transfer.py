# SPDX-License-Identifier: BSD-3-Clause
"""Tensors sent through queues, pipes, pools and to spawned processes are
shared, not copied, under both sharing strategies and start methods."""

from __future__ import annotations

import pytest
from mp_child_tasks import add_one_and_send_back, describe_received, fill, pipe_echo_plus_one
from mp_process_helpers import JOIN_TIMEOUT, needs_autograd, queues, running

import ember
import ember.multiprocessing as mp

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_queue_round_trip_shares_memory(strategy, method):
    inbox, outbox = queues(method)
    t = ember.arange(12.0).reshape(3, 4)
    with running(add_one_and_send_back, inbox, outbox, method=method):
        inbox.put(t)
        back = outbox.get(timeout=JOIN_TIMEOUT)
        # the child's write is seen here, and the tensor came home to its own memory
        assert t.tolist() == (ember.arange(12.0).reshape(3, 4) + 1).tolist()
        assert t.is_shared() and back.data_ptr() == t.data_ptr()
        inbox.put(t)  # already shared: sent again without moving
        outbox.get(timeout=JOIN_TIMEOUT)
        assert t[0, 0].item() == 2.0
        inbox.put(None)


def test_pipe_shares_memory(strategy):
    parent, child = mp.get_context("fork").Pipe()
    t = ember.zeros(5, dtype=ember.int64)
    with running(pipe_echo_plus_one, child):
        parent.send(t)
        back = parent.recv()
    assert t.tolist() == [1] * 5 and back.tolist() == [1] * 5


def test_simple_queue_and_pool(strategy):
    ctx = mp.get_context("fork")
    t = ember.zeros(4)
    with ctx.Pool(1) as pool:
        assert pool.apply(fill, (t, 3.0)) == 12.0
    assert t.tolist() == [3.0] * 4
    queue = ctx.SimpleQueue()
    queue.put(t)
    assert queue.get().data_ptr() == t.data_ptr()


def exchange(tensor, method="fork"):
    """What a child sees of ``tensor``, after which it fills it with 7."""
    inbox, outbox = queues(method)
    with running(describe_received, inbox, outbox, method=method):
        inbox.put(tensor)
        seen = outbox.get(timeout=JOIN_TIMEOUT)
        assert outbox.get(timeout=JOIN_TIMEOUT) == "filled"
        inbox.put(None)
    return seen


@pytest.mark.parametrize(
    "make",
    [
        lambda: ember.arange(24.0).reshape(4, 6)[1:3, 2:5],  # offset view
        lambda: ember.arange(24.0).reshape(4, 6).t(),  # transposed
        lambda: ember.arange(24.0).reshape(4, 6)[:, ::2],  # stepped
        lambda: ember.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1)[1:],
        lambda: ember.tensor(3.5),  # 0-d
        lambda: ember.zeros(0, 3),  # empty
    ],
    ids=["offset", "transposed", "stepped", "permuted", "scalar", "empty"],
)
def test_views_and_non_contiguous_tensors_keep_their_layout(strategy, make):
    t = make()
    expected = {"shape": tuple(t.shape), "stride": t.stride(), "offset": t.storage_offset(), "values": t.tolist()}
    seen = exchange(t)
    assert {k: seen[k] for k in expected} == expected
    assert seen["is_shared"] and t.is_shared()
    assert all(v == 7 for v in t.flatten().tolist())


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes(dtype):
    t = (ember.arange(6) % 3).to(getattr(ember, dtype))
    values = t.tolist()
    seen = exchange(t)
    assert seen["dtype"] == dtype and seen["values"] == values
    assert t.tolist() == ember.full((6,), 7).to(getattr(ember, dtype)).tolist()


@needs_autograd
def test_requires_grad_is_kept(strategy):
    leaf = ember.ones(3, requires_grad=True)
    seen = exchange(leaf)
    assert seen["requires_grad"] and leaf.requires_grad
    assert leaf.tolist() == [7.0] * 3
    assert not exchange(ember.ones(3))["requires_grad"]


@needs_autograd
def test_non_leaf_that_requires_grad_is_refused():
    x = ember.ones(3, requires_grad=True) * 2
    parent, child = mp.get_context("fork").Pipe()
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        parent.send(x)
    parent.send(x.detach())  # the data alone travels
    assert child.recv().tolist() == [2.0] * 3


def test_spawned_process_gets_shared_arguments(strategy):
    shared = ember.zeros(2, 3)
    mp.spawn(_fill_rows, args=(shared, 10.0), nprocs=2)
    assert shared.tolist() == [[10.0] * 3, [11.0] * 3]


def _fill_rows(i, shared, value):
    from mp_child_tasks import fill_with_index

    fill_with_index(i, shared, value)


def test_same_segment_received_twice_is_mapped_once(strategy):
    parent, child = mp.get_context("fork").Pipe()
    t = ember.arange(8.0)
    parent.send((t[:4], t[4:]))  # two views of one tensor, in one message
    parent.send(t)
    first, second = child.recv()
    whole = child.recv()
    assert first._storage_ptr() == second._storage_ptr() == whole._storage_ptr() == t._storage_ptr()
    assert second.storage_offset() == 4 and second.tolist() == [4.0, 5.0, 6.0, 7.0]
