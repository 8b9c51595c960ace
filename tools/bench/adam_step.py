# SPDX-License-Identifier: BSD-3-Clause
"""Time one Adam step on the parameters of an MLP 784-512-256-10: ember vs PyTorch.

Also times a per-parameter loop of the same ember ops, the design the flat buffers replace
(Note [Flat state] in ember/optim/_flat.py). Run: .venv/bin/python tools/bench/adam_step.py
"""

from __future__ import annotations

import time

import numpy as np
import torch

import ember
import ember.optim

SHAPES = [(512, 784), (512,), (256, 512), (256,), (10, 256), (10,)]


def per_param_adam(params: list, state: list, step: int, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8) -> None:
    # the textbook loop: ~10 ember calls per parameter
    bc1, bc2 = 1 - b1**step, 1 - b2**step
    for p, (m, v) in zip(params, state):
        g = p.grad
        m.lerp_(g, 1 - b1)
        v.mul_(b2).add_(g * g, alpha=1 - b2)
        denom = (v.sqrt() / bc2**0.5).add_(eps)
        p.add_(m * (-lr / bc1) / denom)


def best_ms(fns: dict, rounds: int = 30, per_batch: int = 10) -> dict:
    """Per-call time of each function's fastest batch, the functions interleaved.

    Interleaving and taking the minimum keeps one library's spinning worker threads (or
    other processes on a shared machine) from skewing only one side.
    """
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            fn()
            t0 = time.perf_counter()
            for _ in range(per_batch):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / per_batch * 1e3)
    return best


def run(shapes: list, label: str) -> None:
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(np.float32) * 0.05 for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ep = [ember.tensor(a, requires_grad=True) for a in init]
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    for e, t, g in zip(ep, tp, grads):
        e.grad, t.grad = ember.tensor(g), torch.tensor(g)
    eo = ember.optim.Adam(ep)
    fns = {"ember": eo.step}
    for foreach in (False, True):
        fns[f"torch foreach={foreach}"] = torch.optim.Adam(tp, foreach=foreach).step
    loop_params = [ember.tensor(a, requires_grad=True) for a in init]
    for p, g in zip(loop_params, grads):
        p.grad = ember.tensor(g)
    loop_state = [(ember.zeros(s), ember.zeros(s)) for s in shapes]
    counter = iter(range(1, 10**9))

    def loop() -> None:
        with ember.no_grad():
            per_param_adam(loop_params, loop_state, next(counter))

    fns["ember per-param loop"] = loop
    results = best_ms(fns)
    n = sum(int(np.prod(s)) for s in shapes)
    print(f"Adam step, {label} ({n} params, {len(shapes)} tensors), {ember.get_num_threads()} threads")
    for name, ms in results.items():
        print(f"  {name:24s} {ms:7.3f} ms   ({ms / results['ember']:.2f}x ember)")


def main() -> None:
    run(SHAPES, "MLP 784-512-256-10")
    run([(64, 64), (64,)] * 50, "50 layers of 64x64")


if __name__ == "__main__":
    main()
