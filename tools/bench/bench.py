#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark ember against PyTorch and numpy, in one process, on the same data.

    .venv/bin/python tools/bench/bench.py [--threads N] [--repeat R] [--quick] [--only PATTERN] [--json PATH]

Every workload runs the same expression a user would write (``a + b``,
``x.sum(0)``, ``a @ b``) on identical inputs (one numpy array, copied into each
library). After a warm-up the three libraries are sampled interleaved (ember,
torch, numpy, ember, ...) R times; each sample times enough calls to last at
least ``--min-time`` (calibrated per library) and the median per-call time is
reported. See README.md next to this file.
"""

from __future__ import annotations

import argparse
import gc
import glob
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

import ember

LIBS = ("ember", "torch", "numpy")
MODULES = {"ember": ember, "torch": torch, "numpy": np}

# The same numpy data, copied into each library (no shared memory between libraries).
TO_LIB: dict[str, Callable[[np.ndarray], object]] = {
    "ember": lambda a: ember.from_numpy(a.copy()),
    "torch": lambda a: torch.from_numpy(a.copy()),
    "numpy": lambda a: a.copy(),
}

F32 = 4  # bytes per float32 element


# --------------------------------------------------------------------------- workloads


@dataclass
class Target:
    """An issue target. ``check(ratio_vs_torch, ember_value)`` -> passed."""

    desc: str
    check: Callable[[float, float], bool]


def at_least(x: float) -> Target:  # ember/torch ratio (throughput, or inverted time) >= x
    return Target(f">= {x:.2f}x torch", lambda ratio, _: ratio >= x)


def time_at_most(x: float) -> Target:  # ember time <= x * torch time
    return Target(f"time <= {x:.1f}x torch", lambda ratio, _: ratio >= 1.0 / x)


@dataclass
class Workload:
    name: str
    unit: str  # "us/op" and "ms" are times (lower is better); "GB/s", "GFLOP/s" throughputs
    inputs: Callable[[np.random.Generator], tuple[np.ndarray, ...]]  # numpy data, converted with TO_LIB
    fn: dict[str, Callable]  # library -> the call being timed (numpy may be absent: no such op)
    work: float = 0.0  # bytes read + written (GB/s, and the "ms" rows) or flops (GFLOP/s) per call
    target: Target | None = None
    grad_args: tuple[int, ...] = ()  # inputs made leaves that require grad (autograd workloads)


def same(f: Callable) -> dict[str, Callable]:
    """One expression for all libraries (``lambda a, b: a + b``)."""
    return {lib: f for lib in LIBS}


def func(name: str) -> dict[str, Callable]:
    """The library's own function of that name (``ember.exp``, ``torch.exp``, ``np.exp``)."""
    return {lib: getattr(MODULES[lib], name) for lib in LIBS}


def randn(*shape: int) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.standard_normal(shape, dtype=np.float32)


def pair(*shape: int) -> Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]:
    return lambda rng: (randn(*shape)(rng), randn(*shape)(rng))


def one(*shape: int) -> Callable[[np.random.Generator], tuple[np.ndarray]]:
    return lambda rng: (randn(*shape)(rng),)


