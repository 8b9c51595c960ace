# SPDX-License-Identifier: BSD-3-Clause
"""No descriptor is kept per received tensor (file_descriptor closes each
once mapped; file_system never keeps one): a long run fits the default
limit of 1,024 open files, in the receiver and in the sender."""

from __future__ import annotations

import os
import resource

from mp_child_tasks import produce
from mp_process_helpers import JOIN_TIMEOUT, running

import ember.multiprocessing as mp

TENSORS = 5000
OPEN_FILES_LIMIT = 1024


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_five_thousand_tensors_under_the_default_open_files_limit(strategy):
    ctx = mp.get_context("fork")
    queue, done = ctx.Queue(), ctx.Event()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, OPEN_FILES_LIMIT), hard))
    try:
        before = open_descriptors()
        received = []  # all kept alive: each maps its segment, none keeps a descriptor
        with running(produce, queue, TENSORS, OPEN_FILES_LIMIT, done) as producer:
            while (t := queue.get(timeout=JOIN_TIMEOUT)) is not None:
                received.append(t)
            done.set()
        assert producer.exitcode == 0
        assert len(received) == TENSORS and mp._shm.count() >= TENSORS
        assert [t[0].item() for t in received[:: TENSORS // 10]] == [float(i) for i in range(0, TENSORS, TENSORS // 10)]
        # a few for the child process and the janitor connection, none per tensor
        assert open_descriptors() < before + 10
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
