# SPDX-License-Identifier: BSD-3-Clause
"""Adadelta (Zeiler, 2012)."""

from __future__ import annotations

from typing import Any

import ember

from ._flat import Bucket, FlatOptimizer, addcmul_
from .optimizer import to_scalar

__all__ = ["Adadelta"]


class Adadelta(FlatOptimizer):
    """Adadelta, as ``torch.optim.Adadelta`` (same options, state and numerics)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if isinstance(lr, ember.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("square_avg", "acc_delta")

    def _update(self, group: dict[str, Any], b: Bucket) -> None:
        lr, rho, eps, wd = to_scalar(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
        grad, square_avg, acc_delta = b.grad, b.flat["square_avg"], b.flat["acc_delta"]
        tmp, std, delta = b.scratch(0), b.scratch(1), b.scratch(2)
        b.scalars["step"].add_(1)
        if group["maximize"]:
            grad.neg_()
        if wd != 0:
            b.add_weight_decay(grad, wd)
        square_avg.mul_(rho)
        addcmul_(square_avg, grad, grad, 1 - rho, tmp)
        ember.add(square_avg, eps, out=std).sqrt_()
        ember.add(acc_delta, eps, out=delta).sqrt_()
        delta.div_(std).mul_(grad)
        acc_delta.mul_(rho)
        addcmul_(acc_delta, delta, delta, 1 - rho, tmp)
        b.add_to_params(delta, alpha=-lr)

    def _differentiable_update(self, group: dict[str, Any], params: list) -> None:
        # PyTorch's _single_tensor_adadelta, op for op (Note [Differentiable steps])
        lr, rho, eps, wd = to_scalar(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
        for p in params:
            state = self._param_state(group, p)
            state["step"] += 1
            grad = -p.grad if group["maximize"] else p.grad
            if wd != 0:  # p is read through a copy: it changes in place below
                grad = grad.add(p.clone(), alpha=wd)
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]
            square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
            std = square_avg.add(eps).sqrt_()
            delta = acc_delta.add(eps).sqrt_().clone()
            delta.div_(std).mul_(grad)
            acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            p.add_(delta, alpha=-lr)
