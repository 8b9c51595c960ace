# SPDX-License-Identifier: BSD-3-Clause
"""Adamax: Adam with the infinity norm (Kingma & Ba, 2014)."""

from __future__ import annotations

from typing import Any

import ember

from ._flat import Bucket, FlatOptimizer, addcdiv_delta, lerp_
from .adam import check_betas
from .optimizer import to_scalar

__all__ = ["Adamax"]


class Adamax(FlatOptimizer):
    """Adamax, as ``torch.optim.Adamax`` (same options, state and numerics)."""

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_betas(lr, eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("exp_avg", "exp_inf")

    def _update(self, group: dict[str, Any], b: Bucket) -> None:
        lr, eps, wd = to_scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        grad, exp_avg, exp_inf, tmp = b.grad, b.flat["exp_avg"], b.flat["exp_inf"], b.scratch(0)
        if group["maximize"]:
            grad.neg_()
        step_t = b.scalars["step"]
        step_t.add_(1)
        if wd != 0:
            b.add_weight_decay(grad, wd)
        lerp_(exp_avg, grad, 1 - beta1, tmp)
        exp_inf.mul_(beta2)
        ember.maximum(exp_inf, ember.abs(grad, out=tmp).add_(eps), out=exp_inf)
        clr = lr / (1 - beta1 ** step_t.item())
        b.add_to_params(addcdiv_delta(exp_avg, exp_inf, -clr, tmp))

    def _differentiable_update(self, group: dict[str, Any], params: list) -> None:
        # PyTorch's _single_tensor_adamax, op for op (Note [Differentiable steps])
        lr, eps, wd = to_scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        for p in params:
            state = self._param_state(group, p)
            grad = -p.grad if group["maximize"] else p.grad
            exp_avg, exp_inf, step_t = state["exp_avg"], state["exp_inf"], state["step"]
            step_t += 1
            if wd != 0:  # p is read through a copy: it changes in place below
                grad = grad.add(p.clone(), alpha=wd)
            exp_avg.lerp_(grad, 1 - beta1)
            # amax over the pair splits the gradient of a tie, as PyTorch's differentiable step
            norm_buf = ember.stack([exp_inf.mul_(beta2), grad.abs().add_(eps)], 0)
            exp_inf.copy_(ember.amax(norm_buf, 0, keepdim=False))
            clr = to_scalar(lr / (1 - beta1 ** step_t.item()))
            # both change in place next step: the division reads copies
            p.addcdiv_(exp_avg.clone(), exp_inf.clone(), value=-clr)
