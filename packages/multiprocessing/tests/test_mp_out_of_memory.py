# SPDX-License-Identifier: BSD-3-Clause
"""Running out of shared memory is a RuntimeError that says how much was
asked for, how much is free and how to raise the limit: never a bus error."""

from __future__ import annotations

import pytest
from mp_child_tasks import share_under_file_size_limit
from mp_process_helpers import JOIN_TIMEOUT, running

import ember
import ember.multiprocessing as mp
from ember.multiprocessing import _segments


def test_too_little_free_in_dev_shm(monkeypatch):
    mp.set_sharing_strategy("file_system")
    monkeypatch.setattr(_segments, "_dev_shm_space", lambda: (1000, 65536))
    t = ember.zeros(1 << 18)  # 1 MiB
    with pytest.raises(RuntimeError) as error:
        t.share_memory_()
    message = str(error.value)
    assert "1.0 MiB (1048576 bytes)" in message
    assert "/dev/shm has 1000 bytes free of 64.0 KiB (65536 bytes)" in message
    assert "--shm-size" in message and "remount" in message
    assert not t.is_shared() and t.sum().item() == 0  # left as it was


@pytest.mark.parametrize("strategy", ["file_descriptor", "file_system"])
def test_allocation_failure_is_an_error_not_a_bus_error(strategy):
    # files may not grow past 1 MiB in the child: its allocation of 4 MiB fails
    parent, child = mp.get_context("fork").Pipe()
    with running(share_under_file_size_limit, strategy, 4 << 20, 1 << 20, child) as process:
        assert parent.poll(JOIN_TIMEOUT)
        message = parent.recv()
    assert process.exitcode == 0
    assert message is not None and "out of shared memory" in message
    assert "4.0 MiB (4194304 bytes)" in message and "File too large" in message
    assert "/dev/shm has" in message and "free of" in message and "--shm-size" in message


def test_bad_strategy():
    with pytest.raises(AssertionError, match="invalid sharing strategy 'shm'"):
        mp.set_sharing_strategy("shm")
    assert mp.get_sharing_strategy() == "file_descriptor"
    assert mp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
