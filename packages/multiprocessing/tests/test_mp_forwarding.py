# SPDX-License-Identifier: BSD-3-Clause
"""Under the file_descriptor strategy a process keeps no descriptor for the
tensors it received; it sends one on by reopening its memory (through its
own mapping where Linux permits, else through the process that created it)."""

from __future__ import annotations

import pytest
from mp_child_tasks import create_send_and_exit, forward
from mp_process_helpers import JOIN_TIMEOUT, queues, running

import ember
import ember.multiprocessing as mp
from ember.multiprocessing import _segments


@pytest.fixture
def no_map_files(monkeypatch):
    """As an unprivileged process: /proc/self/map_files cannot be opened."""
    monkeypatch.setattr(_segments, "MAP_FILES_DIR", "/nonexistent")


def test_forwarded_through_the_creator(no_map_files):
    inbox, outbox = queues()
    t = ember.zeros(3)
    with running(forward, inbox, outbox):
        inbox.put(t)
        back = outbox.get(timeout=JOIN_TIMEOUT)
        inbox.put(None)
    back.fill_(2.0)
    assert back.data_ptr() == t.data_ptr() and t.tolist() == [2.0] * 3


def test_forwarding_after_the_creator_exited_says_what_to_do(no_map_files):
    ctx = mp.get_context("fork")
    queue, received = ctx.Queue(), ctx.Event()
    with running(create_send_and_exit, queue, received):
        t = queue.get(timeout=JOIN_TIMEOUT)
        received.set()
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0]  # still mapped here
    parent, child = ctx.Pipe()
    with pytest.raises(RuntimeError, match="set_sharing_strategy\\('file_system'\\)"):
        parent.send(t)
    parent.send(t.clone())  # a copy is a new tensor of this process
    assert child.recv().tolist() == t.tolist()