def workloads() -> list[Workload]:
    add, mul, add_t = same(lambda a, b: a + b), same(lambda a, b: a * b), same(lambda a, b: a + b.T)
    mm = same(lambda a, b: a @ b)  # 3-D operands: batched (bmm)
    m, g = 10**6, 10**7  # elements; transposed add on square 2-D of about as many: 1000^2, 3162^2
    sm, sg = math.isqrt(m), math.isqrt(g)
    r = 4096  # reductions over r x r; bytes: read r*r, write one value or one row/column of values
    red_all, red_dim = (r * r + 1) * F32, (r * r + r) * F32
    time12, tput09 = time_at_most(1.2), at_least(0.9)
    # ember/torch x.max(1) return values and indices, numpy's values only
    # fmt: off
    return [
        # name                 unit       inputs              fn per library            bytes/flops        target
        Workload("a+b 1-elem", "us/op",   pair(1),            add,                      0,                 at_least(1)),
        Workload("add 1e6",    "GB/s",    pair(m),            add,                      3 * m * F32),
        Workload("mul 1e6",    "GB/s",    pair(m),            mul,                      3 * m * F32),
        Workload("exp 1e6",    "GB/s",    one(m),             func("exp"),              2 * m * F32),
        Workload("tanh 1e6",   "GB/s",    one(m),             func("tanh"),             2 * m * F32),
        Workload(f"a+b.T {sm}^2", "GB/s", pair(sm, sm),       add_t,                    3 * sm * sm * F32),
        Workload("add 1e7",    "GB/s",    pair(g),            add,                      3 * g * F32,       tput09),
        Workload("mul 1e7",    "GB/s",    pair(g),            mul,                      3 * g * F32,       tput09),
        Workload("exp 1e7",    "GB/s",    one(g),             func("exp"),              2 * g * F32,       time12),
        Workload("tanh 1e7",   "GB/s",    one(g),             func("tanh"),             2 * g * F32,       time12),
        Workload(f"a+b.T {sg}^2", "GB/s", pair(sg, sg),       add_t,                    3 * sg * sg * F32),
        Workload(f"sum all {r}^2", "ms",  one(r, r),          same(lambda x: x.sum()),  red_all,           time12),
        Workload(f"sum dim0 {r}^2", "ms", one(r, r),          same(lambda x: x.sum(0)), red_dim,           time12),
        Workload(f"sum dim1 {r}^2", "ms", one(r, r),          same(lambda x: x.sum(1)), red_dim,           time12),
        Workload(f"max dim1 {r}^2", "ms", one(r, r),          same(lambda x: x.max(1)), red_dim,           time12),
        Workload("matmul 128", "GFLOP/s", pair(128, 128),     mm,                       2 * 128**3),
        Workload("matmul 512", "GFLOP/s", pair(512, 512),     mm,                       2 * 512**3),
        Workload("matmul 1024", "GFLOP/s", pair(1024, 1024),  mm,                       2 * 1024**3,       tput09),
        Workload("matmul 2048", "GFLOP/s", pair(2048, 2048),  mm,                       2 * 2048**3,       tput09),
        Workload("bmm 64x128^2", "GFLOP/s", pair(64, 128, 128), mm,                     2 * 64 * 128**3),
        *core_breadth_workloads(),
        *grad_workloads(),
        *component_workloads(),
    ]
    # fmt: on


def component_workloads() -> list[Workload]:
    """The data-loading and multiprocessing workloads; each module returns []
    when its component is not installed."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from data_workloads import data_workloads
    from mp_workloads import mp_workloads

    return data_workloads(Workload, time_at_most) + mp_workloads(Workload, time_at_most)


def grad_workloads() -> list[Workload]:
    """Autograd's costs, when ember-autograd is installed."""
    import importlib.util

    if importlib.util.find_spec("ember.autograd") is None:
        return []
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from autograd_workloads import autograd_workloads
    from nn_workloads import nn_workloads

    return autograd_workloads(Workload, same, pair, one, time_at_most) + nn_workloads(Workload, time_at_most)


def np_softmax(x, log=False):
    z = x - x.max(-1, keepdims=True)
    e = np.exp(z)
    s = e.sum(-1, keepdims=True)
    return z - np.log(s) if log else e / s


def np_layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps)


