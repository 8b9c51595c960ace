# SPDX-License-Identifier: BSD-3-Clause
"""The NN kernels' shared test helpers, and the names exported into the
``ember`` namespace with ``torch.<name>``'s signatures.

Every NN test compares with PyTorch (CPU) on the same values: forwards with
``torch.nn.functional``, backward kernels with ``torch.autograd.grad`` of
the PyTorch forward. The family tests live in ``test_nn_*.py`` and import
the helpers below.
"""

import inspect
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
from ember._nn import conv, norm, pool, torch_functions

# rtol/atol for one result: float32 kernels sum many products
TOL = {"float32": (2e-4, 2e-5), "float64": (1e-9, 1e-11), "float16": (5e-3, 5e-3), "bfloat16": (3e-2, 3e-2)}


def to_ember(t):
    """A torch tensor's values as a new ember tensor (same dtype)."""
    if t.dtype == torch.bfloat16:
        return ember.from_numpy(t.detach().float().numpy().copy()).to(ember.bfloat16)
    return ember.from_numpy(t.detach().numpy().copy())


def to_numpy(e):
    return (e.float() if e.dtype == ember.bfloat16 else e).numpy()


def assert_close(actual, expected, tol=None, scale=1.0):
    """``actual`` (ember) has ``expected``'s (torch) dtype, shape and values
    within the dtype's tolerance (times ``scale`` for long sums)."""
    assert isinstance(actual, ember.Tensor), type(actual)
    dtype = str(expected.dtype).replace("torch.", "")
    assert actual.dtype.name == dtype, f"dtype {actual.dtype.name}, expected {dtype}"
    assert tuple(actual.shape) == tuple(
        expected.shape
    ), f"shape {tuple(actual.shape)}, expected {tuple(expected.shape)}"
    rtol, atol = tol or TOL.get(dtype, (0, 0))
    got = to_numpy(actual).astype(np.float64)
    want = expected.detach().to(torch.float64 if expected.dtype.is_floating_point else expected.dtype).numpy()
    np.testing.assert_allclose(got, want, rtol=rtol * scale, atol=atol * scale, equal_nan=True)


