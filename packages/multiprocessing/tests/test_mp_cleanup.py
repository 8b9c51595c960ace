# SPDX-License-Identifier: BSD-3-Clause
"""Shared memory is freed when the last process holding it lets go, also
when processes die by SIGKILL: no /dev/shm file outlives its tensors (the
autouse fixture checks that after every test; these kill processes on
purpose)."""

from __future__ import annotations

import gc
import os
import signal

import pytest
from mp_child_tasks import count_after_release, create_send_and_wait, hold_and_wait
from mp_process_helpers import JOIN_TIMEOUT, queues, running, shm_segments, wait_until

import ember
import ember.multiprocessing as mp


def kill(process) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.join(JOIN_TIMEOUT)
    assert process.exitcode == -signal.SIGKILL


def test_a_named_segment_is_unlinked_when_the_last_holder_lets_go():
    mp.set_sharing_strategy("file_system")
    before = shm_segments()
    t = ember.arange(5.0).share_memory_()
    (name,) = shm_segments() - before
    parent, child = mp.get_context("fork").Pipe()
    parent.send(t)
    received = child.recv()
    del t
    gc.collect()
    assert os.path.exists(name)  # still held through `received`
    received.add_(1)
    del received
    gc.collect()
    assert wait_until(lambda: not os.path.exists(name))


def test_receiver_releases_its_mappings(strategy):
    inbox, outbox = queues()
    t = ember.ones(100)
    with running(count_after_release, inbox, outbox):
        inbox.put(t)
        assert outbox.get(timeout=JOIN_TIMEOUT) == 1
        assert outbox.get(timeout=JOIN_TIMEOUT) == 0


def test_killed_holder_does_not_keep_a_segment(strategy):
    inbox, _ = queues()
    ready = mp.get_context("fork").Event()
    before = shm_segments()
    t = ember.arange(1000.0)
    with running(hold_and_wait, inbox, ready) as child:
        inbox.put(t)
        assert ready.wait(JOIN_TIMEOUT)
        kill(child)
    assert t.is_shared() and t[999].item() == 999.0
    if strategy == "file_system":
        assert len(shm_segments() - before) == 1
    del t
    gc.collect()
    assert wait_until(lambda: shm_segments() == before)


def test_killed_sender_leaves_nothing_behind(strategy):
    queue, _ = queues()
    ready = mp.get_context("fork").Event()
    before = shm_segments()
    with running(create_send_and_wait, strategy, queue, ready) as child:
        assert ready.wait(JOIN_TIMEOUT)
        kill(child)
    # the only holder died with its tensor still in flight: the janitor unlinks it
    assert wait_until(lambda: shm_segments() == before)
    with pytest.raises(RuntimeError, match="exited"):
        queue.get(timeout=JOIN_TIMEOUT)


def test_a_killed_creator_does_not_take_received_memory_with_it(strategy):
    queue, _ = queues()
    ready = mp.get_context("fork").Event()
    with running(create_send_and_wait, strategy, queue, ready) as child:
        received = queue.get(timeout=JOIN_TIMEOUT)
        assert ready.wait(JOIN_TIMEOUT)
        kill(child)
    assert received.sum().item() == sum(range(1000))
    received.fill_(1.0)
    assert received.sum().item() == 1000.0
