# SPDX-License-Identifier: BSD-3-Clause
"""``ember.nn.utils``: gradient clipping, parameter/vector conversion, hooks,
``rnn`` (packed sequences), ``parametrize`` and ``parametrizations``."""

from . import parametrizations, parametrize, rnn  # noqa: F401 - submodules, as PyTorch
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .hooks import RemovableHandle

__all__ = [
    "RemovableHandle",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]
