# SPDX-License-Identifier: BSD-3-Clause
"""What the core needs to record the pointwise ops itself (Note [Native
recording] in the core): the node and saved-tensor classes it instantiates,
and per op id the derivative with what it saves (and when). Ops without a derivative
stay with the Python handlers, which know what to do with them."""

from __future__ import annotations

from ember import _C

from . import _callsite, _prims
from ._record import OpNode
from .derivatives import DERIVATIVES
from .graph import SavedTensor, gradient_edge


def _recipes(op_ids: dict) -> dict:
    table = {}
    for name, op in op_ids.items():
        deriv = DERIVATIVES.get(name)
        if deriv is not None and deriv.formula is not None:
            table[op] = (deriv, deriv.save_inputs, deriv.save_result, _save_masks(deriv.saves))
    return table


def _save_masks(saves) -> tuple:
    """Derivative.saves as one bit mask per input (bit i: input i needs a
    gradient); () for "save every input"."""
    if saves is None:
        return ()
    return tuple(sum(1 << i for i in readers) for readers in saves)


def install() -> None:
    """Native recording in place of ``_prims.ADAPTERS`` (registered as the handlers)."""
    _C._set_native_recorder(
        _prims.ADAPTERS,
        OpNode,
        SavedTensor,
        gradient_edge,
        _callsite.current,
        _recipes(_C.binary_ops),
        _recipes(_C.unary_ops),
    )
