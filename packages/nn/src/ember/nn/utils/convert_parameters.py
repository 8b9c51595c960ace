# SPDX-License-Identifier: BSD-3-Clause
"""Flattening parameters into one vector and writing a vector back."""

from __future__ import annotations

import ember


def parameters_to_vector(parameters):
    """All ``parameters`` flattened and concatenated into one 1-D tensor."""
    if isinstance(parameters, ember.Tensor):
        parameters = [parameters]
    return ember.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copies consecutive slices of the 1-D ``vec`` into ``parameters`` in place."""
    if not isinstance(vec, ember.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    if isinstance(parameters, ember.Tensor):
        parameters = [parameters]
    pointer = 0
    with ember.no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[pointer : pointer + n].view_as(p))
            pointer += n
