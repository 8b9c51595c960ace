# SPDX-License-Identifier: BSD-3-Clause
"""The backward pass: dependency-counted execution of the recorded graph,
newest node first among the ready ones (as PyTorch orders them)."""

from __future__ import annotations

import heapq

import ember
from ember import _C

from . import anomaly_mode
from .graph import AccumulateGrad, gradient_edge

Tensor = ember.Tensor


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _root_grads(outputs, grad_outputs, is_grads_batched=False):
    grads = list(_as_tuple(grad_outputs)) if grad_outputs is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs: got {len(grads)} gradients "
                           f"for {len(outputs)} outputs")  # fmt: skip
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if out._requires_grad and out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._requires_grad and not out.dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            g = ember.ones_like(out)
        elif isinstance(g, Tensor):
            if not is_grads_batched and tuple(g.shape) != tuple(out.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} and output[{i}] "
                    f"has a shape of {list(out.shape)}."
                )
        else:
            g = ember.full(out.shape, g, dtype=out.dtype)
        result.append(g)
    return result


def _edges_of(outputs):
    edges = []
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected a Tensor as output {i}, got {type(out).__name__}")
        edge = gradient_edge(out)
        if edge is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        edges.append(edge)
    return edges


def _dependencies(roots):
    """{node: number of edges into it} over the graph reachable from ``roots``."""
    deps = {}
    stack = [n for n, _ in roots]
    seen = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for nxt, _ in node.next_functions:
            if nxt is not None:
                deps[nxt] = deps.get(nxt, 0) + 1
                if nxt not in seen:
                    stack.append(nxt)
    return deps, seen


