# SPDX-License-Identifier: BSD-3-Clause
"""Every op the core can hand to autograd has a derivative or is declared
not differentiable, and the version checks work."""

from __future__ import annotations

import sys

import pytest

import ember
from ember import _C
from ember.autograd import _compat, _prims
from ember.autograd.derivatives import DERIVATIVES

# the keys the adapters record under, besides the pointwise and reduction op names
ADAPTER_KEYS = set(
    """
    where cumsum cumprod cummax cummin batched_gemm uniform_ normal_ random_int_ take_offsets put_offsets_
    index_select index_add_ sort_last topk_last softmax log_softmax logsumexp_last layer_norm im2col col2im
    max_pool2d avg_pool2d avg_pool2d_backward conv2d_direct embedding conv2d conv1d conv_transpose2d
    conv_transpose1d mm addmm cross_entropy as_strided contiguous clone _to_dtype
    copy_ fill_ lu_factor linalg_solve linalg_inv linalg_cholesky linalg_qr linalg_svd linalg_eigh
    linalg_lstsq
    """.split()
)


def test_every_core_op_has_a_derivative_entry():
    ops = set(_C.binary_ops) | set(_C.unary_ops) | set(_C.reduce_ops) | ADAPTER_KEYS
    missing = sorted(ops - set(DERIVATIVES))
    assert not missing, f"ops without a derivative or a not-differentiable entry: {missing}"


def test_every_adapter_names_a_core_binding_or_composite():
    tensor_methods = {"as_strided", "contiguous", "clone", "_to_dtype", "copy_", "fill_"}
    composites = {
        "embedding",
        "conv2d",
        "conv1d",
        "conv_transpose2d",
        "conv_transpose1d",
        "mm",
        "addmm",
        "cross_entropy",
    }  # Python-level ops the core hands over whole (recorded_as)
    for name in _prims.ADAPTERS:
        assert hasattr(_C, name) or name in tensor_methods | composites, name
        if name in tensor_methods:
            assert hasattr(ember.Tensor, name)


def test_core_of_another_version_is_refused_with_both_versions_and_the_fix(monkeypatch):
    monkeypatch.setattr(_C, "__version__", "0.2.0")
    with pytest.raises(ImportError) as info:
        _compat.check_core()
    message = str(info.value)
    assert "ember-autograd 0.1.0" in message and "ember-core 0.2.0" in message
    assert "pip install 'ember-core>=0.1,<0.2'" in message
    monkeypatch.setattr(_C, "__version__", "0.1.0")
    monkeypatch.setattr(_C, "__abi_version__", (2, 0))
    with pytest.raises(ImportError, match=r"ABI 2\.0"):
        _compat.check_core()


def test_versions_agree_with_the_package_metadata():
    from importlib import metadata

    assert metadata.version("ember-autograd") == _compat.__version__ == ember.autograd.__version__
    from packaging.specifiers import SpecifierSet

    core = [r for r in metadata.requires("ember-autograd") if r.startswith("ember-core")]
    assert len(core) == 1 and SpecifierSet(core[0][len("ember-core") :]) == SpecifierSet(_compat.CORE_RANGE), core


def test_import_ember_does_not_import_autograd():
    import subprocess

    code = "import sys, ember; ember.ones(2) + 1; print('ember.autograd' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    code = "import sys, ember; x = ember.ones(2).requires_grad_(); (x * x).sum().backward(); print(x.grad.tolist())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[2.0, 2.0]"
