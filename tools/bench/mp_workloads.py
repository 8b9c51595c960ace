# SPDX-License-Identifier: BSD-3-Clause
"""Multiprocessing workloads for bench.py (ember.multiprocessing against
torch.multiprocessing): a float32 tensor of 1 MB and of 64 MB sent through a
Queue to a child process, which sends it straight back. The first send moves
the tensor to shared memory (bench.py's correctness call pays it); every
timed round trip after that sends a handle both ways, so its time should not
depend on the size. The row's time is one round trip, two sends."""

from __future__ import annotations

import atexit
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SIZES = {"1 MB": 1 << 20, "64 MB": 64 << 20}
ROUND_TRIP_MS = 1.0  # target: a round trip (two sends) under a millisecond
TIMEOUT = 60.0


@dataclass
class AbsoluteTarget:
    """bench.py's Target shape, for a target on ember's own time."""

    desc: str
    check: Callable[[float, float], bool]


def echo(inbox, outbox) -> None:
    """The child: sends back each tensor it receives, until None."""
    while (tensor := inbox.get()) is not None:
        outbox.put(tensor)


class Echo:
    """A child process of one library's multiprocessing module, started on
    first use and stopped at exit; calling it sends a tensor there and back."""

    def __init__(self, mp_module) -> None:
        self.mp_module = mp_module
        self.process = None

    def __call__(self, tensor):
        if self.process is None:
            ctx = self.mp_module.get_context("spawn")
            self.inbox, self.outbox = ctx.Queue(), ctx.Queue()
            self.process = ctx.Process(target=echo, args=(self.inbox, self.outbox), daemon=True)
            self.process.start()
            atexit.register(self.stop)
        self.inbox.put(tensor)
        return self.outbox.get(timeout=TIMEOUT)

    def stop(self) -> None:
        self.inbox.put(None)
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


def float32_of(nbytes: int):
    return lambda rng: (rng.standard_normal(nbytes // 4, dtype=np.float32),)


def mp_workloads(workload, time_at_most):
    """The workloads, when ember-multiprocessing is installed; bench.py passes
    its own Workload type and target helper (unused: the target is absolute)."""
    import importlib.util

    if importlib.util.find_spec("ember.multiprocessing") is None:
        return []
    import torch.multiprocessing

    import ember.multiprocessing

    echoes = {"ember": Echo(ember.multiprocessing), "torch": Echo(torch.multiprocessing)}
    target = AbsoluteTarget(f"< {ROUND_TRIP_MS:g} ms", lambda _, ember_ms: ember_ms < ROUND_TRIP_MS)
    return [
        workload(f"Queue round trip {label} tensor", "ms", float32_of(nbytes), echoes, 0, target)
        for label, nbytes in SIZES.items()
    ]
