# SPDX-License-Identifier: BSD-3-Clause
"""Entry point of the NN kernels (the ``ember._nn`` subpackage): importing it
loads every kernel family and registers the names PyTorch also has at
``torch.<name>`` (``ember.conv2d``, ``ember.softmax``, ...)."""

from __future__ import annotations

from ._nn import (  # noqa: F401 - imported to register the families and exports
    activation,
    attention,
    conv,
    dropout,
    embedding,
    loss,
    norm,
    pool,
    sampling,
    softmax,
    torch_functions,
)
