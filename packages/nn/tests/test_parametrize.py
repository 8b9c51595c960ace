# SPDX-License-Identifier: BSD-3-Clause
"""Parametrizations (weight_norm, spectral_norm, custom ones) against PyTorch."""

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.nn.utils import parametrizations, parametrize


def _from_torch(module_e, module_t):
    state = {k: ember.tensor(v.detach().numpy()) for k, v in module_t.state_dict().items()}
    module_e.load_state_dict(state)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    torch.manual_seed(0)
    lt = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3).double(), dim=dim)
    le = parametrizations.weight_norm(nn.Linear(4, 3).double(), dim=dim)
    assert list(le.state_dict()) == list(lt.state_dict())
    _from_torch(le, lt)
    x = np.random.default_rng(0).standard_normal((5, 4))
    ye, yt = le(ember.tensor(x)), lt(torch.tensor(x))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    (ye * ye).sum().backward()
    (yt * yt).sum().backward()
    for name in ("original0", "original1"):
        ge = getattr(le.parametrizations.weight, name).grad.numpy()
        gt = getattr(lt.parametrizations.weight, name).grad.numpy()
        np.testing.assert_allclose(ge, gt, rtol=1e-10)


def test_spectral_norm_matches_torch_in_train_and_eval():
    torch.manual_seed(0)
    ct = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(2, 3, 3).double())
    ce = parametrizations.spectral_norm(nn.Conv2d(2, 3, 3).double())
    assert sorted(ce.state_dict()) == sorted(ct.state_dict())
    _from_torch(ce, ct)
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 5))
    for _ in range(2):  # training: each forward runs one power iteration
        np.testing.assert_allclose(ce(ember.tensor(x)).detach().numpy(), ct(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-9)  # fmt: skip
    ce.eval()
    ct.eval()
    ye, yt = ce(ember.tensor(x)), ct(torch.tensor(x))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-9)
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(ce.parametrizations.weight.original.grad.numpy(),
                               ct.parametrizations.weight.original.grad.numpy(), rtol=1e-8)  # fmt: skip


def test_custom_parametrization_assignment_caching_and_removal():
    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

    m = nn.Linear(3, 3)
    parametrize.register_parametrization(m, "weight", Symmetric())
    assert parametrize.is_parametrized(m, "weight") and type(m).__name__ == "ParametrizedLinear"
    w = m.weight
    assert ember.equal(w, w.mT)
    with parametrize.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    m.weight = ember.eye(3) * 2  # through right_inverse (identity here): stored as the original
    assert ember.equal(m.weight, ember.eye(3) * 2)
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and isinstance(m.weight, nn.Parameter) and not parametrize.is_parametrized(m)
    assert ember.equal(m.weight, ember.eye(3) * 2)
    with pytest.raises(ValueError, match="does not have a parameter"):
        parametrize.register_parametrization(m, "nope", Symmetric())
