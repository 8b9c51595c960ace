# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures of ember-multiprocessing's tests: a hard time limit per test, no
child process and no /dev/shm segment left behind, and the sharing
strategy reset after each test."""

from __future__ import annotations

import gc
import multiprocessing
import signal

import pytest
from mp_process_helpers import shm_segments, wait_until

import ember.multiprocessing as mp

TEST_TIME_LIMIT = 60


@pytest.fixture(autouse=True)
def hard_time_limit():
    """Fails the test instead of hanging: SIGALRM after TEST_TIME_LIMIT s."""

    def expire(signum, frame):
        raise TimeoutError(f"the test did not finish within {TEST_TIME_LIMIT} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_TIME_LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def nothing_left_behind():
    """No child process still running and no new /dev/shm segment once the
    test's tensors are gone (the janitor unlinks asynchronously: wait a bit)."""
    before = shm_segments()
    yield
    stray = multiprocessing.active_children()
    for child in stray:
        child.kill()
        child.join(5)
    gc.collect()
    wait_until(lambda: not shm_segments() - before)
    assert not stray, f"child processes left running: {stray}"
    assert shm_segments() - before == set()


@pytest.fixture(autouse=True)
def default_strategy():
    yield
    mp.set_sharing_strategy("file_descriptor")


@pytest.fixture(params=["file_descriptor", "file_system"])
def strategy(request):
    """Runs the test under each sharing strategy."""
    mp.set_sharing_strategy(request.param)
    return request.param