def core_breadth_workloads() -> list[Workload]:
    """Indexing, sorting and NN kernels (times in ms; targets vs torch)."""
    r, n = 4096, 10**6
    big = (r * r * 2) * F32
    time12, time15 = time_at_most(1.2), time_at_most(1.5)
    ints = lambda rng: (rng.standard_normal((n, 8), dtype=np.float32), rng.integers(0, n, n))  # noqa: E731
    rows = dict(ember=lambda x, i: x[i], torch=lambda x, i: x[i], numpy=lambda x, i: x[i])
    sel = dict(
        ember=lambda x, i: MODULES["ember"].index_select(x, 0, i),
        torch=lambda x, i: MODULES["torch"].index_select(x, 0, i),
        numpy=lambda x, i: np.take(x, i, axis=0),
    )
    softmax = dict(
        ember=lambda x: MODULES["ember"].softmax(x, -1),
        torch=lambda x: MODULES["torch"].softmax(x, -1),
        numpy=np_softmax,
    )
    log_softmax = dict(
        ember=lambda x: MODULES["ember"].log_softmax(x, -1),
        torch=lambda x: MODULES["torch"].log_softmax(x, -1),
        numpy=lambda x: np_softmax(x, log=True),
    )
    layer_norm = dict(
        ember=lambda x: MODULES["ember"].layer_norm(x, (x.shape[-1],)),
        torch=lambda x: MODULES["torch"].layer_norm(x, (x.shape[-1],)),
        numpy=np_layer_norm,
    )
    sort = dict(
        ember=lambda x: MODULES["ember"].sort(x).values,
        torch=lambda x: MODULES["torch"].sort(x).values,
        numpy=np.sort,
    )
    topk = dict(
        ember=lambda x: MODULES["ember"].topk(x, 100).values,
        torch=lambda x: MODULES["torch"].topk(x, 100).values,
        numpy=lambda x: -np.sort(-np.partition(x, -100)[-100:]),
    )
    em = MODULES["ember"]
    needs = {"softmax": "softmax", "log_softmax": "log_softmax", "layer_norm": "layer_norm"}
    available = [
        w
        for w in [
            Workload("index_select 1e6 rows", "ms", ints, sel, 2 * n * 8 * F32, time15),
            Workload("x[idx] 1e6 rows", "ms", ints, rows, 2 * n * 8 * F32, time15),
            Workload(f"softmax {r}^2", "ms", one(r, r), softmax, big, time12),
            Workload(f"log_softmax {r}^2", "ms", one(r, r), log_softmax, big, time12),
            Workload(f"layer_norm {r}^2", "ms", one(r, r), layer_norm, big, time12),
            Workload("sort 1e6", "ms", one(n), sort, 2 * n * F32, time12),
            Workload("topk 1e6 k=100", "ms", one(n), topk, n * F32, time12),
        ]
        if hasattr(em, needs.get(w.name.split()[0], "sort"))
    ]  # skip ops an older core lacks
    return available + nn_workloads()


def nn_workloads() -> list[Workload]:
    """conv2d and cross_entropy (no numpy reference), when ember has them."""
    em, tt = MODULES["ember"], MODULES["torch"]
    if not hasattr(em, "conv2d"):
        return []
    import torch.nn.functional as tf

    from ember._nn import conv as em_conv
    from ember._nn import loss

    def conv_inputs(c_in, c_out, hw):
        return lambda rng: (
            rng.standard_normal((32, c_in, hw, hw), dtype=np.float32),
            rng.standard_normal((c_out, c_in, 3, 3), dtype=np.float32) * 0.1,
        )

    conv = dict(ember=lambda x, w: em.conv2d(x, w, padding=1), torch=lambda x, w: tt.conv2d(x, w, padding=1))

    def ce_inputs(rng):
        return rng.standard_normal((4096, 1000), dtype=np.float32), rng.integers(0, 1000, 4096)

    ce = dict(
        ember=lambda x, t: loss.cross_entropy(x, t),
        torch=lambda x, t: tf.cross_entropy(x, t),
    )
    flops = lambda c_in, c_out, hw: 2 * 32 * c_out * hw * hw * c_in * 9  # noqa: E731

    def conv_grad_inputs(c_in, c_out, hw):
        base = conv_inputs(c_in, c_out, hw)
        return lambda rng: (*base(rng), rng.standard_normal((32, c_out, hw, hw), dtype=np.float32))

    # the kernels autograd runs for d(input) and d(weight): twice the forward's flops
    conv_grad = dict(
        ember=lambda x, w, go: em_conv.conv2d_backward(go, x, w, padding=1, output_mask=(True, True, False))[:2],
        torch=lambda x, w, go: tt.ops.aten.convolution_backward(
            go, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, True, False]
        )[:2],
    )
    time15, time20 = time_at_most(1.5), time_at_most(2.0)
    return [
        Workload("conv2d 3->64 32^2", "GFLOP/s", conv_inputs(3, 64, 32), conv, flops(3, 64, 32), time15),
        Workload("conv2d 64->64 16^2", "GFLOP/s", conv_inputs(64, 64, 16), conv, flops(64, 64, 16), time15),
        Workload(
            "conv2d bwd 3->64 32^2", "GFLOP/s", conv_grad_inputs(3, 64, 32), conv_grad, 2 * flops(3, 64, 32), time20
        ),
        Workload(
            "conv2d bwd 64->64 16^2", "GFLOP/s", conv_grad_inputs(64, 64, 16), conv_grad, 2 * flops(64, 64, 16), time20
        ),
        Workload("cross_entropy 4096x1000", "ms", ce_inputs, ce, 4096 * 1000 * F32, time_at_most(1.2)),
    ]