def torch_grads(fn, inputs, grad_output=None, seed=0):
    """``fn(*inputs)`` in torch and the gradients of ``sum(out * grad_output)``
    w.r.t. each input (a fresh random ``grad_output`` when not given)."""
    leaves = [t.detach().clone().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    if grad_output is None:
        gen = torch.Generator().manual_seed(seed)
        grad_output = torch.randn(out.shape, dtype=out.dtype, generator=gen)
    grads = torch.autograd.grad(out, leaves, grad_output, allow_unused=True)
    return out.detach(), grads, grad_output


def randn(*shape, dtype=torch.float32, seed=None, gen=None):
    g = gen or torch.Generator().manual_seed(0 if seed is None else seed)
    return torch.randn(*shape, dtype=dtype, generator=g)


def raises_like_torch(ember_call, torch_call, match=None):
    """Both calls raise, with the same exception type; ember's message
    matches ``match`` when given. Returns ember's exception."""
    with pytest.raises(Exception) as t_err:
        torch_call()
    with pytest.raises(Exception) as e_err:
        ember_call()
    assert type(e_err.value) is type(t_err.value), f"ember raised {e_err.value!r}, torch {t_err.value!r}"
    if match:
        assert match in str(e_err.value), str(e_err.value)
    return e_err.value


# ---- exports: the torch.<name> functions ----------------------------------------
EXPORTED = [
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "max_pool1d",
    "max_pool2d",
    "max_pool1d_with_indices",
    "avg_pool1d",
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "softmax",
    "log_softmax",
    "layer_norm",
    "batch_norm",
    "instance_norm",
    "group_norm",
    "rms_norm",
    "embedding",
    "embedding_renorm_",
    "dropout",
    "feature_dropout",
    "alpha_dropout",
    "selu",
    "celu",
    "threshold",
    "rrelu",
    "prelu",
    "hardshrink",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "constant_pad_nd",
]

# F-only names that must stay out of the ember namespace (torch has no torch.<name>)
PRIVATE = [
    "cross_entropy",
    "nll_loss",
    "mse_loss",
    "gelu",
    "silu",
    "interpolate",
    "one_hot",
    "unfold",
    "scaled_dot_product_attention",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "leaky_relu",
    "pad",
]


@pytest.mark.parametrize("name", EXPORTED)
def test_exported_names_are_torch_names(name):
    assert hasattr(torch, name), name
    assert callable(getattr(ember, name))


def test_import_ember_registers_the_exports():
    # in a fresh interpreter: importing ember (not ember._nn) must be enough
    code = f"import ember; missing = [n for n in {EXPORTED!r} if not hasattr(ember, n)]; print(missing)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


@pytest.mark.parametrize("name", PRIVATE)
def test_functional_only_names_are_not_exported(name):
    assert not hasattr(torch, name)
    assert not hasattr(ember, name)


def _positional(fn):
    return [p.name for p in inspect.signature(fn).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]


@pytest.mark.parametrize(
    "name, params",
    [
        ("batch_norm", ["input", "weight", "bias", "running_mean", "running_var", "training", "momentum", "eps"]),
        ("embedding", ["weight", "indices", "padding_idx"]),
        ("dropout", ["input", "p", "train"]),
        ("conv2d", ["input", "weight", "bias", "stride", "padding", "dilation", "groups"]),
        ("conv_transpose2d", ["input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation"]),
        ("layer_norm", ["input", "normalized_shape", "weight", "bias", "eps"]),
        ("group_norm", ["input", "num_groups", "weight", "bias", "eps"]),
        ("kl_div", ["input", "target", "reduction", "log_target"]),
    ],
)
def test_exported_signatures_follow_torch(name, params):
    assert _positional(getattr(ember, name))[: len(params)] == params


def test_functional_signatures_follow_torch():
    # every forward of the families has torch.nn.functional's parameters, in order
    from ember._nn import activation, attention, dropout, embedding, loss, sampling, softmax

    checked = 0
    for mod in (activation, attention, conv, dropout, embedding, loss, norm, pool, sampling, softmax):
        for name, fn in vars(mod).items():
            if name.startswith(("_", "native_")) or name.endswith("_backward") or not inspect.isfunction(fn):
                continue
            theirs = getattr(torch.nn.functional, name, None)
            if fn.__module__ != mod.__name__ or theirs is None:
                continue
            try:
                params = list(inspect.signature(theirs).parameters)
            except ValueError:  # a builtin: the signature is the docstring's first line
                first = theirs.__doc__.strip().split("(", 1)[1].split(")", 1)[0]
                params = [p.split("=")[0].strip() for p in first.replace("*,", "").split(",") if p.strip()]
            if params == ["args", "kwargs"]:  # boolean dispatch (max_pool2d): the with_indices form
                params = list(inspect.signature(getattr(torch.nn.functional, name + "_with_indices")).parameters)
            assert list(inspect.signature(fn).parameters)[: len(params)] == params, name
            checked += 1
    assert checked > 60


def test_exported_calls_match_torch():
    x = randn(2, 3, 6, 6, seed=1)
    w = randn(4, 3, 3, 3, seed=2)
    assert_close(ember.conv2d(to_ember(x), to_ember(w), None, 1, 1), torch.conv2d(x, w, None, 1, 1))
    assert_close(ember.softmax(to_ember(x), 1), torch.softmax(x, 1))
    assert_close(ember.log_softmax(to_ember(x), -1), torch.log_softmax(x, -1))
    assert_close(ember.max_pool2d(to_ember(x), 2), torch.max_pool2d(x, 2))
    out, idx = ember.max_pool1d_with_indices(to_ember(x[0]), 3, 2)
    t_out, t_idx = torch.max_pool1d_with_indices(x[0], 3, 2)
    assert_close(out, t_out)
    assert idx.tolist() == t_idx.tolist()
    wt, b = randn(3, seed=3), randn(3, seed=4)
    rm, rv = torch.zeros(3), torch.ones(3)
    erm, erv = to_ember(rm), to_ember(rv)
    got = ember.batch_norm(to_ember(x), to_ember(wt), to_ember(b), erm, erv, True, 0.1, 1e-5, False)
    assert_close(got, torch.batch_norm(x, wt, b, rm, rv, True, 0.1, 1e-5, False))
    assert_close(erm, rm)
    assert_close(erv, rv)
    table = randn(10, 4, seed=5)
    idx = torch.tensor([[1, 2], [9, 0]])
    assert_close(ember.embedding(to_ember(table), to_ember(idx)), torch.embedding(table, idx))
    assert_close(ember.group_norm(to_ember(x), 3), torch.group_norm(x, 3))
    assert_close(ember.layer_norm(to_ember(x), [6]), torch.layer_norm(x, [6]))
    assert_close(ember.selu(to_ember(x)), torch.selu(x))
    assert_close(ember.celu(to_ember(x), 0.5), torch.celu(x, 0.5))
    assert_close(ember.threshold(to_ember(x), 0.1, 2.0), torch.threshold(x, 0.1, 2.0))
    assert_close(ember.hardshrink(to_ember(x), 0.3), torch.hardshrink(x, 0.3))
    t = torch.rand(2, 3, 6, 6, generator=torch.Generator().manual_seed(6))
    for red in (0, 1, 2):
        got = ember.binary_cross_entropy_with_logits(to_ember(x), to_ember(t), None, None, red)
        assert_close(got, torch.binary_cross_entropy_with_logits(x, t, None, None, red))
        assert_close(ember.kl_div(to_ember(x), to_ember(t), red), torch.kl_div(x, t, red))
    assert_close(
        ember.pixel_shuffle(to_ember(x[:, :, :2].reshape(2, 4, 3, 3)), 2),
        torch.pixel_shuffle(x[:, :, :2].reshape(2, 4, 3, 3), 2),
    )
    assert_close(ember.channel_shuffle(to_ember(x), 3), torch.channel_shuffle(x, 3))
    assert_close(ember.constant_pad_nd(to_ember(x), [1, 2], 3.0), torch.constant_pad_nd(x, [1, 2], 3.0))
    out, idx = ember.adaptive_max_pool1d(to_ember(x[0]), 4)
    assert_close(out, torch.adaptive_max_pool1d(x[0], 4)[0])
    assert_close(ember.rms_norm(to_ember(x), [6]), torch.rms_norm(x, [6]))
    assert_close(
        ember.instance_norm(to_ember(x), None, None, None, None, True, 0.1, 1e-5, False),
        torch.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
    )


def test_exported_dropout_eval_is_identity_and_train_scales():
    x = to_ember(randn(1000))
    assert ember.dropout(x, 0.3, False) is x
    y = ember.dropout(x, 0.3, True)
    kept = y != 0
    np.testing.assert_allclose(to_numpy(y)[to_numpy(kept)], to_numpy(x)[to_numpy(kept)] / 0.7, rtol=1e-6)
    assert 0.6 < float(kept.float().mean()) < 0.8


def test_family_modules_expose_their_gradients():
    # the kernels ember-nn wraps: each forward has its backward beside it
    for mod, names in (
        (conv, ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]),
        (pool, ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d"]),
        (norm, ["layer_norm", "batch_norm", "group_norm", "rms_norm"]),
    ):
        for name in names:
            assert callable(getattr(mod, name)) and callable(getattr(mod, name + "_backward")), name
    assert torch_functions.softmax is ember.softmax


def test_non_contiguous_inputs():
    from ember._nn import loss, softmax

    x = randn(2, 6, 7, 3, seed=7).permute(0, 3, 1, 2)  # [2, 3, 6, 7], channels last in memory
    ex = to_ember(x.contiguous()).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    assert not ex.is_contiguous()
    w = randn(4, 3, 3, 3, seed=8)
    assert_close(conv.conv2d(ex, to_ember(w), padding=1), torch.conv2d(x, w, padding=1))
    assert_close(pool.max_pool2d(ex[:, :, ::2], 2), torch.max_pool2d(x[:, :, ::2], 2))
    assert_close(softmax.softmax(ex.transpose(1, 3), 2), torch.softmax(x.transpose(1, 3), 2))
    assert_close(norm.layer_norm(ex.transpose(2, 3), [6]), torch.layer_norm(x.transpose(2, 3), [6]))
    logits = randn(5, 8, seed=9).t()  # [8, 5]
    target = torch.tensor([0, 4, 2, 1, 3, 3, 0, 1])
    elogits = to_ember(logits.contiguous().t()).t()
    assert_close(loss.cross_entropy(elogits, to_ember(target)), torch.nn.functional.cross_entropy(logits, target))


def test_softmax_methods_match_pytorch():
    t = randn(3, 5)
    x = to_ember(t)
    for name in ("softmax", "log_softmax"):
        for dim in (0, -1):
            want = getattr(t, name)(dim)
            assert_close(getattr(x, name)(dim), want)
            assert_close(getattr(x, name)(dim=dim), want)
