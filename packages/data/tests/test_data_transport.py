# SPDX-License-Identifier: BSD-3-Clause
"""The batch transport: ember-multiprocessing's shared memory when it is
installed and the default pair is in force, pickling otherwise."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from ember.data import _transport


@pytest.fixture
def fresh_probe(monkeypatch):
    """get_transport() looks for ember-multiprocessing again."""
    monkeypatch.setattr(_transport, "_shared_memory", None)


def test_default_is_pickling_without_ember_multiprocessing(fresh_probe, monkeypatch):
    monkeypatch.setattr(_transport.importlib.util, "find_spec", lambda name: None)
    assert _transport.get_transport() == (_transport.pack_batch, _transport.unpack_batch)


def test_shared_memory_when_ember_multiprocessing_is_installed(fresh_probe):
    if importlib.util.find_spec("ember.multiprocessing") is None:
        pytest.skip("ember-multiprocessing is not installed")
    from ember.multiprocessing import data_transport

    assert _transport.get_transport() == (data_transport.pack_batch, data_transport.unpack_batch)


def test_a_set_transport_wins_and_the_default_pair_restores_the_choice(fresh_probe, monkeypatch):
    monkeypatch.setattr(_transport.importlib.util, "find_spec", lambda name: None)
    pair = (lambda b: b, lambda p: p)
    previous = _transport.set_transport(*pair)
    try:
        assert _transport.get_transport() == pair
    finally:
        _transport.set_transport(*previous)
    assert _transport.get_transport() == (_transport.pack_batch, _transport.unpack_batch)


def test_a_broken_install_warns_and_pickles(fresh_probe, monkeypatch):
    monkeypatch.setattr(_transport.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setitem(sys.modules, "ember.multiprocessing", None)
    with pytest.warns(RuntimeWarning, match="send batches by pickling"):
        assert _transport.get_transport() == (_transport.pack_batch, _transport.unpack_batch)
