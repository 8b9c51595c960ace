# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end training across the core, autograd, nn and optim: a small CNN
learns a generated image task, and an MLP trained with Adam follows
PyTorch's loss trajectory step for step from the same weights and data."""

from __future__ import annotations

import numpy as np
import pytest

ember = pytest.importorskip("ember")
nn = pytest.importorskip("ember.nn")
optim = pytest.importorskip("ember.optim")
F = nn.functional


def _blob_images(n, seed):
    """``[n, 1, 28, 28]`` noise with one bright Gaussian blob; the label is
    the quadrant (0..3) that holds the blob's centre."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    cy = rng.uniform(3, 11, n) + 14 * (labels // 2)
    cx = rng.uniform(3, 11, n) + 14 * (labels % 2)
    yy, xx = np.mgrid[0:28, 0:28]
    d2 = (yy[None] - cy[:, None, None]) ** 2 + (xx[None] - cx[:, None, None]) ** 2
    images = np.exp(-d2 / (2 * 2.0**2)) + 0.3 * rng.standard_normal((n, 28, 28))
    return images[:, None].astype(np.float32), labels.astype(np.int64)


def _small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 7 * 7, 32),
        nn.ReLU(),
        nn.Linear(32, 4),
    )


def test_cnn_learns_blob_quadrants():
    ember.manual_seed(0)
    x_train, y_train = _blob_images(512, seed=1)
    x_test, y_test = _blob_images(256, seed=2)
    model = _small_cnn()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    rng = np.random.default_rng(0)
    losses = []
    model.train()
    for _epoch in range(8):
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), 64):
            idx = order[i : i + 64]
            xb, yb = ember.tensor(x_train[idx]), ember.tensor(y_train[idx])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05 * 0.5**2)
    assert np.mean(losses[-8:]) < 0.2, losses
    model.eval()
    with ember.no_grad():
        pred = model(ember.tensor(x_test)).argmax(1).numpy()
    assert (pred == y_test).mean() >= 0.95


def test_mlp_adam_matches_pytorch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(20, 32), torch.nn.Tanh(), torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
    ).double()
    emodel = nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 3)).double()
    emodel.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tmodel.state_dict().items()})
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 20))
    y = rng.integers(0, 3, 64)
    topt = torch.optim.Adam(tmodel.parameters(), lr=1e-2, weight_decay=1e-4)
    eopt = optim.Adam(emodel.parameters(), lr=1e-2, weight_decay=1e-4)
    tlosses, elosses = [], []
    for step in range(8):
        rows = slice(8 * step % 64, 8 * step % 64 + 32)
        tl = torch.nn.functional.cross_entropy(tmodel(torch.tensor(x[rows])), torch.tensor(y[rows]))
        topt.zero_grad()
        tl.backward()
        topt.step()
        el = F.cross_entropy(emodel(ember.tensor(x[rows])), ember.tensor(y[rows]))
        eopt.zero_grad()
        el.backward()
        eopt.step()
        tlosses.append(tl.item())
        elosses.append(el.item())
    np.testing.assert_allclose(elosses, tlosses, rtol=1e-9, atol=1e-12)
    assert elosses[-1] < elosses[0]
    tstate = tmodel.state_dict()
    for k, v in emodel.state_dict().items():
        np.testing.assert_allclose(v.numpy(), tstate[k].numpy(), rtol=1e-8, atol=1e-10)
