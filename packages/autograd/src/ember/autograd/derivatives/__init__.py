# SPDX-License-Identifier: BSD-3-Clause
"""One registry of derivatives keyed by the core's op names (jit reads it
too). A formula gets the node as ``ctx`` (``ctx.inputs``, ``ctx.result``,
``ctx.attrs``, ``ctx.needs_input_grad``) and one gradient per output, and
returns one gradient (or None) per input. Formulas are written with ember
ops, so they are differentiable again (higher-order gradients). The engine
reduces each returned gradient to its input's shape (broadcasting) and dtype."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Derivative:
    name: str
    formula: Callable | None  # None: not differentiable
    save_inputs: bool = False  # ctx.inputs holds the input values
    save_result: bool = False  # ctx.result holds the outputs
    # per input, the inputs whose gradient reads it: it is saved only when one
    # of them needs a gradient (else ctx.inputs holds None there, and an
    # in-place write to it later is no error). None: every input is saved.
    saves: tuple | None = None

    @property
    def node_name(self) -> str:
        return "".join(p.capitalize() for p in self.name.strip("_").split("_")) + "Backward0"


DERIVATIVES: dict[str, Derivative] = {}


def derivative(name: str, *, inputs: bool = False, result: bool = False, saves: tuple | None = None):
    """Registers ``formula(ctx, *grads)`` as the derivative of op ``name``."""

    def register(formula):
        if name in DERIVATIVES:
            raise ValueError(f"derivative of {name!r} registered twice")
        DERIVATIVES[name] = Derivative(name, formula, inputs, result, saves)
        return formula

    return register


def not_differentiable(*names: str) -> None:
    """Ops whose outputs never carry gradient (comparisons, rounding to integers, indices)."""
    for name in names:
        DERIVATIVES[name] = Derivative(name, None)


def load_all() -> None:
    from . import elementwise, index, linalg, matmul, nn, reduce, views  # noqa: F401
