# SPDX-License-Identifier: BSD-3-Clause
"""Functions that the tests of ember-multiprocessing run in child processes
(module level, so every start method can find them)."""

from __future__ import annotations

import gc
import os
import resource
import signal
import time

import ember
import ember.multiprocessing as mp


def add_one_and_send_back(inbox, outbox):
    """Adds 1 in place to each tensor received, sends it back, until None."""
    while (t := inbox.get()) is not None:
        t.add_(1)
        outbox.put(t)


def describe_received(inbox, outbox):
    """Sends back what each received tensor looks like, then fills it with 7."""
    while (t := inbox.get()) is not None:
        outbox.put(
            {
                "dtype": t.dtype.name,
                "shape": tuple(t.shape),
                "stride": t.stride(),
                "offset": t.storage_offset(),
                "requires_grad": t.requires_grad,
                "is_shared": t.is_shared(),
                "values": t.tolist(),
            }
        )
        with ember.no_grad():
            t.fill_(7)
        outbox.put("filled")


def pipe_echo_plus_one(conn):
    t = conn.recv()
    t.add_(1)
    conn.send(t)
    conn.close()


def fill_with_index(i, shared, value):
    """spawn's target: writes ``value + i`` at row ``i``."""
    shared[i].fill_(value + i)


def raise_value_error(i):
    if i == 1:
        raise ValueError(f"process {i} failed on purpose")


def exit_with_code(i, code):
    if i == 0:
        raise SystemExit(code)


def kill_self(i):
    os.kill(os.getpid(), signal.SIGKILL)


def sleep_forever(i):
    time.sleep(600)


def create_send_and_wait(strategy, queue, ready):
    """Makes a shared tensor, sends it, says so, then waits to be killed."""
    mp.set_sharing_strategy(strategy)
    t = ember.arange(1000.0)
    queue.put(t)
    queue.close()
    queue.join_thread()  # on the pipe, not only in the feeder's buffer
    ready.set()
    time.sleep(600)


def hold_and_wait(inbox, ready):
    """Maps the tensor received, says so, then waits to be killed."""
    t = inbox.get()  # noqa: F841 - held until the process dies
    ready.set()
    time.sleep(600)


def count_after_release(inbox, outbox):
    """Maps a tensor, drops it and reports how many segments this process maps."""
    t = inbox.get()
    outbox.put(mp._shm.count())
    del t
    gc.collect()
    outbox.put(mp._shm.count())


def produce(queue, count, open_files_limit, received):
    """Sends ``count`` fresh tensors under a low open-files limit, then stays
    until they are ``received`` (a sender must outlive its messages)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files_limit, hard))
    for i in range(count):
        queue.put(ember.full((4,), float(i)))
    queue.put(None)
    received.wait(60)


def share_under_file_size_limit(strategy, nbytes, limit, conn):
    """Tries to share ``nbytes`` while files may not exceed ``limit`` bytes:
    sends back the error message, or None."""
    mp.set_sharing_strategy(strategy)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an EFBIG error instead of a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        ember.zeros(nbytes // 4).share_memory_()
        conn.send(None)
    except RuntimeError as e:
        conn.send(str(e))
    conn.close()


def fill(t, value):
    """A pool task: fills the tensor in place."""
    t.fill_(value)
    return t.sum().item()


def forward(inbox, outbox):
    """Sends on each tensor received (it keeps no descriptor for them), until None."""
    while (t := inbox.get()) is not None:
        outbox.put(t)


def create_send_and_exit(queue, received):
    """Sends a tensor it created, waits until it is received, then exits
    (taking its descriptor with it)."""
    queue.put(ember.arange(4.0))
    received.wait(60)


def fetch_as_nobody(address, offer_id, conn):
    """Asks for a descriptor as another user: reports what happened."""
    from ember.multiprocessing import _descriptors

    os.setgid(65534)
    os.setuid(65534)
    try:
        fd = _descriptors.fetch(address, offer_id)
        os.close(fd)
        conn.send("got it")
    except (OSError, EOFError) as e:
        conn.send(type(e).__name__)
