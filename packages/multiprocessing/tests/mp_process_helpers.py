# SPDX-License-Identifier: BSD-3-Clause
"""Starting and stopping child processes in ember-multiprocessing's tests so
that none outlives its test, whatever happens."""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import time

import pytest

import ember.multiprocessing as mp

JOIN_TIMEOUT = 20

# requires_grad=True needs ember-autograd, which this package does not depend on
needs_autograd = pytest.mark.skipif(importlib.util.find_spec("ember.autograd") is None, reason="needs ember-autograd")


@contextlib.contextmanager
def running(target, *args, method: str = "fork"):
    """A started daemonic child running ``target(*args)``; on leaving, joined
    (killed if it does not end within JOIN_TIMEOUT s)."""
    process = mp.get_context(method).Process(target=target, args=args, daemon=True)
    process.start()
    try:
        yield process
    finally:
        process.join(JOIN_TIMEOUT)
        if process.is_alive():
            process.kill()
            process.join(5)


def queues(method: str = "fork"):
    ctx = mp.get_context(method)
    return ctx.Queue(), ctx.Queue()


def shm_segments() -> set[str]:
    """The named segments of the file_system strategy now in /dev/shm."""
    return set(glob.glob("/dev/shm/ember_*"))


def wait_until(condition, timeout: float = 5.0) -> bool:
    """Polls ``condition()`` until true or ``timeout`` s passed (the janitor
    works asynchronously); returns its last value."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()
