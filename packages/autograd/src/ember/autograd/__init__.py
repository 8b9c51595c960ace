# SPDX-License-Identifier: BSD-3-Clause
"""ember.autograd: tape-based reverse-mode automatic differentiation.

Importing it registers the handler through which the core hands over every
op on a tensor that requires grad (Note [Autograd seam] in the core); the
core imports it on first use of ``requires_grad``."""

from __future__ import annotations

from ._compat import __version__, check_core

check_core()

import ember  # noqa: E402
from ember import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402

from . import _native, _prims, _tensor_api, derivatives, graph  # noqa: E402, F401 - _tensor_api: the core calls it
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: E402
from .engine import backward, grad  # noqa: E402
from .function import Function, FunctionCtx, once_differentiable  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402

derivatives.load_all()
ember._C._set_autograd_handler(_prims.ADAPTERS)
_native.install()


def is_anomaly_enabled() -> bool:
    from . import anomaly_mode

    return anomaly_mode.is_enabled()


def __getattr__(name):
    # the heavier tools load on first use
    if name == "functional":
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")


__all__ = [
    "Function", "FunctionCtx", "backward", "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck",
    "graph", "inference_mode", "is_anomaly_enabled", "is_grad_enabled", "no_grad", "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled", "__version__",
]  # fmt: skip
