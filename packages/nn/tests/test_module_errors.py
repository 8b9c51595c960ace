# SPDX-License-Identifier: BSD-3-Clause
"""Errors raised inside a model keep PyTorch's type and wording and name the
module's path and input shapes."""

from __future__ import annotations

import pytest
import torch

import ember
import ember.nn as enn


class Encoder(enn.Module):
    def __init__(self):
        super().__init__()
        self.layers = enn.ModuleList([enn.Sequential() for _ in range(3)])
        self.layers.append(enn.Sequential())
        self.layers[3].add_module("fc1", enn.Linear(256, 10))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Net(enn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def forward(self, x):
        return self.encoder(x)


def test_linear_mismatch_names_path_and_shape():
    with pytest.raises(RuntimeError) as e:
        Net()(ember.randn(32, 128))
    msg = str(e.value)
    assert msg.startswith(
        "Net.encoder.layers.3.fc1 (Linear(in_features=256, out_features=10, bias=True)), input shape [32, 128]: "
    )
    assert msg.endswith("mat1 and mat2 shapes cannot be multiplied (32x128 and 256x10)")


def test_same_types_as_torch():
    cases = [
        (lambda nn: nn.Conv2d(3, 4, 3), (3, 5)),
        (lambda nn: nn.Linear(4, 2), (2, 5)),
        (lambda nn: nn.BatchNorm2d(3), (2, 3)),
        (lambda nn: nn.LayerNorm(4), (2, 5)),
    ]
    for ctor, shape in cases:
        with pytest.raises(Exception) as te:
            ctor(torch.nn)(torch.randn(shape))
        with pytest.raises(Exception) as ee:
            ctor(enn)(ember.randn(shape))
        assert type(ee.value) is type(te.value), (ee.value, te.value)
        assert str(ee.value).endswith(str(te.value).replace("torch.Size", "ember.Size")), (ee.value, te.value)
        assert f"input shape {list(shape)}" in str(ee.value)


def test_conv_rank_error_message():
    m = enn.Sequential(enn.Conv2d(3, 4, 3))
    with pytest.raises(RuntimeError, match=r"Sequential.0 \(Conv2d\(3, 4, kernel_size=\(3, 3\), stride=\(1, 1\)\)\), "
                                           r"input shape \[3, 5\]: Expected 3D \(unbatched\) or 4D"):  # fmt: skip
        m(ember.randn(3, 5))


def test_error_in_non_leaf_forward_and_top_level_call():
    class Bad(enn.Module):
        def __init__(self):
            super().__init__()
            self.fc = enn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x).view(7)

    with pytest.raises(RuntimeError) as e:
        enn.Sequential(Bad())(ember.randn(1, 2))
    assert str(e.value).startswith("Sequential.0 (Bad()), input shape [1, 2]: ")
    with pytest.raises(RuntimeError) as e:
        enn.Linear(3, 2)(ember.randn(1, 2))
    assert str(e.value).startswith("Linear(in_features=3, out_features=2, bias=True), input shape [1, 2]: ")


def test_traceback_and_exception_object_kept():
    m = enn.Sequential(enn.Linear(3, 2))
    try:
        m(ember.randn(1, 2))
    except RuntimeError as e:
        assert e.__traceback__ is not None
        assert "mat1 and mat2" in e.args[0]
