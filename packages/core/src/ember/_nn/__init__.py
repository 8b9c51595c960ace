# SPDX-License-Identifier: BSD-3-Clause
"""The core's neural-network kernels, one module per family, each with the
gradient functions autograd needs:

``conv``        conv1d/2d, conv_transpose1d/2d (+ ``*_backward``)
``pool``        max/avg/adaptive pooling, 1-D and 2-D (+ backward)
``norm``        layer, batch, group, instance and RMS norm (+ backward)
``softmax``     softmax, log_softmax, softmin (+ backward)
``loss``        cross_entropy, nll, mse, l1, smooth_l1, huber, bce, bce with logits, kl_div (+ backward)
``activation``  relu, gelu, silu, ... (+ backward)
``attention``   scaled_dot_product_attention (+ backward)
``embedding``   embedding (+ backward), one_hot
``dropout``     dropout, dropout1d/2d/3d, alpha_dropout (+ backward)
``sampling``    interpolate, unfold/fold, pixel_shuffle, channel_shuffle, pad (+ backward)

They take and return plain tensors (no autograd here): forwards follow
``torch.nn.functional``'s signatures, semantics and errors; a backward takes
the upstream gradient and what the forward saw and returns the gradients.
ember-nn wraps them as ``ember.nn.functional``. The names PyTorch also has
at ``torch.<name>`` are exported as ``ember.<name>`` by ``torch_functions``.
"""

from . import (
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

__all__ = [
    "activation",
    "attention",
    "conv",
    "dropout",
    "embedding",
    "loss",
    "norm",
    "pool",
    "sampling",
    "softmax",
    "torch_functions",
]
