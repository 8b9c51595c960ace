# SPDX-License-Identifier: BSD-3-Clause
"""The descriptor server of the file_descriptor strategy: one answer per
offer, only to processes of the same user, and no connection kept to a
sender that exited."""

from __future__ import annotations

import os

import pytest
from mp_child_tasks import create_send_and_exit, fetch_as_nobody
from mp_process_helpers import JOIN_TIMEOUT, running

import ember.multiprocessing as mp
from ember.multiprocessing import _descriptor_server, _descriptors


def test_an_offer_is_answered_once():
    r, w = os.pipe()
    try:
        start = _descriptor_server.pending()
        handle = _descriptors.offer(r)
        assert _descriptor_server.pending() == start + 1
        fd = handle.detach()
        try:
            assert os.path.samestat(os.fstat(fd), os.fstat(r))
        finally:
            os.close(fd)
        assert _descriptor_server.pending() == start
        with pytest.raises(OSError, match="no longer offered"):
            handle.detach()
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.skipif(os.geteuid() != 0, reason="becoming another user needs root")
def test_another_user_is_refused():
    r, w = os.pipe()
    handle = _descriptors.offer(r)
    parent, child = mp.get_context("fork").Pipe()
    with running(fetch_as_nobody, handle.address, handle.id, child):
        assert parent.poll(JOIN_TIMEOUT)
        assert parent.recv() != "got it"  # the connection is closed at once
    os.close(handle.detach())  # still offered to us
    os.close(r)
    os.close(w)


def test_connections_to_exited_senders_are_dropped():
    ctx = mp.get_context("fork")
    before = len(_descriptors._connections)
    for _ in range(3):
        queue, received = ctx.Queue(), ctx.Event()
        with running(create_send_and_exit, queue, received):
            assert queue.get(timeout=JOIN_TIMEOUT).tolist() == [0.0, 1.0, 2.0, 3.0]
            received.set()
    # each new sender's connection first closed those whose sender exited:
    # only the last one's is left
    assert len(_descriptors._connections) <= before + 1
