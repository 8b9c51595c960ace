# SPDX-License-Identifier: BSD-3-Clause
"""ember-data's DataLoader workers send batches through shared memory when
this package is installed."""

from __future__ import annotations

import gc

import pytest

import ember
import ember.multiprocessing as mp
from ember.multiprocessing import data_transport

edata = pytest.importorskip("ember.data")


def test_the_loader_uses_this_transport():
    from ember.data import _transport

    assert _transport.get_transport() == (data_transport.pack_batch, data_transport.unpack_batch)


def test_pack_moves_nested_tensors_in_place():
    batch = {"x": ember.ones(2, 3), "pair": (ember.zeros(4), [ember.arange(3)]), "label": "cat"}
    tensors = [batch["x"], batch["pair"][0], batch["pair"][1][0]]
    assert data_transport.pack_batch(batch) is batch
    assert all(t.is_shared() for t in tensors)
    assert data_transport.unpack_batch(batch) is batch


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_worker_batches_arrive_in_shared_memory(strategy, method):
    x, y = ember.arange(40.0).reshape(20, 2), ember.arange(20)
    loader = edata.DataLoader(edata.TensorDataset(x, y), batch_size=5, num_workers=2, multiprocessing_context=method)
    batches = list(loader)
    assert all(xb.is_shared() and yb.is_shared() for xb, yb in batches)
    assert ember.cat([xb for xb, _ in batches]).tolist() == x.tolist()
    assert ember.cat([yb for _, yb in batches]).tolist() == y.tolist()
    start = mp._shm.count()
    del batches
    gc.collect()
    assert mp._shm.count() < start