def _needed(nodes, targets):
    """The nodes from which some target node is reachable (only they need to run)."""
    needed = set(targets)
    changed = True
    order = sorted(nodes, key=lambda n: n._seq)  # inputs are older than the nodes that use them
    while changed:
        changed = False
        for node in order:
            if node in needed:
                continue
            if any(nxt in needed for nxt, _ in node.next_functions if nxt is not None):
                needed.add(node)
                changed = True
    return needed


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def run_backward(roots, grads, retain_graph, create_graph, captures=None, accumulate=True):
    """Propagates ``grads`` from the ``roots`` edges through the graph.

    ``captures``: {(node, output_nr): slot} whose incoming gradient is
    returned (for ``autograd.grad``) as a list indexed by slot; with
    ``accumulate`` False nothing is written into ``.grad``."""
    deps, nodes = _dependencies(roots)
    buffers = {}
    for (node, nr), g in zip(roots, grads):
        buf = buffers.setdefault(node, [None] * max(node._num_outputs, nr + 1))
        buf[nr] = _add(buf[nr], g)
    needed = _needed(nodes, {n for n, _ in captures}) if captures is not None and not accumulate else None
    captured = [None] * (len(set(captures.values())) if captures else 0)
    # heap entries (-seq, node): sequence numbers are unique, so nodes are never compared
    ready = [(-n._seq, n) for n in {n for n, _ in roots} if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    anomaly = anomaly_mode.is_enabled()
    heappop, heappush = heapq.heappop, heapq.heappush
    prev = _C._set_grad_enabled(create_graph)
    try:
        while ready:
            node = heappop(ready)[1]
            grad_outputs = buffers.pop(node, None) or [None]
            g = None
            hooked = node._hooked
            if hooked:
                grad_outputs = _pre_hooks(node, grad_outputs, type(node) is AccumulateGrad)
            if captures:
                for nr, g in enumerate(grad_outputs):
                    slot = captures.get((node, nr))
                    if slot is not None:
                        captured[slot] = _add(captured[slot], g)
            grad_inputs = ()
            if (
                (grad_outputs[0] is not None or (len(grad_outputs) > 1 and _any(grad_outputs)))
                and (needed is None or node in needed)
                and (accumulate or type(node) is not AccumulateGrad)
            ):
                grad_inputs = node.apply(grad_outputs, create_graph)
                if hooked and node._post_hooks is not None:
                    grad_inputs = _post_hooks(node, grad_inputs, grad_outputs)
                if anomaly:
                    anomaly_mode.check_nan(node, grad_inputs)
            if not retain_graph:
                node.release()
            n_in = len(grad_inputs)
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                g = grad_inputs[i] if i < n_in else None
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        if nr == 0 and nxt._num_outputs == 1:
                            buffers[nxt] = [g]
                        else:
                            buf = buffers[nxt] = [None] * max(nxt._num_outputs, nr + 1)
                            buf[nr] = g
                    else:
                        if nr >= len(buf):
                            buf.extend([None] * (nr + 1 - len(buf)))
                        old = buf[nr]
                        buf[nr] = g if old is None else old + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heappush(ready, (-nxt._seq, nxt))
            # hold no stale references: AccumulateGrad reuses a gradient only it can see
            grad_inputs = grad_outputs = g = old = buf = None
    finally:
        _C._set_grad_enabled(prev)
    return captured


def _any(grads) -> bool:
    for g in grads:
        if g is not None:
            return True
    return False


def _post_hooks(node, grad_inputs, grad_outputs):
    for hook in list(node._post_hooks.values()):
        new = hook(grad_inputs, tuple(grad_outputs))
        if new is not None:
            grad_inputs = tuple(new)
    return grad_inputs


def _pre_hooks(node, grad_outputs, is_sink):
    if is_sink:
        var = node.variable
        hooks = var.__dict__.get("_leaf_hooks") if var is not None else None
        if hooks and grad_outputs[0] is not None:
            grad_outputs = list(grad_outputs)
            for hook in list(hooks.values()):
                new = hook(grad_outputs[0])
                if new is not None:
                    grad_outputs[0] = new
    if node._tensor_pre_hooks:
        grad_outputs = list(grad_outputs)
        for nr, hooks in node._tensor_pre_hooks.items():
            if nr < len(grad_outputs) and grad_outputs[nr] is not None:
                for hook in list(hooks.values()):
                    new = hook(grad_outputs[nr])
                    if new is not None:
                        grad_outputs[nr] = new
    if node._pre_hooks:
        for hook in list(node._pre_hooks.values()):
            new = hook(tuple(grad_outputs))
            if new is not None:
                grad_outputs = list(new)
    if node._retain_grad:
        for nr, ref in node._retain_grad.items():
            t = ref()
            g = grad_outputs[nr] if nr < len(grad_outputs) else None
            if t is not None and g is not None:
                old = t.__dict__.get("_grad")
                t.__dict__["_grad"] = g.detach().clone() if old is None else old + g.detach()
    return grad_outputs


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Computes the gradient of ``tensors`` w.r.t. the graph leaves and
    accumulates it into their ``.grad`` (or only into ``inputs``' when given)."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    outputs = _as_tuple(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(outputs, grad_tensors)
    roots = _edges_of(outputs)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        captures = {}
        for i, t in enumerate(inputs):
            edge = gradient_edge(t)
            if edge is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            captures[edge] = i
        values = run_backward(roots, grads, retain_graph, create_graph, captures, accumulate=False)
        for t, g in zip(inputs, values):
            if g is not None:
                from .graph import accumulate_node

                if t.__dict__.get("_grad_fn") is None:
                    accumulate_node(t).apply([g], create_graph)
                else:
                    old = t.__dict__.get("_grad")
                    t.__dict__["_grad"] = g if old is None else old + g
        return
    run_backward(roots, grads, retain_graph, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """The gradients of ``outputs`` w.r.t. ``inputs`` (a tuple), without touching ``.grad``."""
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads)
    grads = _root_grads(outputs, grad_outputs)
    roots = _edges_of(outputs)
    captures = {}
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        edge = gradient_edge(t)
        if edge is None:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        captures.setdefault(edge, i)
    slots = {edge: slot for slot, edge in enumerate(dict.fromkeys(captures))}
    values = run_backward(roots, grads, retain_graph, create_graph, slots, accumulate=False)
    result = []
    for t in inputs:
        g = values[slots[gradient_edge(t)]]
        if g is None:
            if materialize_grads:
                g = ember.zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result) if not single else tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """``is_grads_batched``: one backward per slice of the leading dim of ``grad_outputs``."""
    grad_outputs = _as_tuple(grad_outputs)
    n = grad_outputs[0].shape[0]
    per_input = [[] for _ in inputs]
    for k in range(n):
        gs = grad(outputs, inputs, [g[k] for g in grad_outputs], True if k < n - 1 else retain_graph,
                  create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)  # fmt: skip
        for acc, g in zip(per_input, gs):
            acc.append(g)
    return tuple(None if any(g is None for g in gs) else ember.stack(gs) for gs in per_input)
