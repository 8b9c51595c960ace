# SPDX-License-Identifier: BSD-3-Clause
"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2019)."""

from __future__ import annotations

from typing import Any

import ember

from ._flat import Bucket, FlatOptimizer, addcmul_, lerp_
from .adam import check_betas
from .optimizer import graph_scalar, to_scalar

__all__ = ["RAdam"]


class RAdam(FlatOptimizer):
    """RAdam, as ``torch.optim.RAdam`` (same options, state and numerics)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_betas(lr, eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq")

    def _update(self, group: dict[str, Any], b: Bucket) -> None:
        lr, eps, wd = to_scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        grad, exp_avg, exp_avg_sq = b.grad, b.flat["exp_avg"], b.flat["exp_avg_sq"]
        tmp, update = b.scratch(0), b.scratch(1)
        if group["maximize"]:
            grad.neg_()
        step_t = b.scalars["step"]
        step_t.add_(1)
        step = step_t.item()
        if wd != 0:
            if group["decoupled_weight_decay"]:
                b.scale_params(1 - lr * wd)
            else:
                b.add_weight_decay(grad, wd)
        lerp_(exp_avg, grad, 1 - beta1, tmp)
        exp_avg_sq.mul_(beta2)
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2, tmp)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        ember.div(exp_avg, bias_correction1, out=update)  # bias-corrected exp_avg
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        update.mul_(lr)
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            # adaptive lr: sqrt(bias_correction2) / (sqrt(exp_avg_sq) + eps)
            ember.sqrt(exp_avg_sq, out=tmp).add_(eps)
            ember.div(bias_correction2**0.5, tmp, out=tmp)
            update.mul_(tmp).mul_(rect)
        b.add_to_params(update, alpha=-1.0)

    def _differentiable_update(self, group: dict[str, Any], params: list) -> None:
        # PyTorch's _single_tensor_radam, op for op (Note [Differentiable steps])
        lr, eps, wd = graph_scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        for p in params:
            state = self._param_state(group, p)
            grad = -p.grad if group["maximize"] else p.grad
            exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
            step_t += 1
            step = step_t.item()
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(1 - lr * wd)
                else:  # p is read through a copy: it changes in place below
                    grad = grad.add(p.clone(), alpha=wd)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            bias_corrected_exp_avg = exp_avg.clone() / bias_correction1  # exp_avg changes next step
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                adaptive_lr = (bias_correction2**0.5) / exp_avg_sq.sqrt().add(eps)
                p.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
            else:
                p.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
