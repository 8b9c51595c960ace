# SPDX-License-Identifier: BSD-3-Clause
"""Higher-level differentiation of a function: vjp, jvp, jacobian, hessian,
vhp, hvp (reverse mode; jvp by the double-backward trick)."""

from __future__ import annotations

import ember

from .engine import grad

Tensor = ember.Tensor


def _as_tuple(x, arg_name, fn_name):
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"{arg_name}[{i}]" if is_tuple else arg_name
            raise TypeError(f"The {where} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                            f"but the value at index {i} has type {type(t).__name__}.")  # fmt: skip
    return is_tuple, items


def _leaves(inputs, create_graph):
    """Inputs as fresh leaves that require grad (or kept in the graph for create_graph)."""
    return tuple(t.view_as(t) if create_graph and t._requires_grad else t.detach().requires_grad_() for t in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, fn_name):
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o._requires_grad]
    if pairs:
        result = grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                      create_graph=create_graph, allow_unused=True)  # fmt: skip
    else:  # outputs that do not depend on the inputs at all
        result = (None,) * len(inputs)
    out = []
    for i, (g, x) in enumerate(zip(result, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode.")  # fmt: skip
            g = ember.zeros_like(x)
        out.append(g if create_graph else g.detach())
    return tuple(out)


def _check_v(v, outputs, fn_name, what="outputs"):
    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")  # fmt: skip
        return (ember.ones_like(outputs[0]),)
    _, v = _as_tuple(v, "v", fn_name)
    if len(v) != len(outputs):
        raise RuntimeError(f"v has invalid size: should be {len(outputs)} but got {len(v)}.")
    for i, (vi, o) in enumerate(zip(v, outputs)):
        if tuple(vi.shape) != tuple(o.shape):
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {list(o.shape)} "
                               f"but got {list(vi.shape)}.")  # fmt: skip
    return v


def _finish(values, is_tuple, create_graph):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if is_tuple else values[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at ``inputs``."""
    with ember.enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _leaves(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        v = _check_v(v, outputs, "vjp")
        grads = _grads(outputs, inputs, v, create_graph, strict, "vjp")
    return _finish(outputs, out_tuple, create_graph), (grads if in_tuple else grads[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product at ``inputs``."""
    with ember.enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _leaves(inputs, create_graph)
        v = _check_v(v, inputs, "jvp") if v is not None or len(inputs) != 1 or inputs[0].numel() == 1 else None
        if v is None:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")  # fmt: skip
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
        # J v = d/du (u^T J) v: differentiate the vjp with a dummy u
        dummies = tuple(ember.zeros_like(o).requires_grad_() for o in outputs)
        vjps = grad(outputs, inputs, dummies, create_graph=True, allow_unused=True)
        pairs = [(g, vi) for g, vi in zip(vjps, v) if g is not None]
        if pairs:
            jv = grad([g for g, _ in pairs], dummies, [vi for _, vi in pairs], create_graph=create_graph,
                      allow_unused=True)  # fmt: skip
        else:
            jv = (None,) * len(dummies)
        jv = tuple(ember.zeros_like(o) if g is None else g for g, o in zip(jv, outputs))
    return _finish(outputs, out_tuple, create_graph), _finish(jv, out_tuple, create_graph)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for output i and input j, a
    tensor of shape ``outputs[i].shape + inputs[j].shape``."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    with ember.enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _leaves(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
        blocks = []
        for out in outputs:
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(flat.numel()):
                if out._requires_grad:
                    gs = grad(flat[k], inputs, retain_graph=True, create_graph=create_graph, allow_unused=True)
                else:
                    gs = (None,) * len(inputs)
                for j, (g, x) in enumerate(zip(gs, inputs)):
                    if g is None and strict:
                        raise RuntimeError(f"Output {len(blocks)} of the user-provided function is independent of "
                                           f"input {j}. This is not allowed in strict mode.")  # fmt: skip
                    rows[j].append(ember.zeros_like(x) if g is None else g)
            per_input = []
            for j, x in enumerate(inputs):
                jac = ember.stack(rows[j]) if rows[j] else ember.zeros(0, *x.shape, dtype=x.dtype)
                jac = jac.reshape(*out.shape, *x.shape)
                per_input.append(jac if create_graph else jac.detach())
            blocks.append(tuple(per_input) if in_tuple else per_input[0])
    return tuple(blocks) if out_tuple else blocks[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of the scalar function ``func`` at ``inputs``."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        _, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element.")
        g = jacobian(func, xs, create_graph=True, strict=strict)
        return tuple(t.reshape(x.shape) for t, x in zip(g, xs))

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict)
    return result if in_tuple else result[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar function."""
    with ember.enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _leaves(inputs, create_graph)
        if v is None and (len(inputs) != 1 or inputs[0].numel() != 1):
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")  # fmt: skip
        v = _check_v(v, inputs, "vhp") if v is not None else (ember.ones_like(inputs[0]),)
        out = func(*inputs)
        _, outs = _as_tuple(out, "outputs of the user-provided function", "vhp")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The function given to vhp should return a single Tensor with a single element.")
        first = grad(outs[0], inputs, create_graph=True, allow_unused=True)
        pairs = [(g, vi) for g, vi in zip(first, v) if g is not None]
        if pairs:
            second = _grads([g for g, _ in pairs], inputs, [vi for _, vi in pairs], create_graph, strict, "vhp")
        else:
            second = tuple(ember.zeros_like(x) for x in inputs)
    result = second if create_graph else tuple(s.detach() for s in second)
    return (outs[0] if create_graph else outs[0].detach()), (result if in_tuple else result[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar function (H is symmetric, so this is v^T H)."""
    return vhp(func, inputs, v, create_graph, strict)
