# SPDX-License-Identifier: BSD-3-Clause
"""Bernoulli, exponential, geometric, log-normal, Cauchy, multinomial and
Poisson sampling: moments and frequencies on ~1e5 samples, reproducibility
(seeds, generator state, thread count) and PyTorch's errors."""

import math

import numpy as np
import pytest
import torch

import ember

N = 100_000


def assert_mean_var(x, mean, var, sigmas=5.0):
    """The sample mean and variance of ``x`` are within ``sigmas`` standard
    errors of ``mean`` and ``var`` (the variance's error from the fourth moment)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    assert abs(x.mean() - mean) <= sigmas * math.sqrt(var / n), (x.mean(), mean)
    m4 = ((x - mean) ** 4).mean()
    # (+ the sample mean's own error, squared: the whole error when m4 == var**2)
    assert abs(x.var() - var) <= sigmas * math.sqrt((m4 - var * var) / n) + sigmas**2 * var / n, (x.var(), var)


def assert_frequencies(samples, probs, n_categories=None):
    """Chi-square test: observed counts match ``probs`` (far beyond the 1e-6 quantile fails)."""
    probs = np.asarray(probs, dtype=np.float64)
    counts = np.bincount(np.asarray(samples).ravel(), minlength=n_categories or probs.size)
    total = counts.sum()
    nonzero = probs > 0
    assert counts[~nonzero].sum() == 0, "a zero-probability category was drawn"
    expected = probs[nonzero] * total
    chi2 = (((counts[nonzero] - expected) ** 2) / expected).sum()
    df = nonzero.sum() - 1
    assert chi2 < df + 10 * math.sqrt(2 * max(df, 1)) + 10, (chi2, df, counts, expected)


@pytest.fixture(autouse=True)
def _seeded():
    ember.manual_seed(1234)


# ---- distributions ------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.97, 1.0])
def test_bernoulli_scalar_p(p):
    x = ember.empty(N).bernoulli_(p).numpy()
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert_mean_var(x, p, p * (1 - p))


def test_bernoulli_tensor_p_broadcasts_and_any_dtype():
    p = ember.tensor([0.0, 0.25, 0.5, 1.0])
    x = ember.empty(N // 4, 4).bernoulli_(p).numpy()
    for j, pj in enumerate([0.0, 0.25, 0.5, 1.0]):
        assert_mean_var(x[:, j], pj, pj * (1 - pj))
    ints = ember.empty(N, dtype=ember.int64).bernoulli_(0.3)
    assert ints.dtype == ember.int64
    assert_mean_var(ints.numpy(), 0.3, 0.21)
    flags = ember.empty(N, dtype=ember.bool).bernoulli_(0.7)
    assert flags.dtype == ember.bool
    assert_mean_var(flags.numpy(), 0.7, 0.21)


def test_bernoulli_function_uses_input_as_probabilities():
    probs = ember.full((N,), 0.2, dtype=ember.float64)
    x = ember.bernoulli(probs)
    assert x.dtype == ember.float64 and x.shape == probs.shape
    assert_mean_var(x.numpy(), 0.2, 0.16)
    y = ember.bernoulli(probs, 0.9)  # p overrides the values
    assert_mean_var(y.numpy(), 0.9, 0.09)
    assert_mean_var(probs.bernoulli().numpy(), 0.2, 0.16)
    half = ember.bernoulli(ember.full((N,), 0.5, dtype=ember.float16))
    assert half.dtype == ember.float16
    assert_mean_var(half.double().numpy(), 0.5, 0.25)


@pytest.mark.parametrize("lambd", [0.5, 1.0, 4.0])
def test_exponential_moments(lambd):
    x = ember.empty(N, dtype=ember.float64).exponential_(lambd).numpy()
    assert (x >= 0).all()
    assert_mean_var(x, 1 / lambd, 1 / lambd**2)
    f = ember.empty(N).exponential_(lambd)
    assert f.dtype == ember.float32 and np.isfinite(f.numpy()).all()


@pytest.mark.parametrize("p", [0.05, 0.3, 0.9])
def test_geometric_moments(p):
    x = ember.empty(N, dtype=ember.int64).geometric_(p).numpy()
    assert x.min() >= 1
    assert_mean_var(x, 1 / p, (1 - p) / p**2)
    assert_frequencies(np.minimum(x, 4) - 1, [p, p * (1 - p), p * (1 - p) ** 2, (1 - p) ** 3])


def test_log_normal_and_cauchy():
    x = ember.empty(N, dtype=ember.float64).log_normal_(0.5, 0.25).numpy()
    assert (x > 0).all()
    assert_mean_var(np.log(x), 0.5, 0.0625)
    c = ember.empty(N, dtype=ember.float64).cauchy_(1.0, 2.0).numpy()
    # quartiles of Cauchy(1, 2): 1 -+ 2; the standard error of a quartile is ~ 1/(f sqrt(n))
    q1, med, q3 = np.percentile(c, [25, 50, 75])
    se = 2 * math.pi * math.sqrt(3 / 16 / N) * 2 * 2
    assert abs(med - 1) < 5 * se and abs(q1 + 1) < 5 * se and abs(q3 - 3) < 5 * se


@pytest.mark.parametrize("rate", [0.0, 0.3, 4.0, 9.99, 10.0, 35.0, 2.5e3, 1e7])
def test_poisson_moments(rate):
    x = ember.poisson(ember.full((N,), rate, dtype=ember.float64)).numpy()
    assert (x == np.round(x)).all() and (x >= 0).all()
    assert_mean_var(x, rate, rate)


def test_poisson_mixed_rates_frequencies_and_dtype():
    rates = ember.tensor([1.5, 20.0] * (N // 2))
    x = ember.poisson(rates)
    assert x.dtype == ember.float32 and x.shape == rates.shape
    small = x.numpy()[0::2].astype(np.int64)
    pmf = [math.exp(-1.5) * 1.5**k / math.factorial(k) for k in range(6)]
    assert_frequencies(np.minimum(small, 6), [*pmf, 1 - sum(pmf)])
    large = x.numpy()[1::2].astype(np.int64)
    pmf = [math.exp(-20 + k * math.log(20) - math.lgamma(k + 1)) for k in range(10, 31)]
    binned = np.clip(large, 9, 31) - 9  # 0: <= 9, 1..21: 10..30, 22: >= 31
    below = sum(math.exp(-20 + k * math.log(20) - math.lgamma(k + 1)) for k in range(10))
    assert_frequencies(binned, [below, *pmf, 1 - below - sum(pmf)])


# ---- multinomial ----------------------------------------------------------------
PROBS = [0.1, 0.0, 0.2, 0.3, 0.4]


def test_multinomial_with_replacement_frequencies():
    x = ember.multinomial(ember.tensor(PROBS), N, replacement=True)
    assert x.dtype == ember.int64 and tuple(x.shape) == (N,)
    assert_frequencies(x.numpy(), PROBS)
    # unnormalized weights, 2-D: each row its own distribution
    w = ember.tensor([[1.0, 3.0, 0.0], [0.0, 0.0, 7.0]], dtype=ember.float64)
    rows = ember.multinomial(w, N // 2, True).numpy()
    assert rows.shape == (2, N // 2)
    assert_frequencies(rows[0], [0.25, 0.75, 0.0])
    assert (rows[1] == 2).all()


def test_multinomial_without_replacement_draw_order():
    p = np.array(PROBS)
    draws = ember.multinomial(ember.tensor([PROBS] * (N // 2)), 3).numpy()
    assert draws.shape == (N // 2, 3)
    assert all(len(set(r)) == 3 for r in draws[:1000])
    assert (draws != 1).all()  # three non-zero categories remain available
    assert_frequencies(draws[:, 0], p)  # the first draw follows p
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(p.size) if i != j) for j in range(p.size)])
    assert_frequencies(draws[:, 1], second)  # the second: p_j / (1 - p_first), averaged
    # every category, zero weights last
    all_of_them = ember.multinomial(ember.tensor([1.0, 0.0, 1.0]), 3).tolist()
    assert sorted(all_of_them) == [0, 1, 2] and all_of_them[2] == 1


def test_multinomial_shapes():
    assert tuple(ember.multinomial(ember.ones(0, 3), 2).shape) == (0, 2)
    assert tuple(ember.ones(4).multinomial(4).shape) == (4,)
    assert sorted(ember.ones(4).multinomial(4).tolist()) == [0, 1, 2, 3]
    assert ember.multinomial(ember.tensor([0.0, 5.0]), 5, True).tolist() == [1] * 5
    assert ember.multinomial(ember.tensor([1.0, 2.0], dtype=ember.float16), 1).dtype == ember.int64


# ---- reproducibility --------------------------------------------------------------
def _draw_all(generator=None):
    probs = ember.tensor([[0.2, 0.3, 0.5], [0.6, 0.0, 0.4]])
    return [
        ember.empty(257).bernoulli_(0.3, generator=generator).tolist(),
        ember.bernoulli(ember.full((50,), 0.5), generator=generator).tolist(),
        ember.multinomial(probs, 40, True, generator=generator).tolist(),
        ember.multinomial(probs, 3, generator=generator).tolist(),
        ember.empty(33).exponential_(generator=generator).tolist(),
        ember.empty(33).geometric_(0.2, generator=generator).tolist(),
        ember.empty(33).log_normal_(generator=generator).tolist(),
        ember.empty(33).cauchy_(generator=generator).tolist(),
        ember.poisson(ember.tensor([0.5, 3.0, 12.0, 500.0] * 8), generator=generator).tolist(),
    ]


def test_manual_seed_repeats():
    ember.manual_seed(7)
    first = _draw_all()
    ember.manual_seed(7)
    assert _draw_all() == first
    ember.manual_seed(8)
    assert _draw_all() != first


def test_generator_state_round_trip_repeats():
    g = ember.Generator().manual_seed(11)
    _draw_all(g)  # advance
    state = g.get_state()
    after = _draw_all(g)
    g.set_state(state)
    assert _draw_all(g) == after
    # a generator is independent of the default one
    ember.manual_seed(11)
    g.manual_seed(11)
    ember.rand(1000)
    assert _draw_all(g) == _draw_all(ember.Generator().manual_seed(11))
    state = ember.get_rng_state()
    x = ember.multinomial(ember.ones(10), 5).tolist()
    ember.set_rng_state(state)
    assert ember.multinomial(ember.ones(10), 5).tolist() == x


def test_results_do_not_depend_on_thread_count():
    threads = ember.get_num_threads()
    try:
        results = []
        for n in (1, 2):
            ember.set_num_threads(n)
            ember.manual_seed(3)
            big = ember.multinomial(ember.rand(64, 300), 30, True).tolist()
            results.append((_draw_all(), big, ember.empty(300_000).bernoulli_(0.4).sum().item()))
        assert results[0] == results[1]
    finally:
        ember.set_num_threads(threads)


# ---- errors ---------------------------------------------------------------------
ERRORS = {
    "bernoulli_p_high": lambda m: m.empty(3).bernoulli_(1.5),
    "bernoulli_p_negative": lambda m: m.empty(3).bernoulli_(-0.1),
    "bernoulli_tensor_p": lambda m: m.empty(3).bernoulli_(m.tensor([0.5, 2.0, 0.1])),
    "bernoulli_int_p": lambda m: m.empty(3).bernoulli_(m.tensor([0, 1, 1])),
    "bernoulli_input": lambda m: m.bernoulli(m.tensor([0.5, 1.5])),
    "bernoulli_nan": lambda m: m.bernoulli(m.tensor([0.5, math.nan])),
    "bernoulli_int_input": lambda m: m.bernoulli(m.tensor([0, 1])),
    "exponential_lambda": lambda m: m.empty(3).exponential_(0),
    "exponential_int": lambda m: m.empty(3, dtype=m.int64).exponential_(),
    "geometric_p0": lambda m: m.empty(3).geometric_(0),
    "geometric_p1": lambda m: m.empty(3).geometric_(1),
    "log_normal_std": lambda m: m.empty(3).log_normal_(0, -1),
    "log_normal_int": lambda m: m.empty(3, dtype=m.int64).log_normal_(),
    "cauchy_sigma": lambda m: m.empty(3).cauchy_(0, 0),
    "cauchy_int": lambda m: m.empty(3, dtype=m.int64).cauchy_(),
    "multinomial_negative": lambda m: m.multinomial(m.tensor([0.5, -1.0, 1.0]), 2),
    "multinomial_inf": lambda m: m.multinomial(m.tensor([0.5, math.inf, 1.0]), 2),
    "multinomial_nan": lambda m: m.multinomial(m.tensor([0.5, math.nan, 1.0]), 2, True),
    "multinomial_inf_replacement": lambda m: m.multinomial(m.tensor([[1.0, 1.0], [0.5, math.inf]]), 2, True),
    "multinomial_negative_replacement": lambda m: m.multinomial(m.tensor([math.inf, -1.0]), 2, True),
    "multinomial_zero_row_first": lambda m: m.multinomial(m.tensor([[0.0, 0.0], [-1.0, 1.0]]), 2, True),
    "multinomial_one_sample": lambda m: m.multinomial(m.tensor([[0.0, 0.0], [-1.0, 1.0]]), 1, True),
    "multinomial_zero_sum": lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
    "multinomial_zero_row": lambda m: m.multinomial(m.tensor([[0.0, 0.0], [1.0, 1.0]]), 1, True),
    "multinomial_too_many": lambda m: m.multinomial(m.tensor([1.0, 1.0, 1.0]), 4),
    "multinomial_no_samples": lambda m: m.multinomial(m.tensor([1.0, 1.0]), 0),
    "multinomial_3d": lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    "multinomial_int": lambda m: m.multinomial(m.tensor([1, 2]), 1),
    "multinomial_float_count": lambda m: m.multinomial(m.ones(3), 1.0),
    "multinomial_empty_categories": lambda m: m.multinomial(m.ones(2, 0), 1),
    "poisson_negative": lambda m: m.poisson(m.tensor([1.0, -1.0])),
    "poisson_nan": lambda m: m.poisson(m.tensor([math.nan])),
    "poisson_int": lambda m: m.poisson(m.tensor([1, 2])),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_pytorch(name):
    with pytest.raises(Exception) as want:
        ERRORS[name](torch)
    with pytest.raises(Exception) as got:
        ERRORS[name](ember)
    assert type(got.value) is type(want.value), (got.value, want.value)
    # PyTorch appends a plea for better messages to its TORCH_CHECK text
    assert str(got.value) == str(want.value).split("  (Could this error message be improved?")[0]
