# SPDX-License-Identifier: BSD-3-Clause
"""Activation checkpointing: run a piece of the model without keeping its
intermediate tensors, and run it again during backward to get them."""

from __future__ import annotations

import ember
from ember.autograd import Function
from ember.autograd.engine import grad
from ember.autograd.graph import saved_tensors_hooks

Tensor = ember.Tensor


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, kwargs, *args):
        ctx.run_function, ctx.kwargs = run_function, kwargs
        ctx.rng_state = ember.default_generator.get_state() if preserve_rng_state else None
        ctx.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.others = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        return run_function(*args, **kwargs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        saved = ctx.saved_tensors
        args = list(ctx.others)
        inputs = []
        for pos, t in zip(ctx.tensor_positions, saved):
            leaf = t.detach().requires_grad_(t._requires_grad)
            args[pos] = leaf
            if t._requires_grad:
                inputs.append((pos, leaf))
        current = ember.default_generator.get_state()
        if ctx.rng_state is not None:
            ember.default_generator.set_state(ctx.rng_state)
        try:
            with ember.enable_grad():
                outputs = ctx.run_function(*args, **ctx.kwargs)
        finally:
            ember.default_generator.set_state(current)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
                 if isinstance(o, Tensor) and o._requires_grad and g is not None]  # fmt: skip
        grads = [None] * len(args)
        if pairs and inputs:
            values = grad([o for o, _ in pairs], [leaf for _, leaf in inputs], [g for _, g in pairs],
                          allow_unused=True)  # fmt: skip
            for (pos, _), g in zip(inputs, values):
                grads[pos] = g
        return (None, None, None, *grads)


class _Recomputation:
    """Non-reentrant checkpointing: the forward saves placeholders (through
    saved_tensors_hooks); the first unpack in backward runs the function
    again and fills them with the tensors it saves."""

    def __init__(self, function, args, kwargs, rng_state):
        self.function, self.args, self.kwargs, self.rng_state = function, args, kwargs, rng_state
        self.count = 0
        self.values = None

    def pack(self, t):
        self.count += 1
        return self.count - 1

    def unpack(self, index):
        if self.values is None:
            self._recompute()
        return self.values[index]

    def _recompute(self):
        values = []
        args = [a.detach().requires_grad_(a._requires_grad) if isinstance(a, Tensor) else a for a in self.args]
        current = ember.default_generator.get_state()
        if self.rng_state is not None:
            ember.default_generator.set_state(self.rng_state)
        try:
            with ember.enable_grad(), saved_tensors_hooks(lambda t: values.append(t) or t, lambda t: t):
                self.function(*args, **self.kwargs)
        finally:
            ember.default_generator.set_state(current)
        if len(values) != self.count:
            raise RuntimeError(
                f"checkpoint: the recomputation saved {len(values)} tensors for backward where the forward saved "
                f"{self.count}; the checkpointed function must do the same work each time it runs."
            )
        self.values = values
        self.args = self.kwargs = None


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):  # fmt: skip
    """``function(*args, **kwargs)``, keeping only its inputs for backward:
    the intermediate tensors are recomputed when the gradient is needed
    (with the random state the forward saw, when ``preserve_rng_state``).

    By default parameters the function reaches through closures get their
    gradients too; ``use_reentrant=True`` runs it as one custom Function
    (gradients flow only through tensor arguments that require grad)."""
    rng_state = ember.default_generator.get_state() if preserve_rng_state else None
    if use_reentrant:
        return _Checkpoint.apply(function, preserve_rng_state, kwargs, *args)
    frame = _Recomputation(function, args, kwargs, rng_state)
    with saved_tensors_hooks(frame.pack, frame.unpack):
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs ``functions`` (a sequence or a Sequential) in ``segments`` checkpointed chunks."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = max(1, -(-len(functions) // segments))

    def run(chunk):
        def forward(x):
            for fn in chunk:
                x = fn(x)
            return x

        return forward

    for start in range(0, len(functions) - size, size):
        input = checkpoint(run(functions[start : start + size]), input, **kwargs)
    return run(functions[(len(functions) - 1) // size * size :])(input) if functions else input
