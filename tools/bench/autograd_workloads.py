# SPDX-License-Identifier: BSD-3-Clause
"""Autograd workloads for bench.py: recording cost on tiny tensors, a chain
of scalar ops through backward, and an MLP training step without optimizer."""

from __future__ import annotations

import numpy as np


def chain(x):
    """Ten ops on a one-element tensor, then backward."""
    y = x * 1.5
    y = y.sin()
    y = y + 0.5
    y = y.exp()
    y = y * y
    y = y.tanh()
    y = y - 0.1
    y = y.sigmoid()
    y = y * 2
    y = y.log()
    y.backward()
    return y.detach()


def mlp_inputs(rng):
    scale = 0.05
    shapes = [(512, 784), (512,), (256, 512), (256,), (10, 256), (10,)]
    params = [rng.standard_normal(s, dtype=np.float32) * scale for s in shapes]
    return (rng.standard_normal((128, 784), dtype=np.float32), rng.integers(0, 10, 128), *params)


def mlp_step(cross_entropy):
    def step(x, target, w1, b1, w2, b2, w3, b3):
        h = (x @ w1.t() + b1).relu()
        h = (h @ w2.t() + b2).relu()
        loss = cross_entropy(h @ w3.t() + b3, target)
        loss.backward()
        return loss.detach()

    return step


def autograd_workloads(workload, same, pair, one, time_at_most):
    """The workloads; bench.py passes its own types and helpers."""
    import torch.nn.functional as tf

    from ember._nn import loss

    fns = {"ember": mlp_step(loss.cross_entropy), "torch": mlp_step(tf.cross_entropy)}
    add = same(lambda a, b: a + b)
    return [
        workload("a+b 1-elem grad", "us/op", pair(1), {k: add[k] for k in fns}, 0, time_at_most(1.5), (0, 1)),
        workload("10-op chain fwd+bwd", "us/op", one(1), {k: chain for k in fns}, 0, time_at_most(1.5), (0,)),
        workload("MLP 784-512-256-10 b128 fwd+bwd", "ms", mlp_inputs, fns, 0, time_at_most(1.2), (2, 3, 4, 5, 6, 7)),
    ]
