# SPDX-License-Identifier: BSD-3-Clause
"""Adam (Kingma & Ba, 2014), with AMSGrad and decoupled weight decay."""

from __future__ import annotations

from typing import Any

import ember

from ._flat import Bucket, FlatOptimizer, addcdiv_delta, addcmul_, lerp_
from .optimizer import graph_scalar, needs_grad, to_scalar

__all__ = ["Adam"]


def check_betas(lr: Any, eps: float, betas: tuple, weight_decay: float) -> None:
    if isinstance(lr, ember.Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(FlatOptimizer):
    """Adam, as ``torch.optim.Adam`` (same options, state and numerics)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_betas(lr, eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("decoupled_weight_decay", False)

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        names = ("exp_avg", "exp_avg_sq")
        return names + ("max_exp_avg_sq",) if group["amsgrad"] else names

    def _update(self, group: dict[str, Any], b: Bucket) -> None:
        lr = to_scalar(group["lr"])
        beta1, beta2 = (to_scalar(x) for x in group["betas"])
        wd, eps = group["weight_decay"], group["eps"]
        grad, exp_avg, exp_avg_sq = b.grad, b.flat["exp_avg"], b.flat["exp_avg_sq"]
        tmp = b.scratch(0)
        if group["maximize"]:
            grad.neg_()
        step_t = b.scalars["step"]
        step_t.add_(1)
        if wd != 0:
            if group["decoupled_weight_decay"]:
                b.scale_params(1 - lr * wd)
            else:
                b.add_weight_decay(grad, wd)
        lerp_(exp_avg, grad, 1 - beta1, tmp)
        exp_avg_sq.mul_(beta2)
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2, tmp)
        step = step_t.item()
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        second = exp_avg_sq
        if group["amsgrad"]:
            second = b.flat["max_exp_avg_sq"]
            ember.maximum(second, exp_avg_sq, out=second)
        denom = ember.sqrt(second, out=b.scratch(1))
        denom.div_(bias_correction2_sqrt).add_(eps)
        b.add_to_params(addcdiv_delta(exp_avg, denom, -step_size, tmp))

    def _differentiable_update(self, group: dict[str, Any], params: list) -> None:
        # PyTorch's _single_tensor_adam (its differentiable branch), op for op
        # (Note [Differentiable steps])
        lr = graph_scalar(group["lr"])
        beta1, beta2 = (graph_scalar(b) for b in group["betas"])
        wd, eps, amsgrad = group["weight_decay"], group["eps"], group["amsgrad"]
        for p in params:
            state = self._param_state(group, p)
            step_t = state["step"]
            if step_t.requires_grad:
                raise RuntimeError("`requires_grad` is not supported for `step` in differentiable mode")
            grad = -p.grad if group["maximize"] else p.grad
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            step_t += 1
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(1 - lr * wd)
                elif needs_grad(wd):  # p is read through a copy: it changes in place below
                    grad = grad.addcmul_(p.clone(), wd)
                else:
                    grad = grad.add(p.clone(), alpha=to_scalar(wd))
            exp_avg.lerp_(grad, 1 - (beta1.to(dtype=p.dtype) if isinstance(beta1, ember.Tensor) else beta1))
            if needs_grad(beta2):
                exp_avg_sq.lerp_(ember.square(grad), 1 - beta2)
            else:
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - to_scalar(beta2))
            bias_correction1 = 1 - beta1 ** (step_t.clone() if needs_grad(beta1) else step_t)
            bias_correction2 = 1 - beta2 ** (step_t.clone() if needs_grad(beta2) else step_t)
            step_size_neg = (lr / bias_correction1).neg()
            second = exp_avg_sq
            if amsgrad:
                # maximum saves its inputs and exp_avg_sq changes in place next step: it
                # reads a copy (PyTorch reads exp_avg_sq, and fails after a second step)
                second = state["max_exp_avg_sq"]
                second.copy_(ember.maximum(second.clone(), exp_avg_sq.clone()))
            denom = (second.sqrt() / (bias_correction2.sqrt() * step_size_neg)).add_(eps / step_size_neg)
            p.addcdiv_(exp_avg.clone(), denom)
