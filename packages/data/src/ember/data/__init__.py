# SPDX-License-Identifier: BSD-3-Clause
"""ember.data: datasets, samplers and the DataLoader with
``torch.utils.data``'s API; also importable as ``ember.utils.data``."""

from ._compat import __version__, check_core

check_core()

# the submodules, as attributes (ember.utils.data aliases them)
from . import collate, dataloader, dataset, distributed, sampler  # noqa: E402, F401
from ._worker import WorkerInfo, get_worker_info  # noqa: E402
from .collate import default_collate, default_convert  # noqa: E402
from .dataloader import DataLoader  # noqa: E402
from .dataset import (  # noqa: E402
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .distributed import DistributedSampler  # noqa: E402
from .sampler import (  # noqa: E402
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "__version__",
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
