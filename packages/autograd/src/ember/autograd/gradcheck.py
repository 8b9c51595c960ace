# SPDX-License-Identifier: BSD-3-Clause
"""gradcheck and gradgradcheck: analytical gradients against central finite
differences (use float64 inputs)."""

from __future__ import annotations

import numpy as np

import ember

from .engine import grad as _grad

Tensor = ember.Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical gradients differ."""


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _differentiable_outputs(out):
    return [o for o in _as_tuple(out) if isinstance(o, Tensor) and o._requires_grad]


def _numerical_jacobian(func, inputs, index, eps):
    """[numel of every output, numel of input ``index``] by central differences."""
    x = inputs[index]
    base = x.detach().clone()
    flat = base.reshape(-1)
    columns = []
    for k in range(base.numel()):
        value = flat[k].item()
        outs = []
        for delta in (eps, -eps):
            flat[k] = value + delta
            args = list(inputs)
            args[index] = base
            with ember.no_grad():
                outs.append(np.concatenate([o.detach().numpy().astype(np.float64).ravel()
                                            for o in _as_tuple(func(*args)) if isinstance(o, Tensor)
                                            and (o.dtype.is_floating_point or o.dtype.is_complex)]))  # fmt: skip
        flat[k] = value
        columns.append((outs[0] - outs[1]) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _analytical_jacobian(outputs, inputs, index):
    rows = []
    for out in outputs:
        for j in range(out.numel()):
            seed = ember.zeros(out.shape, dtype=out.dtype)
            seed.view(-1)[j] = 1
            (g,) = _grad(out, inputs[index], seed, retain_graph=True, allow_unused=True)
            rows.append(np.zeros(inputs[index].numel()) if g is None else g.detach().numpy().astype(np.float64).ravel())
    return np.stack(rows, axis=0) if rows else np.zeros((0, inputs[index].numel()))


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked=None,
) -> bool:
    """True when ``func``'s analytical gradients w.r.t. the ``inputs`` that
    require grad match finite differences; else raises (or returns False)."""
    inputs = _as_tuple(inputs)
    targets = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not targets:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, "
            "but none of the them have requires_grad=True."
        )
    for i in targets:
        if inputs[i].dtype.name not in ("float64", "complex128"):
            import warnings

            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision floating point.",
                          stacklevel=2)  # fmt: skip
    outputs = _differentiable_outputs(func(*inputs))
    for i in targets:
        numerical = _numerical_jacobian(func, inputs, i, eps)
        analytical = _analytical_jacobian(outputs, inputs, i)
        if numerical.shape != analytical.shape or not np.allclose(analytical, numerical, rtol=rtol, atol=atol):
            message = (
                f"Jacobian mismatch for output 0 with respect to input {i},\n"
                f"numerical:{numerical}\nanalytical:{analytical}\n"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """gradcheck of the gradient of ``func`` (second derivatives)."""
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func(*inputs))
    if grad_outputs is None:
        gen = ember.Generator().manual_seed(0)
        grad_outputs = tuple(ember.randn(o.shape, dtype=o.dtype, generator=gen).requires_grad_() for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    targets = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]

    def first_derivative(*args):
        with ember.enable_grad():
            # finite differences pass perturbed copies, which must require grad again
            ins = [x.detach().requires_grad_() if i in targets and not x._requires_grad else x
                   for i, x in enumerate(args[:n])]  # fmt: skip
            outs = _differentiable_outputs(func(*ins))
            wrt = [ins[i] for i in targets]
            grads = _grad(outs, wrt, args[n:], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)  # fmt: skip
