# SPDX-License-Identifier: BSD-3-Clause
"""The janitor's bookkeeping: a named segment is unlinked once no process
holds it and no message carrying its name is in flight, also when the
processes holding it disappear."""

from __future__ import annotations

import pytest

from ember.multiprocessing import _janitor

NAME = "/ember_1_0_abcd"


@pytest.fixture
def segment(tmp_path, monkeypatch):
    """A stand-in segment file in a stand-in /dev/shm."""
    monkeypatch.setattr(_janitor, "SHM_DIR", str(tmp_path))
    path = tmp_path / NAME[1:]
    path.write_bytes(b"x")
    return path


def test_unlinked_when_the_last_holder_releases(segment):
    ledger, creator, receiver = _janitor.Ledger(), object(), object()
    ledger.apply(creator, "hold", NAME)
    ledger.apply(creator, "sent", NAME)
    ledger.apply(creator, "release", NAME)
    assert segment.exists()  # in flight
    ledger.apply(receiver, "hold", NAME)
    ledger.apply(receiver, "arrived", NAME)
    assert segment.exists()
    ledger.apply(receiver, "release", NAME)
    assert not segment.exists()


def test_an_arrival_read_before_its_send(segment):
    ledger, creator, receiver = _janitor.Ledger(), object(), object()
    ledger.apply(creator, "hold", NAME)
    ledger.apply(receiver, "hold", NAME)
    ledger.apply(receiver, "arrived", NAME)  # the two connections raced
    ledger.apply(creator, "sent", NAME)
    ledger.apply(creator, "release", NAME)
    assert segment.exists()
    ledger.apply(receiver, "release", NAME)
    assert not segment.exists() and ledger.names() == set()


def test_a_dead_process_lets_go(segment):
    ledger, creator = _janitor.Ledger(), object()
    ledger.apply(creator, "hold", NAME)
    ledger.apply(creator, "sent", NAME)
    ledger.forget(creator)  # killed with its message unread
    assert not segment.exists()


def test_only_our_names():
    assert _janitor.NAME.fullmatch(NAME)
    for bad in ("/ember_../etc", "ember_1", "/other_1", "/ember_1/x"):
        assert not _janitor.NAME.fullmatch(bad)
