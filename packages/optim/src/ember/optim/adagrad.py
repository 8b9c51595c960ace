# SPDX-License-Identifier: BSD-3-Clause
"""Adagrad (Duchi et al., 2011)."""

from __future__ import annotations

from typing import Any

import ember

from ._flat import Bucket, FlatOptimizer, addcdiv_delta
from .optimizer import scalar_dtype, to_scalar

__all__ = ["Adagrad"]


class Adagrad(FlatOptimizer):
    """Adagrad, as ``torch.optim.Adagrad`` (same options, state and numerics).

    As in PyTorch, state is created for every param at construction.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if isinstance(lr, ember.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = ember.tensor(0.0, dtype=scalar_dtype())
                state["sum"] = ember.full(p.shape, initial_accumulator_value, dtype=p.dtype)

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("sum",)

    def _initial_value(self, group: dict[str, Any], name: str) -> float:
        return group["initial_accumulator_value"]

    def _update(self, group: dict[str, Any], b: Bucket) -> None:
        lr, wd, eps = to_scalar(group["lr"]), group["weight_decay"], group["eps"]
        grad, state_sum, tmp = b.grad, b.flat["sum"], b.scratch(0)
        step_t = b.scalars["step"]
        step_t.add_(1)
        step = step_t.item()
        if group["maximize"]:
            grad.neg_()
        if wd != 0:
            b.add_weight_decay(grad, wd)
        clr = lr / (1 + (step - 1) * group["lr_decay"])
        state_sum.add_(ember.mul(grad, grad, out=tmp))
        std = ember.sqrt(state_sum, out=b.scratch(1)).add_(eps)
        b.add_to_params(addcdiv_delta(grad, std, -clr, tmp))

    def _differentiable_update(self, group: dict[str, Any], params: list) -> None:
        # PyTorch's _single_tensor_adagrad, op for op (Note [Differentiable steps])
        lr, wd, eps = to_scalar(group["lr"]), group["weight_decay"], group["eps"]
        for p in params:
            state = self._param_state(group, p)
            step_t = state["step"]
            step_t += 1
            grad = -p.grad if group["maximize"] else p.grad
            if wd != 0:  # p is read through a copy: it changes in place below
                grad = grad.add(p.clone(), alpha=wd)
            clr = lr / (1 + (step_t.item() - 1) * group["lr_decay"])
            state_sum = state["sum"]
            state_sum.addcmul_(grad, grad, value=1)
            std = state_sum.sqrt() + eps
            p.addcdiv_(grad, std, value=-clr)
