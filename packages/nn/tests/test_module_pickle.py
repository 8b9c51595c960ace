# SPDX-License-Identifier: BSD-3-Clause
"""Whole modules through pickle, copy.deepcopy and ember.save/ember.load:
every layer of ember.nn comes back with its parameters (shared ones still
shared, requires_grad kept), buffers, training flags and outputs."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch
from helpers import assert_close, load_from_torch

import ember
import ember.nn as enn
import ember.nn.functional as F  # noqa: N812 - the PyTorch convention
from ember.nn.utils import parametrizations, parametrize


def _x(*shape):
    return ember.randn(*shape)


def _sign(*shape):
    return ember.randn(*shape).sign()


def _labels(*shape, n=4):
    return ember.randint(0, n, shape)


def _primed(module, *inputs):
    """``module`` after one training call (running statistics moved), in eval mode."""
    module(*inputs)
    return module.eval()


_NO_ARGS = [
    "CELU", "ELU", "GELU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid", "Mish",
    "PReLU", "ReLU", "ReLU6", "SELU", "SiLU", "Sigmoid", "Softplus", "Softshrink", "Softsign", "Tanh", "Tanhshrink",
    "Identity", "GLU", "Flatten",
]  # fmt: skip
_PAIR_LOSSES = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "SoftMarginLoss", "HingeEmbeddingLoss"]

# name -> (make the module, make its inputs); the module is made under a fixed seed
ZOO = {name: (lambda name=name: getattr(enn, name)(), lambda: (_x(3, 4),)) for name in _NO_ARGS}
ZOO.update({name: (lambda name=name: getattr(enn, name)(), lambda: (_x(3, 4), _sign(3, 4))) for name in _PAIR_LOSSES})
ZOO.update(
    {
        "LogSoftmax": (lambda: enn.LogSoftmax(dim=1), lambda: (_x(3, 4),)),
        "Softmax": (lambda: enn.Softmax(dim=0), lambda: (_x(3, 4),)),
        "Softmin": (lambda: enn.Softmin(dim=1), lambda: (_x(3, 4),)),
        "Softmax2d": (lambda: enn.Softmax2d(), lambda: (_x(2, 3, 2, 2),)),
        "Threshold": (lambda: enn.Threshold(0.1, 20.0), lambda: (_x(3, 4),)),
        "RReLU": (lambda: enn.RReLU(0.1, 0.3).eval(), lambda: (_x(3, 4),)),
        "Unflatten": (lambda: enn.Unflatten(1, (2, 2)), lambda: (_x(3, 4),)),
        "BCELoss": (lambda: enn.BCELoss(weight=ember.rand(4)), lambda: (ember.rand(3, 4), ember.rand(3, 4))),
        "BCEWithLogitsLoss": (
            lambda: enn.BCEWithLogitsLoss(weight=ember.rand(4), pos_weight=ember.rand(4)),
            lambda: (_x(3, 4), ember.rand(3, 4)),
        ),
        "CrossEntropyLoss": (
            lambda: enn.CrossEntropyLoss(weight=ember.rand(4), label_smoothing=0.1),
            lambda: (_x(3, 4), _labels(3)),
        ),
        "NLLLoss": (lambda: enn.NLLLoss(weight=ember.rand(4)), lambda: (F.log_softmax(_x(3, 4), 1), _labels(3))),
        "KLDivLoss": (
            lambda: enn.KLDivLoss(reduction="batchmean"),
            lambda: (F.log_softmax(_x(3, 4), 1), F.softmax(_x(3, 4), 1)),
        ),
        "MarginRankingLoss": (lambda: enn.MarginRankingLoss(margin=0.1), lambda: (_x(3), _x(3), _sign(3))),
        "CosineEmbeddingLoss": (lambda: enn.CosineEmbeddingLoss(0.2), lambda: (_x(3, 4), _x(3, 4), _sign(3))),
        "MultiLabelSoftMarginLoss": (
            lambda: enn.MultiLabelSoftMarginLoss(weight=ember.rand(4)),
            lambda: (_x(3, 4), ember.randint(0, 2, (3, 4)).float()),
        ),
        "PoissonNLLLoss": (lambda: enn.PoissonNLLLoss(), lambda: (_x(3, 4), ember.rand(3, 4))),
        "GaussianNLLLoss": (lambda: enn.GaussianNLLLoss(), lambda: (_x(3, 4), _x(3, 4), ember.rand(3, 4) + 0.1)),
        "TripletMarginLoss": (lambda: enn.TripletMarginLoss(margin=0.5), lambda: (_x(3, 4), _x(3, 4), _x(3, 4))),
        "AdaptiveAvgPool1d": (lambda: enn.AdaptiveAvgPool1d(2), lambda: (_x(2, 3, 6),)),
        "AdaptiveAvgPool2d": (lambda: enn.AdaptiveAvgPool2d((2, 3)), lambda: (_x(2, 3, 6, 6),)),
        "AdaptiveMaxPool1d": (lambda: enn.AdaptiveMaxPool1d(2, return_indices=True), lambda: (_x(2, 3, 6),)),
        "AdaptiveMaxPool2d": (lambda: enn.AdaptiveMaxPool2d(2), lambda: (_x(2, 3, 6, 6),)),
        "AvgPool1d": (lambda: enn.AvgPool1d(2), lambda: (_x(2, 3, 6),)),
        "AvgPool2d": (lambda: enn.AvgPool2d(2, stride=1, padding=1), lambda: (_x(2, 3, 5, 5),)),
        "MaxPool1d": (lambda: enn.MaxPool1d(2, return_indices=True), lambda: (_x(2, 3, 6),)),
        "MaxPool2d": (lambda: enn.MaxPool2d(3, stride=2, padding=1), lambda: (_x(2, 3, 6, 6),)),
        "AlphaDropout": (lambda: enn.AlphaDropout(0.2).eval(), lambda: (_x(3, 4),)),
        "Dropout": (lambda: enn.Dropout(0.3).eval(), lambda: (_x(3, 4),)),
        "Dropout1d": (lambda: enn.Dropout1d(0.3).eval(), lambda: (_x(2, 3, 4),)),
        "Dropout2d": (lambda: enn.Dropout2d(0.3).eval(), lambda: (_x(2, 3, 4, 4),)),
        "Dropout3d": (lambda: enn.Dropout3d(0.3).eval(), lambda: (_x(2, 3, 2, 2, 2),)),
        "BatchNorm1d": (lambda: _primed(enn.BatchNorm1d(3), _x(5, 3)), lambda: (_x(4, 3),)),
        "BatchNorm2d": (lambda: _primed(enn.BatchNorm2d(3, momentum=None), _x(2, 3, 4, 4)), lambda: (_x(2, 3, 4, 4),)),
        "BatchNorm3d": (lambda: _primed(enn.BatchNorm3d(2), _x(2, 2, 3, 3, 3)), lambda: (_x(2, 2, 3, 3, 3),)),
        "InstanceNorm1d": (
            lambda: _primed(enn.InstanceNorm1d(3, affine=True, track_running_stats=True), _x(2, 3, 5)),
            lambda: (_x(2, 3, 5),),
        ),
        "InstanceNorm2d": (lambda: enn.InstanceNorm2d(3), lambda: (_x(2, 3, 4, 4),)),
        "GroupNorm": (lambda: enn.GroupNorm(2, 4), lambda: (_x(2, 4, 3),)),
        "LayerNorm": (lambda: enn.LayerNorm(4), lambda: (_x(3, 4),)),
        "LocalResponseNorm": (lambda: enn.LocalResponseNorm(2), lambda: (_x(2, 4, 3, 3),)),
        "RMSNorm": (lambda: enn.RMSNorm(4), lambda: (_x(3, 4),)),
        "Bilinear": (lambda: enn.Bilinear(3, 4, 5), lambda: (_x(2, 3), _x(2, 4))),
        "Linear": (lambda: enn.Linear(3, 4), lambda: (_x(2, 3),)),
        "LazyLinear": (lambda: _primed(enn.LazyLinear(4), _x(2, 3)), lambda: (_x(2, 3),)),
        "ChannelShuffle": (lambda: enn.ChannelShuffle(2), lambda: (_x(1, 4, 2, 2),)),
        "PixelShuffle": (lambda: enn.PixelShuffle(2), lambda: (_x(1, 8, 2, 2),)),
        "PixelUnshuffle": (lambda: enn.PixelUnshuffle(2), lambda: (_x(1, 2, 4, 4),)),
        "Conv1d": (lambda: enn.Conv1d(3, 4, 3, padding=1, padding_mode="reflect"), lambda: (_x(2, 3, 6),)),
        "Conv2d": (lambda: enn.Conv2d(2, 4, 3, stride=2, groups=2, bias=False), lambda: (_x(2, 2, 6, 6),)),
        "ConvTranspose1d": (lambda: enn.ConvTranspose1d(3, 2, 3, stride=2, output_padding=1), lambda: (_x(2, 3, 5),)),
        "ConvTranspose2d": (lambda: enn.ConvTranspose2d(2, 3, 3, dilation=2), lambda: (_x(1, 2, 4, 4),)),
        "CosineSimilarity": (lambda: enn.CosineSimilarity(dim=1), lambda: (_x(3, 4), _x(3, 4))),
        "PairwiseDistance": (lambda: enn.PairwiseDistance(p=3.0), lambda: (_x(3, 4), _x(3, 4))),
        "Embedding": (lambda: enn.Embedding(10, 3, padding_idx=0), lambda: (ember.tensor([[1, 2, 0], [4, 4, 9]]),)),
        "EmbeddingBag": (
            lambda: enn.EmbeddingBag(10, 3, mode="sum"),
            lambda: (ember.tensor([1, 2, 4, 5, 3]), ember.tensor([0, 2])),
        ),
        "RNN": (lambda: enn.RNN(3, 4, nonlinearity="relu", bias=False), lambda: (_x(5, 2, 3),)),
        "LSTM": (lambda: enn.LSTM(3, 4, num_layers=2, proj_size=2), lambda: (_x(5, 2, 3),)),
        "GRU": (lambda: enn.GRU(3, 4, bidirectional=True, batch_first=True), lambda: (_x(2, 5, 3),)),
        "RNNCell": (lambda: enn.RNNCell(3, 4, nonlinearity="relu"), lambda: (_x(2, 3),)),
        "LSTMCell": (lambda: enn.LSTMCell(3, 4), lambda: (_x(2, 3),)),
        "GRUCell": (lambda: enn.GRUCell(3, 4, bias=False), lambda: (_x(2, 3),)),
        "MultiheadAttention": (
            lambda: enn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, batch_first=True),
            lambda: (_x(2, 3, 4), _x(2, 6, 3), _x(2, 6, 5)),
        ),
        "TransformerEncoderLayer": (
            lambda: enn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", batch_first=True),
            lambda: (_x(2, 5, 8),),
        ),
        "TransformerDecoderLayer": (
            lambda: enn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True),
            lambda: (_x(4, 2, 8), _x(5, 2, 8)),
        ),
        "TransformerEncoder": (
            lambda: enn.TransformerEncoder(enn.TransformerEncoderLayer(8, 2, 16, 0.0), 2, norm=enn.LayerNorm(8)),
            lambda: (_x(5, 2, 8),),
        ),
        "TransformerDecoder": (
            lambda: enn.TransformerDecoder(enn.TransformerDecoderLayer(8, 2, 16, 0.0), 2),
            lambda: (_x(4, 2, 8), _x(5, 2, 8)),
        ),
        "Transformer": (lambda: enn.Transformer(8, 2, 1, 1, 16, dropout=0.0), lambda: (_x(5, 2, 8), _x(4, 2, 8))),
        "Upsample": (lambda: enn.Upsample(scale_factor=2, mode="bilinear"), lambda: (_x(1, 2, 3, 3),)),
        "UpsamplingBilinear2d": (lambda: enn.UpsamplingBilinear2d(scale_factor=2), lambda: (_x(1, 2, 3, 3),)),
        "UpsamplingNearest2d": (lambda: enn.UpsamplingNearest2d(size=(4, 5)), lambda: (_x(1, 2, 3, 3),)),
        "weight_norm": (lambda: parametrizations.weight_norm(enn.Linear(3, 4), dim=None), lambda: (_x(2, 3),)),
        "spectral_norm": (
            lambda: parametrizations.spectral_norm(enn.Conv2d(2, 3, 3)).eval(),
            lambda: (_x(1, 2, 5, 5),),
        ),
    }
)


class Holder(enn.Module):
    """Every container, a tied weight and a non-persistent buffer."""

    def __init__(self):
        super().__init__()
        self.blocks = enn.ModuleDict({"a": enn.Linear(3, 3), "b": enn.Sequential(enn.Linear(3, 3), enn.Tanh())})
        self.heads = enn.ModuleList([enn.Linear(3, 2), enn.Linear(3, 2)])
        self.scales = enn.ParameterList([enn.Parameter(ember.rand(3)), enn.Parameter(ember.rand(2), False)])
        self.shifts = enn.ParameterDict({"x": enn.Parameter(ember.rand(2))})
        self.heads[1].weight = self.heads[0].weight
        self.register_buffer("step", ember.zeros((), dtype=ember.int64), persistent=False)

    def forward(self, x):
        h = self.blocks["b"](self.blocks["a"](x) * self.scales[0])
        return [head(h) * self.scales[1] + self.shifts["x"] for head in self.heads]


ZOO["containers"] = (Holder, lambda: (_x(4, 3),))
_ABSTRACT = {"Module", "RNNBase", "RNNCellBase", "LazyModuleMixin"}
_CONTAINERS = {"Sequential", "ModuleDict", "ModuleList", "ParameterList", "ParameterDict"}


def _classes(model):
    """What ``ember.load`` must be allowed to build for ``model``: the classes of
    its modules (a parametrized module is stored as its original class)."""
    return list({getattr(type(m), "_original_class", type(m)) for m in model.modules()})


def _pickle(model, tmp_path):
    return pickle.loads(pickle.dumps(model))


def _deepcopy(model, tmp_path):
    return copy.deepcopy(model)


def _ember_save(model, tmp_path):
    path = tmp_path / "model.pt"
    ember.save(model, path)
    with ember.serialization.safe_globals(_classes(model)):
        return ember.load(path, weights_only=False)


ROUND_TRIPS = {"pickle": _pickle, "deepcopy": _deepcopy, "ember_save": _ember_save}


def _assert_same(a, b):
    if isinstance(a, ember.Tensor):
        assert isinstance(b, ember.Tensor) and a.dtype == b.dtype
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        assert a == b


def _assert_same_module(old, new):
    assert new is not old and type(new).__name__ == type(old).__name__
    pairs = list(zip(old.named_modules(), new.named_modules()))
    assert len(pairs) == len(list(old.named_modules()))
    for (name, a), (name2, b) in pairs:
        assert name == name2 and type(a).__name__ == type(b).__name__ and a.training == b.training
        assert sorted(a.__dict__) == sorted(b.__dict__)
        assert a._non_persistent_buffers_set == b._non_persistent_buffers_set
    old_params, new_params = dict(old.named_parameters()), dict(new.named_parameters())
    assert list(old_params) == list(new_params)
    for name, p in new_params.items():
        assert isinstance(p, enn.Parameter) and p.is_leaf and p.grad_fn is None
        assert p.requires_grad == old_params[name].requires_grad and p is not old_params[name]
        _assert_same(old_params[name], p)
    old_buffers, new_buffers = dict(old.named_buffers()), dict(new.named_buffers())
    assert list(old_buffers) == list(new_buffers)
    for name, b in new_buffers.items():
        assert not isinstance(b, enn.Parameter)
        _assert_same(old_buffers[name], b)
    _assert_same(list(old.state_dict().items()), list(new.state_dict().items()))


def test_zoo_covers_every_module_class():
    covered = set(ZOO) | _CONTAINERS | _ABSTRACT
    assert not set(enn.modules.__all__) - covered


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
@pytest.mark.parametrize("name", list(ZOO))
def test_round_trip_keeps_state_and_outputs(name, how, tmp_path):
    make, inputs = ZOO[name]
    ember.manual_seed(0)
    model = make()
    args = inputs()
    loaded = ROUND_TRIPS[how](model, tmp_path)
    _assert_same_module(model, loaded)
    with ember.no_grad():
        _assert_same(model(*args), loaded(*args))
    _assert_same_module(model, loaded)  # both still alike after the call (running stats, power iteration)


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_shared_parameters_stay_shared(how, tmp_path):
    model = Holder()
    loaded = ROUND_TRIPS[how](model, tmp_path)
    assert loaded.heads[1].weight is loaded.heads[0].weight
    assert len(list(loaded.parameters())) == len(list(model.parameters()))
    out = loaded(_x(4, 3))
    (out[0].sum() + out[1].sum()).backward()
    assert loaded.heads[0].weight.grad is not None and model.heads[0].weight.grad is None
    assert not loaded.scales[1].requires_grad and loaded.scales[1].grad is None


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_shared_submodules_stay_shared(how, tmp_path):
    inner = enn.Linear(2, 2)
    loaded = ROUND_TRIPS[how](enn.Sequential(inner, enn.ReLU(), inner), tmp_path)
    assert loaded[0] is loaded[2]


def test_ember_save_shares_parameters_of_shared_submodules(tmp_path):
    # ember files hold a tree: a module reached twice loads as two modules,
    # whose tensors are still the same objects
    inner = enn.Linear(2, 2)
    loaded = _ember_save(enn.Sequential(inner, enn.ReLU(), inner), tmp_path)
    assert loaded[0] is not loaded[2] and loaded[0].weight is loaded[2].weight and loaded[0].bias is loaded[2].bias
    assert len(list(loaded.parameters())) == 2


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_training_flags_and_dtype_kept(how, tmp_path):
    model = enn.Sequential(enn.Linear(2, 3), enn.Dropout(0.5), enn.BatchNorm1d(3)).double()
    model.eval()
    model[1].train()
    loaded = ROUND_TRIPS[how](model, tmp_path)
    assert [m.training for m in loaded.modules()] == [False, False, True, False]
    assert all(p.dtype == ember.float64 for p in loaded.parameters())
    assert loaded[2].num_batches_tracked.dtype == ember.int64


def _hook(module, args, output):
    return output * 2


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_hooks_survive_and_new_ones_get_fresh_ids(how, tmp_path):
    model = enn.Linear(2, 2)
    model.register_forward_hook(_hook)
    x = _x(3, 2)
    loaded = ROUND_TRIPS[how](model, tmp_path)
    _assert_same(loaded(x), model(x))
    old_ids = set(loaded._forward_hooks)
    handle = loaded.register_forward_hook(_hook)
    assert handle.id not in old_ids and len(loaded._forward_hooks) == 2
    _assert_same(loaded(x), model(x) * 2)


def test_ember_save_refuses_code_and_load_refuses_unallowed_classes(tmp_path):
    model = enn.Linear(2, 2)
    model.register_forward_hook(_hook)
    with pytest.raises(TypeError, match="it is code"):
        ember.save(model, tmp_path / "hooked.pt")
    with pytest.raises(TypeError, match="it is code"):  # an activation that is neither relu nor gelu
        ember.save(enn.TransformerEncoderLayer(4, 2, 8, activation=F.silu), tmp_path / "silu.pt")
    ember.save(enn.Sequential(enn.Linear(2, 2)), tmp_path / "model.pt")
    for weights_only in (True, False):  # ember.load never imports a class a file names
        with pytest.raises(pickle.UnpicklingError, match="ember.nn.modules.container.Sequential"):
            ember.load(tmp_path / "model.pt", weights_only=weights_only)
    with ember.serialization.safe_globals([enn.Sequential]):
        with pytest.raises(pickle.UnpicklingError, match="ember.nn.modules.linear.Linear"):
            ember.load(tmp_path / "model.pt")


def test_custom_activation_pickles():
    layer = enn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=F.silu)
    loaded = pickle.loads(pickle.dumps(layer))
    x = _x(3, 2, 4)
    assert loaded.activation is F.silu
    _assert_same(loaded(x), layer(x))


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_lazy_module_before_its_first_call(how, tmp_path):
    model = enn.Sequential(enn.LazyLinear(3), enn.ReLU())
    loaded = ROUND_TRIPS[how](model, tmp_path)
    assert loaded[0].has_uninitialized_params() and isinstance(loaded[0].weight, enn.UninitializedParameter)
    assert type(loaded[0]) is enn.LazyLinear
    y = loaded(_x(2, 5))
    assert type(loaded[0]) is enn.Linear and loaded[0].weight.shape == (3, 5) and y.shape == (2, 3)
    assert not loaded[0]._forward_pre_hooks and model[0].has_uninitialized_params()


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_parametrized_module_keeps_its_parametrizations(how, tmp_path):
    model = parametrizations.weight_norm(enn.Linear(3, 4))
    loaded = ROUND_TRIPS[how](model, tmp_path)
    assert type(loaded).__name__ == "ParametrizedLinear" and isinstance(loaded, enn.Linear)
    assert parametrize.is_parametrized(loaded, "weight") and "weight" not in loaded._parameters
    loaded.weight = ember.ones(4, 3)  # assignment goes through right_inverse, as before the round trip
    np.testing.assert_allclose(loaded.weight.detach().numpy(), np.ones((4, 3)), rtol=1e-6)
    parametrize.remove_parametrizations(loaded, "weight")
    assert type(loaded) is enn.Linear and isinstance(loaded.weight, enn.Parameter)
    assert parametrize.is_parametrized(model, "weight")


def test_parametrized_module_is_saved_as_its_original_class(tmp_path):
    model = parametrizations.weight_norm(enn.Linear(3, 4))
    ember.save(model, tmp_path / "wn.pt")
    allowed = [enn.Linear, enn.ModuleDict, parametrize.ParametrizationList, parametrizations._WeightNorm]
    with ember.serialization.safe_globals(allowed):
        loaded = ember.load(tmp_path / "wn.pt")
    assert type(loaded) is type(model)  # the same ParametrizedLinear class
    assert "Parametrized" not in pickle.dumps(model).decode("latin-1")


# -- against PyTorch: the same weights give torch's outputs after the round trip ----------
def _torch_pairs():
    def seq(nn):
        return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))

    return {
        "lstm": (lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True), lambda: (np.random.rand(5, 2, 3),)),
        "encoder": (
            lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2),
            lambda: (np.random.rand(2, 5, 8),),
        ),
        "attention": (lambda nn: nn.MultiheadAttention(4, 2), lambda: (np.random.rand(3, 2, 4),) * 3),
        "conv_bn": (seq, lambda: (np.random.rand(2, 2, 5, 5),)),
    }


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
@pytest.mark.parametrize("name", list(_torch_pairs()))
def test_round_trip_matches_torch(name, how, tmp_path):
    make, inputs = _torch_pairs()[name]
    np.random.seed(0)
    args = [a.astype(np.float32) for a in inputs()]
    torch.manual_seed(0)
    tm, em = make(torch.nn), make(enn)
    tm(*map(torch.tensor, args))  # lazy layers take their shapes
    em(*map(ember.tensor, args))
    tm.eval()
    load_from_torch(em, tm)
    em = ROUND_TRIPS[how](em.eval(), tmp_path)
    tm = copy.deepcopy(tm) if how == "deepcopy" else pickle.loads(pickle.dumps(tm))
    with torch.no_grad(), ember.no_grad():
        te, tt = em(*map(ember.tensor, args)), tm(*map(torch.tensor, args))
    te, tt = (te[0], tt[0]) if isinstance(tt, tuple) else (te, tt)
    assert_close(te, tt, rtol=1e-5, atol=1e-5)


def test_pickle_keeps_no_grads_as_torch():
    tm, em = torch.nn.Linear(3, 2), enn.Linear(3, 2)
    x = np.random.rand(4, 3).astype(np.float32)
    tm(torch.tensor(x)).sum().backward()
    em(ember.tensor(x)).sum().backward()
    assert pickle.loads(pickle.dumps(em)).weight.grad is None
    assert pickle.loads(pickle.dumps(tm)).weight.grad is None


def test_shallow_copy_shares_parameters_as_torch():
    for nn in (enn, torch.nn):
        m = nn.Linear(2, 2)
        c = copy.copy(m)
        assert c is not m and c.weight is m.weight
    wn = parametrizations.weight_norm(enn.Linear(2, 2))
    c = copy.copy(wn)
    assert type(c) is type(wn) and c.parametrizations is wn.parametrizations
