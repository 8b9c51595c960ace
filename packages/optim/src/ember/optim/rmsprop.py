# SPDX-License-Identifier: BSD-3-Clause
"""RMSprop (Hinton), optionally centered and with momentum."""

from __future__ import annotations

from typing import Any

import ember

from ._flat import Bucket, FlatOptimizer, addcdiv_delta, addcmul_, lerp_
from .optimizer import to_scalar

__all__ = ["RMSprop"]


class RMSprop(FlatOptimizer):
    """RMSprop, as ``torch.optim.RMSprop`` (same options, state and numerics)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if isinstance(lr, ember.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        names: tuple[str, ...] = ("square_avg",)
        if group["momentum"] > 0:
            names += ("momentum_buffer",)
        if group["centered"]:
            names += ("grad_avg",)
        return names

    def _update(self, group: dict[str, Any], b: Bucket) -> None:
        lr, alpha, eps = to_scalar(group["lr"]), group["alpha"], group["eps"]
        wd, momentum = group["weight_decay"], group["momentum"]
        grad, square_avg, tmp = b.grad, b.flat["square_avg"], b.scratch(0)
        if group["maximize"]:
            grad.neg_()
        b.scalars["step"].add_(1)
        if wd != 0:
            b.add_weight_decay(grad, wd)
        square_avg.mul_(alpha)
        addcmul_(square_avg, grad, grad, 1 - alpha, tmp)
        avg = b.scratch(1)
        if group["centered"]:
            grad_avg = b.flat["grad_avg"]
            lerp_(grad_avg, grad, 1 - alpha, tmp)
            ember.mul(grad_avg, -1, out=tmp).mul_(grad_avg)
            ember.add(square_avg, tmp, out=avg).sqrt_()
        else:
            ember.sqrt(square_avg, out=avg)
        avg.add_(eps)
        if momentum > 0:
            buf = b.flat["momentum_buffer"]
            buf.mul_(momentum).add_(addcdiv_delta(grad, avg, 1, tmp))
            b.add_to_params(buf, alpha=-lr)
        else:
            b.add_to_params(addcdiv_delta(grad, avg, -lr, tmp))

    def _differentiable_update(self, group: dict[str, Any], params: list) -> None:
        # PyTorch's _single_tensor_rmsprop, op for op (Note [Differentiable steps])
        lr, alpha, eps = to_scalar(group["lr"]), group["alpha"], group["eps"]
        wd, momentum = group["weight_decay"], group["momentum"]
        for p in params:
            state = self._param_state(group, p)
            grad = -p.grad if group["maximize"] else p.grad
            square_avg = state["square_avg"]
            state["step"] += 1
            if wd != 0:  # p is read through a copy: it changes in place below
                grad = grad.add(p.clone(), alpha=wd)
            square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            if group["centered"]:
                grad_avg = state["grad_avg"]
                grad_avg.lerp_(grad, 1 - alpha)
                read = grad_avg.clone()  # it changes in place next step
                avg = square_avg.addcmul(read, read, value=-1).sqrt_()
            else:
                avg = square_avg.sqrt()
            avg = avg.add(eps)
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf.mul_(momentum).addcdiv_(grad, avg)
                p.add_(buf.clone(), alpha=-lr)  # buf changes in place next step
            else:
                p.addcdiv_(grad, avg, value=-lr)
