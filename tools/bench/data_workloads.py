# SPDX-License-Identifier: BSD-3-Clause
"""DataLoader workloads for bench.py (ember-data against torch.utils.data):
one shuffled epoch over an MNIST-sized TensorDataset, loaded in the main
process and with two worker processes (their start-up included, as an epoch
without persistent workers pays it)."""

from __future__ import annotations

import numpy as np

SAMPLES, FEATURES, BATCH = 60_000, 784, 128


def mnist_sized(rng):
    images = rng.standard_normal((SAMPLES, FEATURES), dtype=np.float32)
    return images, rng.integers(0, 10, SAMPLES)


def epoch(data_module, num_workers):
    """One shuffled pass; returns (samples seen, sum of their labels), the
    same for both libraries whatever the order."""

    def run(images, labels):
        dataset = data_module.TensorDataset(images, labels)
        loader = data_module.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=num_workers)
        seen = label_sum = 0
        for _, batch_labels in loader:
            seen += batch_labels.shape[0]
            label_sum += int(batch_labels.sum())
        return labels.new_tensor([seen, label_sum])

    return run


def data_workloads(workload, time_at_most):
    """The workloads, when ember-data is installed; bench.py passes its own
    Workload type and target helper."""
    import importlib.util

    if importlib.util.find_spec("ember.data") is None:
        return []
    import torch.utils.data

    import ember.data

    libs = {"ember": ember.data, "torch": torch.utils.data}
    name = f"DataLoader {SAMPLES}x{FEATURES} b{BATCH} shuffled epoch"
    fns = {workers: {lib: epoch(module, workers) for lib, module in libs.items()} for workers in (0, 2)}
    return [
        workload(f"{name} workers=0", "ms", mnist_sized, fns[0], 0, time_at_most(1.0)),
        workload(f"{name} workers=2", "ms", mnist_sized, fns[2], 0, time_at_most(1.0)),
    ]
