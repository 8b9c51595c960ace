# SPDX-License-Identifier: BSD-3-Clause
"""NAdam: Adam with Nesterov momentum (Dozat, 2016)."""

from __future__ import annotations

from typing import Any

import ember

from ._flat import Bucket, FlatOptimizer, addcdiv_delta, addcmul_, lerp_
from .adam import check_betas
from .optimizer import graph_scalar, to_scalar

__all__ = ["NAdam"]


class NAdam(FlatOptimizer):
    """NAdam, as ``torch.optim.NAdam`` (same options, state and numerics)."""

    # mu_product is a float32 tensor in PyTorch; keeping it one rounds it the same way
    _scalar_state = {"step": 0.0, "mu_product": 1.0}

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_betas(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq")

    def _update(self, group: dict[str, Any], b: Bucket) -> None:
        lr, eps, wd = to_scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        momentum_decay = group["momentum_decay"]
        grad, exp_avg, exp_avg_sq = b.grad, b.flat["exp_avg"], b.flat["exp_avg_sq"]
        tmp = b.scratch(0)
        if group["maximize"]:
            grad.neg_()
        step_t, mu_product_t = b.scalars["step"], b.scalars["mu_product"]
        step_t.add_(1)
        step = step_t.item()
        bias_correction2 = 1 - beta2**step
        if wd != 0:
            if group["decoupled_weight_decay"]:
                b.scale_params(1 - lr * wd)
            else:
                b.add_weight_decay(grad, wd)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product_t.mul_(mu)
        lerp_(exp_avg, grad, 1 - beta1, tmp)
        exp_avg_sq.mul_(beta2)
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2, tmp)
        denom = ember.div(exp_avg_sq, bias_correction2, out=b.scratch(1)).sqrt_()
        mu_product = mu_product_t.item()
        mu_product_next = mu_product * mu_next
        denom.add_(eps)
        b.add_to_params(addcdiv_delta(grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product), tmp))
        b.add_to_params(addcdiv_delta(exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next), tmp))

    def _differentiable_update(self, group: dict[str, Any], params: list) -> None:
        # PyTorch's _single_tensor_nadam (its differentiable branch), op for op
        # (Note [Differentiable steps])
        lr, eps, wd = graph_scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        momentum_decay = group["momentum_decay"]
        for p in params:
            state = self._param_state(group, p)
            grad = -p.grad if group["maximize"] else p.grad
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            step_t, mu_product = state["step"], state["mu_product"]
            step_t += 1
            step = step_t.item()
            bias_correction2 = 1 - beta2**step
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(1 - lr * wd)
                else:  # p is read through a copy: it changes in place below
                    grad = grad.add(p.clone(), alpha=wd)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product *= mu
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            # the state tensors change in place next step: the ops that may save them read copies
            denom = exp_avg_sq.clone().div(bias_correction2).sqrt().add(eps)
            mu_product_next = mu_product * mu_next
            grad = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
            scaled_exp_avg = exp_avg.clone() * (-lr * mu_next / (1.0 - mu_product_next))
            p.addcdiv_(grad, denom)
            p.addcdiv_(scaled_exp_avg, denom)
