# SPDX-License-Identifier: BSD-3-Clause
"""Running a module's forward between its hooks, and the full backward hooks
(identity autograd Functions around the module's tensor inputs and outputs
that see the gradients flowing through them)."""

from __future__ import annotations

import ember
from ember.autograd import Function


def call_with_hooks(module, args, kwargs):
    """``module.forward(*args, **kwargs)`` with forward pre/post and backward hooks."""
    for hook_id, hook in list(module._forward_pre_hooks.items()):
        if hook_id in module._forward_pre_hooks_with_kwargs:
            res = hook(module, args, kwargs)
            if res is not None:
                if isinstance(res, tuple) and len(res) == 2:
                    args, kwargs = res
                else:
                    raise RuntimeError(
                        f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got {res}."
                    )
        else:
            res = hook(module, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
    state = None
    if module._backward_hooks or module.__dict__.get("_backward_pre_hooks"):
        state = _BackwardHookState(module)
        args = state.wrap_inputs(args)
    try:
        result = module.forward(*args, **kwargs)
    except Exception:
        for hook_id, hook in list(module._forward_hooks.items()):
            if hook_id in module._forward_hooks_always_called:
                try:
                    if hook_id in module._forward_hooks_with_kwargs:
                        hook(module, args, kwargs, None)
                    else:
                        hook(module, args, None)
                except Exception:
                    pass
        raise
    for hook_id, hook in list(module._forward_hooks.items()):
        if hook_id in module._forward_hooks_with_kwargs:
            res = hook(module, args, kwargs, result)
        else:
            res = hook(module, args, result)
        if res is not None:
            result = res
    if state is not None:
        result = state.wrap_outputs(result)
    return result


class _BackwardHookState:
    def __init__(self, module):
        self.module = module
        self.n_inputs = 0
        self.input_positions = []  # positions (among tensor args) that require grad
        self.grad_output = None
        self.inputs_wrapped = False

    def wrap_inputs(self, args):
        positions = [i for i, a in enumerate(args) if isinstance(a, ember.Tensor)]
        self.n_inputs = len(positions)
        wanted = [i for i in positions if args[i].requires_grad]
        self.input_positions = [positions.index(i) for i in wanted]
        if not wanted or not ember.is_grad_enabled():
            return args
        wrapped = _InputHook.apply(self, *(args[i] for i in wanted))
        args = list(args)
        for i, w in zip(wanted, wrapped):
            args[i] = w
        self.inputs_wrapped = True
        return tuple(args)

    def wrap_outputs(self, result):
        single = isinstance(result, ember.Tensor)
        outs = [result] if single else (list(result) if isinstance(result, (tuple, list)) else None)
        if outs is None or not ember.is_grad_enabled():
            return result
        wanted = [i for i, o in enumerate(outs) if isinstance(o, ember.Tensor) and o.requires_grad]
        if not wanted:
            return result
        self.n_outputs = len(outs)
        self.output_positions = wanted
        wrapped = _OutputHook.apply(self, *(outs[i] for i in wanted))
        for i, w in zip(wanted, wrapped):
            outs[i] = w
        if single:
            return outs[0]
        return type(result)(outs) if isinstance(result, tuple) and type(result) is tuple else outs

    def run_pre_hooks(self, grads):
        grad_output = [None] * self.n_outputs
        for i, g in zip(self.output_positions, grads):
            grad_output[i] = g
        grad_output = tuple(grad_output)
        for hook in list(self.module.__dict__.get("_backward_pre_hooks", {}).values()):
            res = hook(self.module, grad_output)
            if res is not None:
                grad_output = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        self.grad_output = grad_output
        return tuple(grad_output[i] for i in self.output_positions)

    def run_hooks(self, grads):
        grad_input = [None] * self.n_inputs
        for i, g in zip(self.input_positions, grads):
            grad_input[i] = g
        grad_input = tuple(grad_input)
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(
                        f"Backward hook returned an invalid number of grad_input, got {len(res)}, "
                        f"but expected {len(grad_input)}"
                    )
                grad_input = res
        return tuple(grad_input[i] for i in self.input_positions)


class _InputHook(Function):
    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        ctx.set_materialize_grads(False)
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.state.run_hooks(grads))


class _OutputHook(Function):
    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        ctx.set_materialize_grads(False)
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        grads = state.run_pre_hooks(grads)
        if not state.inputs_wrapped and state.module._backward_hooks:
            state.run_hooks(())  # no input needs a gradient: grad_input is all None
        return (None, *grads)
