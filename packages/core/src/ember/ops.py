# SPDX-License-Identifier: BSD-3-Clause
"""Kernels that native extensions register through the C ABI.

An extension built against ``ember/abi.h`` registers a kernel for an op name
and a device with the ABI's ``register_kernel`` slot (typically in its
``PyInit_*``); Python then calls it by name::

    import my_extension            # registers "my_extension.scale"
    import ember

    y = ember.ops.call("my_extension.scale", x)
    "my_extension.scale" in ember.ops.registered()   # True

Names are global to the process, so prefix them with the extension's name.
"""

from __future__ import annotations

from . import _C

__all__ = ["call", "registered"]


def call(name: str, *tensors):
    """Run the kernel registered for ``name`` on ``tensors``.

    Parameters
    ----------
    name : str
        The op name the extension passed to ``register_kernel``.
    *tensors : ember.Tensor
        The kernel's inputs, in order; the kernel receives them as an array
        of ``EmberTensor*`` handles.

    Returns
    -------
    ember.Tensor
        The tensor the kernel wrote to its ``out`` argument.

    Raises
    ------
    TypeError
        If ``name`` is not a string or an input is not an ``ember.Tensor``.
    RuntimeError
        If no kernel is registered for ``name`` on the inputs' device, or the
        kernel fails (its ``set_error`` message is part of the error).
    """
    if not isinstance(name, str):
        raise TypeError(f"ember.ops.call(): name must be a str, got {type(name).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, _C.Tensor):
            raise TypeError(
                f"ember.ops.call({name!r}): argument {i + 1} must be an ember.Tensor, got {type(t).__name__}"
            )
    return _C._call_registered(name, list(tensors))


def registered() -> list[str]:
    """Sorted names of the ops that extensions have registered kernels for
    (each once, whatever the number of devices it has kernels for)."""
    return sorted(set(_C._registered_kernels()))
