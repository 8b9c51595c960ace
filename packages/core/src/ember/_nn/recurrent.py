# SPDX-License-Identifier: BSD-3-Clause
"""Recurrent kernels: one LSTM layer (one direction) over a whole sequence in
one call (Note [Fused LSTM layer] in csrc/ops/lstm.cpp)."""

from __future__ import annotations

from .. import _C


def lstm_layer(x, w_ih, bias, h0, c0, w_hh, reverse: bool = False):
    """``(out, h_n, c_n)`` of an LSTM layer over ``x`` ``[T, B, I]`` with the
    gate weights ``w_ih`` ``[4H, I]`` and ``w_hh`` ``[4H, H]`` (gates i, f, g,
    o), ``bias`` ``[4H]`` (``b_ih + b_hh``) or None, and the states ``h0``,
    ``c0`` ``[B, H]``; ``out`` ``[T, B, H]`` holds h of every step. ``reverse``
    runs the steps from the last to the first. Differentiable once (its
    gradient is not differentiable again)."""
    out, h_n, c_n, _gates, _cs = _C.lstm_layer(x, w_ih, bias, h0, c0, w_hh, bool(reverse))
    return out, h_n, c_n
