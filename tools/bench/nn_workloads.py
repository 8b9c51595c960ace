# SPDX-License-Identifier: BSD-3-Clause
"""Training-step workloads for bench.py (ember-nn and ember-optim against
torch.nn and torch.optim, the same weights in both): forward, backward and
an optimizer step, or forward and backward only."""

from __future__ import annotations

import numpy as np


def _copy_weights(model_e, model_t, ember):
    model_e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in model_t.state_dict().items()})


def _models(build, ember, torch):
    torch.manual_seed(0)
    model_t = build(torch.nn)
    model_e = build(ember.nn)
    _copy_weights(model_e, model_t, ember)
    return {"ember": model_e, "torch": model_t}


def _train_step(models, make_optimizer, loss_fn):
    fns = {}
    for lib, model in models.items():
        opt = make_optimizer(lib, model)
        loss = loss_fn[lib]

        def step(x, y, model=model, opt=opt, loss=loss):
            opt.zero_grad()
            out = loss(model(x), y)
            out.backward()
            opt.step()
            return out.detach()

        fns[lib] = step
    return fns


def _fwd_bwd(models, forward):
    fns = {}
    for lib, model in models.items():

        def run(*args, model=model):
            out = forward(model, *args)
            out.sum().backward()
            return out.detach()

        fns[lib] = run
    return fns


def nn_workloads(workload, time_at_most):
    import importlib.util

    if importlib.util.find_spec("ember.nn") is None or importlib.util.find_spec("ember.optim") is None:
        return []
    import torch

    import ember
    import ember.nn
    import ember.optim

    mods = {"ember": ember, "torch": torch}
    ce = {lib: m.nn.functional.cross_entropy for lib, m in mods.items()}
    out = []

    def mlp(nn):
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))

    adam = lambda lib, model: mods[lib].optim.Adam(model.parameters(), lr=1e-3)  # noqa: E731
    data = lambda rng: (rng.standard_normal((128, 784), dtype=np.float32), rng.integers(0, 10, 128))  # noqa: E731
    out.append(workload("MLP 784-512-256-10 b128 Adam step", "ms", data,
                        _train_step(_models(mlp, ember, torch), adam, ce), 0, time_at_most(1.2)))  # fmt: skip

    def cnn(nn):
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
        )  # fmt: skip

    sgd = lambda lib, model: mods[lib].optim.SGD(model.parameters(), lr=0.01, momentum=0.9)  # noqa: E731
    images = lambda rng: (rng.standard_normal((64, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 64))  # noqa: E731
    out.append(workload("CNN 2conv+2fc 28^2 b64 SGD step", "ms", images,
                        _train_step(_models(cnn, ember, torch), sgd, ce), 0, time_at_most(1.3)))  # fmt: skip

    if hasattr(ember.nn, "LSTM"):
        lstm = _models(lambda nn: nn.LSTM(32, 128), ember, torch)
        seq = lambda rng: (rng.standard_normal((35, 20, 32), dtype=np.float32),)  # noqa: E731
        out.append(workload("LSTM 32->128 seq35 b20 fwd+bwd", "ms", seq,
                            _fwd_bwd(lstm, lambda m, x: m(x)[0]), 0, time_at_most(1.3)))  # fmt: skip
    if hasattr(ember.nn, "TransformerEncoderLayer"):
        layer = _models(lambda nn: nn.TransformerEncoderLayer(256, 4, dropout=0.0, batch_first=True), ember, torch)
        tokens = lambda rng: (rng.standard_normal((16, 64, 256), dtype=np.float32),)  # noqa: E731
        out.append(workload("Transformer enc layer d256 h4 s64 b16 fwd+bwd", "ms", tokens,
                            _fwd_bwd(layer, lambda m, x: m(x)), 0, time_at_most(1.3)))  # fmt: skip
    return out
