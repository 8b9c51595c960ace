# SPDX-License-Identifier: BSD-3-Clause
"""``ember.utils.data`` is ``ember.data`` under PyTorch's name: the same
module object, so its classes and functions are the same objects, and
``ember.utils.data.<submodule>`` imports resolve to ``ember.data``'s."""

import sys

import ember.data

for _name in ("collate", "dataloader", "dataset", "distributed", "sampler"):
    sys.modules[f"{__name__}.{_name}"] = getattr(ember.data, _name)
sys.modules[__name__] = ember.data
