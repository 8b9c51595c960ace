# SPDX-License-Identifier: BSD-3-Clause
"""Running a module's forward between its hooks, and the full backward hooks
(identity autograd Functions around the module's tensor inputs and outputs
that see the gradients flowing through them)."""

from __future__ import annotations

import warnings

import ember
from ember.autograd import Function

from ._global_hooks import (
    _global_backward_hooks,
    _global_backward_pre_hooks,
    _global_forward_hooks,
    _global_forward_hooks_always_called,
    _global_forward_hooks_with_kwargs,
    _global_forward_pre_hooks,
)


def call_with_hooks(module, args, kwargs):
    """``module.forward(*args, **kwargs)`` between the forward pre/post hooks and
    with the backward hooks, the global hooks of each kind before the module's."""
    call = _HookedCall(module, args, kwargs)
    try:
        return call.run()
    except Exception:
        call.run_always_called_hooks()
        raise


class _HookedCall:
    """One hooked call. ``args``, ``kwargs`` and ``result`` are kept on the object
    so that the ``always_call`` forward hooks run after an exception see what the
    hooks before it had made of them."""

    def __init__(self, module, args, kwargs):
        self.module, self.args, self.kwargs = module, args, kwargs
        self.result = None
        self.called: set = set()  # always_call hooks that already ran

    def run(self):
        m = self.module
        # captured now: hooks removed between forward and backward still run, as in PyTorch
        backward_pre_hooks = [*_global_backward_pre_hooks.values(), *m._backward_pre_hooks.values()]
        backward_hooks = [*_global_backward_hooks.values(), *m._backward_hooks.values()]
        for hook_id, hook in (*_global_forward_pre_hooks.items(), *m._forward_pre_hooks.items()):
            if hook_id in m._forward_pre_hooks_with_kwargs:
                res = hook(m, self.args, self.kwargs)
                if res is not None:
                    if isinstance(res, tuple) and len(res) == 2:
                        self.args, self.kwargs = res
                    else:
                        raise RuntimeError(
                            f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got {res}."
                        )
            else:
                res = hook(m, self.args)
                if res is not None:
                    self.args = res if isinstance(res, tuple) else (res,)
        state = None
        if backward_hooks or backward_pre_hooks:
            state = _BackwardHookState(m, backward_hooks, backward_pre_hooks)
            self.args = state.wrap_inputs(self.args)
        self.result = m.forward(*self.args, **self.kwargs)
        for hook_id, hook in (*_global_forward_hooks.items(), *m._forward_hooks.items()):
            if hook_id in m._forward_hooks_always_called or hook_id in _global_forward_hooks_always_called:
                self.called.add(hook_id)
            if hook_id in m._forward_hooks_with_kwargs or hook_id in _global_forward_hooks_with_kwargs:
                res = hook(m, self.args, self.kwargs, self.result)
            else:
                res = hook(m, self.args, self.result)
            if res is not None:
                self.result = res
        if state is not None:
            if not isinstance(self.result, (ember.Tensor, tuple)):
                warnings.warn(
                    "For backward hooks to be called, module output should be a Tensor or a tuple of Tensors "
                    f"but received {type(self.result)}",
                    stacklevel=4,
                )
            self.result = state.wrap_outputs(self.result)
        return self.result

    def run_always_called_hooks(self):
        m = self.module
        for hooks, always, with_kwargs, what in (
            (_global_forward_hooks, _global_forward_hooks_always_called, _global_forward_hooks_with_kwargs, "global "),
            (m._forward_hooks, m._forward_hooks_always_called, m._forward_hooks_with_kwargs, ""),
        ):
            for hook_id, hook in list(hooks.items()):
                if hook_id not in always or hook_id in self.called:
                    continue
                try:
                    if hook_id in with_kwargs:
                        res = hook(m, self.args, self.kwargs, self.result)
                    else:
                        res = hook(m, self.args, self.result)
                    if res is not None:
                        self.result = res
                except Exception as e:
                    warnings.warn(
                        f"{what}module forward hook with ``always_call=True`` raised an exception that was "
                        f"silenced as another error was raised in forward: {e}",
                        stacklevel=4,
                    )


class _BackwardHookState:
    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks, self.pre_hooks = hooks, pre_hooks
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
        for hook in self.pre_hooks:
            res = hook(self.module, grad_output)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_output):
                    raise RuntimeError(
                        f"Backward pre hook returned an invalid number of grad_output, got {len(res)}, "
                        f"but expected {len(grad_output)}"
                    )
                grad_output = res
        self.grad_output = grad_output
        return tuple(grad_output[i] for i in self.output_positions)

    def run_hooks(self, grads):
        grad_input = [None] * self.n_inputs
        for i, g in zip(self.input_positions, grads):
            grad_input[i] = g
        grad_input = tuple(grad_input)
        for hook in self.hooks:
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

    def run_hooks_without_inputs(self):
        # no input needs a gradient: the hooks see grad_input all None and may not replace it
        grad_input = (None,) * self.n_inputs
        for hook in self.hooks:
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None and not (isinstance(res, tuple) and all(g is None for g in res)):
                raise RuntimeError(
                    "Backward hook for Modules where no input requires gradient should always return None "
                    "or None for all gradients."
                )


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
        if not state.inputs_wrapped:
            state.run_hooks_without_inputs()
        return (None, *grads)
