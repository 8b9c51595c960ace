# SPDX-License-Identifier: BSD-3-Clause
"""Stochastic gradient descent with momentum, dampening and Nesterov momentum."""

from __future__ import annotations

from typing import Any

import ember

from ._flat import Bucket, FlatOptimizer
from .optimizer import graph_scalar, needs_grad, to_scalar

__all__ = ["SGD"]


class SGD(FlatOptimizer):
    """SGD, as ``torch.optim.SGD`` (same options, state and numerics)."""

    _scalar_state: dict[str, float] = {}

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if isinstance(lr, ember.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _update(self, group: dict[str, Any], b: Bucket) -> None:
        lr, momentum, wd = to_scalar(group["lr"]), group["momentum"], group["weight_decay"]
        grad = b.grad
        if group["maximize"]:
            grad.neg_()
        if wd != 0:
            b.add_weight_decay(grad, wd)
        if momentum != 0:
            buf = b.flat["momentum_buffer"]
            if b.fresh:
                buf.copy_(grad)
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            if group["nesterov"]:
                grad.add_(buf, alpha=momentum)
            else:
                grad = buf
        b.add_to_params(grad, alpha=-lr)

    def _differentiable_update(self, group: dict[str, Any], params: list) -> None:
        # PyTorch's _single_tensor_sgd, op for op (Note [Differentiable steps])
        lr, momentum, wd = graph_scalar(group["lr"]), group["momentum"], group["weight_decay"]
        for p in params:
            grad = -p.grad if group["maximize"] else p.grad
            if wd != 0:  # p is read through a copy: it changes in place below
                grad = grad.addcmul_(p.clone(), wd) if needs_grad(wd) else grad.add(p.clone(), alpha=to_scalar(wd))
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = grad.detach().clone()
                else:
                    buf.mul_(momentum).add_(grad, alpha=1 - to_scalar(group["dampening"]))
                # the ops below may save what they read for backward, and buf changes in
                # place next step: they read a copy (PyTorch reads buf, and its backward
                # then fails after a second step when lr requires grad)
                read = buf.clone()
                grad = grad.add(read, alpha=to_scalar(momentum)) if group["nesterov"] else read
            if needs_grad(lr):
                p.addcmul_(grad, lr, value=-1)
            else:
                p.add_(grad, alpha=-to_scalar(lr))
