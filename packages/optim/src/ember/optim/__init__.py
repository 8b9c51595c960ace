# SPDX-License-Identifier: BSD-3-Clause
"""ember.optim: optimizers and learning-rate schedulers with PyTorch's API."""

from ._compat import __version__, check_core

check_core()

from . import lr_scheduler  # noqa: E402
from .adadelta import Adadelta  # noqa: E402
from .adagrad import Adagrad  # noqa: E402
from .adam import Adam  # noqa: E402
from .adamax import Adamax  # noqa: E402
from .adamw import AdamW  # noqa: E402
from .lbfgs import LBFGS  # noqa: E402
from .nadam import NAdam  # noqa: E402
from .optimizer import Optimizer  # noqa: E402
from .radam import RAdam  # noqa: E402
from .rmsprop import RMSprop  # noqa: E402
from .sgd import SGD  # noqa: E402

__all__ = [
    "__version__",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "LBFGS",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "SGD",
    "lr_scheduler",
]
