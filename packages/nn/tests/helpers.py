# SPDX-License-Identifier: BSD-3-Clause
"""Moving tensors and weights between ember and PyTorch (the oracle)."""

from __future__ import annotations

import numpy as np
import torch

import ember


def to_torch(t):
    return torch.from_numpy(np.array(t.detach().numpy()))


def to_ember(t):
    return ember.tensor(t.detach().numpy())


def load_from_torch(em, tm):
    """Copies a torch module's state_dict into the ember module (strict)."""
    em.load_state_dict({k: to_ember(v) for k, v in tm.state_dict().items()})


def assert_close(e, t, rtol=1e-5, atol=1e-6):
    if isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            assert_close(a, b, rtol, atol)
        return
    if t is None:
        assert e is None
        return
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