# --------------------------------------------------------------------------- timing


SETTLE_SECONDS = 0.15


def settle() -> None:
    """Waits for the previous library's worker threads to stop spinning.

    OpenBLAS's threads (numpy) busy-wait for about 0.1 s after a call and
    OpenMP's (torch) for a while too; on a 2-core machine they would steal the
    cores from whichever library is timed next.
    """
    time.sleep(SETTLE_SECONDS)


def timed(fn: Callable, args: tuple, iters: int) -> float:
    """Seconds per call of ``fn(*args)``, averaged over ``iters`` calls (GC off)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(iters):
            fn(*args)
        return (time.perf_counter() - t0) / iters
    finally:
        if gc_was_enabled:
            gc.enable()


def calibrate(fn: Callable, args: tuple, min_time: float) -> int:
    """Iterations so that one sample lasts >= min_time (also serves as the warm-up)."""
    iters = 1
    while True:
        per_call = timed(fn, args, iters)
        if per_call * iters >= min_time:
            return iters
        iters = max(iters * 2, math.ceil(1.2 * min_time / max(per_call, 1e-9)))


@dataclass
class Result:
    name: str
    unit: str
    work: float
    seconds: dict[str, float]  # median seconds per call
    samples: dict[str, list[float]] = field(default_factory=dict)
    iters: dict[str, int] = field(default_factory=dict)
    target: Target | None = None
    note: str = ""


def as_numpy(x: object) -> np.ndarray:
    if isinstance(x, tuple):  # max(dim) -> (values, indices)
        x = x[0]
    return np.asarray(x) if isinstance(x, (np.ndarray, np.generic)) else np.asarray(x.detach().numpy())


def run_workload(w: Workload, repeat: int, min_time: float, rng: np.random.Generator) -> Result:
    data = w.inputs(rng)
    libs = [lib for lib in LIBS if lib in w.fn]
    args = {lib: tuple(TO_LIB[lib](a) for a in data) for lib in libs}
    for lib in libs:
        if w.grad_args:
            args[lib] = tuple(a.requires_grad_() if i in w.grad_args else a for i, a in enumerate(args[lib]))
    oracle = "numpy" if "numpy" in w.fn else "torch"
    expect = as_numpy(w.fn[oracle](*args[oracle]))
    note = []
    for lib in ("ember", "torch"):
        if lib == oracle:
            continue
        got = as_numpy(w.fn[lib](*args[lib]))
        if got.shape != expect.shape or not np.allclose(got, expect, rtol=1e-3, atol=1e-3):
            note.append(f"{lib} result differs from {oracle}")
    iters = {lib: calibrate(w.fn[lib], args[lib], min_time) for lib in libs}
    samples: dict[str, list[float]] = {lib: [] for lib in libs}
    for _ in range(repeat):  # interleaved: ember, torch, numpy, ember, ...
        for lib in libs:
            settle()
            samples[lib].append(timed(w.fn[lib], args[lib], iters[lib]))
    seconds = {lib: statistics.median(s) for lib, s in samples.items()}
    return Result(w.name, w.unit, w.work, seconds, samples, iters, w.target, "; ".join(note))


def import_times(repeat: int) -> Result:
    """``python -c 'import X'`` in fresh processes, minus ``python -c pass`` (medians)."""
    stmts = {"pass": "pass", "ember": "import ember", "torch": "import torch", "numpy": "import numpy"}
    samples: dict[str, list[float]] = {k: [] for k in stmts}
    for stmt in stmts.values():  # warm the file cache once
        subprocess.run([sys.executable, "-c", stmt], check=True)
    for _ in range(repeat):
        for k, stmt in stmts.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", stmt], check=True)
            samples[k].append(time.perf_counter() - t0)
    base = statistics.median(samples["pass"])
    seconds = {lib: statistics.median(samples[lib]) - base for lib in LIBS}
    target = Target("< 100 ms", lambda _, ember_ms: ember_ms < 100.0)
    return Result(
        "import", "ms", 0.0, seconds, samples, {}, target, f"interpreter startup {base * 1e3:.1f} ms subtracted"
    )


# --------------------------------------------------------------------------- report


def value(r: Result, lib: str) -> float:
    """The result in its unit (NaN when the library has no such op)."""
    if lib not in r.seconds:
        return math.nan
    s = r.seconds[lib]
    return {"us/op": s * 1e6, "ms": s * 1e3, "GB/s": r.work / s / 1e9, "GFLOP/s": r.work / s / 1e9}[r.unit]


def ratio(r: Result, other: str) -> float:
    """> 1 means ember is faster: other's time / ember's time (= ember's throughput / other's)."""
    return r.seconds[other] / r.seconds["ember"] if other in r.seconds else math.nan


def status(r: Result) -> str:
    if r.target is None:
        return ""
    return "PASS" if r.target.check(ratio(r, "torch"), value(r, "ember")) else "FAIL"


def cell(r: Result, lib: str) -> str:
    if lib not in r.seconds:
        return "-"
    v = value(r, lib)
    text = f"{v:.3g}" if v < 100 else f"{v:.0f}"
    if r.unit == "ms" and r.work:  # reductions: time and bandwidth
        text += f" ({r.work / r.seconds[lib] / 1e9:.1f} GB/s)"
    return text


def report(results: list[Result]) -> None:
    head = ["workload", "unit", "ember", "torch", "numpy", "e/torch", "e/numpy", "target", ""]
    rows = [
        [
            r.name,
            r.unit,
            cell(r, "ember"),
            cell(r, "torch"),
            cell(r, "numpy"),
            f"{ratio(r, 'torch'):.2f}",
            f"{ratio(r, 'numpy'):.2f}",
            r.target.desc if r.target else "",
            status(r),
        ]
        for r in results
    ]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda cols: "  ".join(
        c.ljust(w) if i < 2 or i >= 7 else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths))
    ).rstrip()
    print()
    print("e/torch, e/numpy: other library's time / ember's time (= ember throughput / other's); > 1 = ember faster")
    print(line(head))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    for r in results:
        if r.note:
            print(f"  note: {r.name}: {r.note}")
    verdicts = [status(r) for r in results if r.target]
    if verdicts:
        print(f"targets: {verdicts.count('PASS')} PASS, {verdicts.count('FAIL')} FAIL")


# --------------------------------------------------------------------------- environment


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def set_threads(n: int) -> tuple[object, str]:
    """Thread count for all three; returns (keep-alive handle, how numpy's BLAS was set)."""
    ember.set_num_threads(n)
    torch.set_num_threads(n)
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None, (
            "NOT set: threadpoolctl is not installed, numpy's BLAS uses its default "
            "(OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else all cores) - affects numpy matmul/bmm only"
        )
    # Not ember's own OpenBLAS: it must stay single-threaded inside ember's pool
    # (Note [One pool for GEMM]); a second thread count there oversubscribes
    # the cores and made small GEMMs (an LSTM step) ten times slower.
    # (an installed core keeps its OpenBLAS in the ember package's directory,
    # which an editable install does not share with ember.__file__)
    blas = ThreadpoolController().select(user_api="blas")
    others = [c.filepath for c in blas.lib_controllers if f"{os.sep}ember{os.sep}" not in os.path.realpath(c.filepath)]
    if not others:
        return None, "no BLAS besides ember's loaded"
    return ThreadpoolController().select(filepath=others).limit(limits=n), f"{n} (threadpoolctl, numpy's BLAS)"


def wheel_size() -> dict[str, int]:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    found = glob.glob(os.path.join(root, "dist", "ember_core-*.whl"))
    found += glob.glob(os.path.join(root, "packages", "core", "dist", "ember_core-*.whl"))
    return {os.path.relpath(p, root): os.path.getsize(p) for p in sorted(found)}


def environment(threads: int, numpy_blas_threads: str) -> dict[str, object]:
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    torch_blas = f"BLAS_INFO={m.group(1) if m else '?'}"
    try:
        np_blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        np_blas = np_blas.get("openblas configuration") or np_blas.get("name", "?")
    except Exception:  # older numpy: no mode="dicts"
        np_blas = "?"
    env = {
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "loadavg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,  # noise hint
        "python": platform.python_version(),
        "threads": threads,
        "ember": ember.__version__,
        "ember_threads": ember.get_num_threads(),
        "ember_simd": ember._C.simd_level(),
        "ember_blas": ember._C.blas_info(),
        "ember_build": ember._C.build_config(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_blas": torch_blas,
        "numpy": np.__version__,
        "numpy_blas": np_blas,
        "numpy_blas_threads": numpy_blas_threads,
        # printed, never changed by this script
        "env": {
            k: os.environ.get(k)
            for k in (
                "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE",
                "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS",
                "MKL_NUM_THREADS",
            )
        },
        "wheels": wheel_size(),
    }
    return env


def print_environment(env: dict[str, object]) -> None:
    print(f"cpu        {env['cpu']} ({env['cpus']} cpus, {env['cpus_usable']} usable), load average {env['loadavg']}")
    print(
        f"threads    {env['threads']} requested; ember {env['ember_threads']}, torch {env['torch_threads']}, "
        f"numpy BLAS {env['numpy_blas_threads']}"
    )
    print(f"ember      {env['ember']}  simd={env['ember_simd']}  build={env['ember_build']}")
    print(f"           BLAS: {env['ember_blas']}")
    print(f"torch      {env['torch']}  {env['torch_blas']}")
    print(f"numpy      {env['numpy']}  BLAS: {env['numpy_blas']}")
    print(f"python     {env['python']}  {sys.executable}")
    print("env        " + "  ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in env["env"].items()))
    load, cpus = env["loadavg"], env["cpus_usable"] or env["cpus"] or 1
    if load and load[0] > 0.25 * cpus:
        print(f"WARNING    load average {load[0]} on {cpus} cpus: the machine is busy, the numbers are noisy")
    wheels = env["wheels"]
    if wheels:
        for path, size in wheels.items():
            print(f"wheel      {path}: {size / 2**20:.2f} MiB")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="threads for ember, torch and numpy's BLAS (default 2)")
    p.add_argument("--repeat", type=int, help="interleaved samples per library (default 11, --quick 3)")
    p.add_argument("--min-time", type=float, help="seconds per sample, calibrated (default 0.02, --quick 0.01)")
    p.add_argument("--quick", action="store_true", help="few, short samples: a smoke test, not a measurement")
    p.add_argument("--only", metavar="PATTERN", help="regex searched in workload names, e.g. 'matmul|bmm' or import")
    p.add_argument("--json", metavar="PATH", help="write the environment, all medians and samples here")
    p.add_argument("--seed", type=int, default=0, help="seed of the input data (default 0)")
    args = p.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 11)
    min_time = args.min_time or (0.01 if args.quick else 0.02)

    _keep, numpy_blas_threads = set_threads(args.threads)
    env = environment(args.threads, numpy_blas_threads)
    print_environment(env)
    print(
        f"method     {repeat} interleaved samples per library, each >= {min_time * 1e3:.0f} ms, median"
        + ("  [--quick: smoke test, not a measurement]" if args.quick else "")
    )

    selected = lambda name: args.only is None or re.search(args.only, name) is not None
    rng = np.random.default_rng(args.seed)
    results: list[Result] = []
    for w in workloads():
        if not selected(w.name):
            continue
        r = run_workload(w, repeat, min_time, rng)
        print(
            f"  {r.name:<18} ember {cell(r, 'ember'):>20}  torch {cell(r, 'torch'):>20}  "
            f"numpy {cell(r, 'numpy'):>20}  {r.unit}",
            flush=True,
        )
        results.append(r)
    if selected("import"):
        results.append(import_times(max(repeat, 5)))

    report(results)

    if args.json:
        out = {
            "environment": env,
            "config": {
                "threads": args.threads,
                "repeat": repeat,
                "min_time_s": min_time,
                "quick": args.quick,
                "only": args.only,
                "seed": args.seed,
            },
            "results": [
                {
                    "name": r.name,
                    "unit": r.unit,
                    "work": r.work,
                    "median_s": r.seconds,
                    "value": {lib: value(r, lib) for lib in LIBS},
                    "ratio_vs_torch": ratio(r, "torch"),
                    "ratio_vs_numpy": ratio(r, "numpy"),
                    "target": r.target.desc if r.target else None,
                    "status": status(r) or None,
                    "iters_per_sample": r.iters,
                    "samples_s": r.samples,
                    "note": r.note or None,
                }
                for r in results
            ],
        }
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
