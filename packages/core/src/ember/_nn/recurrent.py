# SPDX-License-Identifier: BSD-3-Clause
"""Recurrent kernels: one LSTM layer (one direction) over a whole sequence in
one call (Note [Fused LSTM layer] in csrc/ops/lstm.cpp)."""

from __future__ import annotations

from .. import _C


def lstm_layer(xp, h0, c0, w_hh, reverse: bool = False):
    """``(out, h_n, c_n)`` of an LSTM layer from ``xp`` ``[T, B, 4H]`` (the input
    projections with both biases, gates i, f, g, o), ``h0`` and ``c0``
    ``[B, H]`` and ``w_hh`` ``[4H, H]``; ``out`` ``[T, B, H]`` holds h of every
    step. ``reverse`` runs the steps from the last to the first. Differentiable
    once (its gradient is not differentiable again)."""
    out, h_n, c_n, _gates, _cs = _C.lstm_layer(xp, h0, c0, w_hh, bool(reverse))
    return out, h_n, c_n
