"""Notebook, section 1: the sigmoid function and softmax.

The notebook's softmax, `np.exp(L) / np.sum(np.exp(L))`, is right for small scores but
overflows for large ones: e^1000 is inf in float64, and inf / inf is nan. Ours subtracts the
largest score first (softmax(x) = softmax(x - c) for any c), so every exponent is <= 0.
The sigmoid's derivative, s (1 - s), comes out of `backward()` and is plotted next to it.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag

from ._common import compare, figure, out_dir, require_extras, save_figure, wrote

TITLE = "Notebook 1: the sigmoid (plot) and softmax, the naive version's overflow next to ours"

NOTEBOOK_SOFTMAX_012 = [0.09003057, 0.24472847, 0.66524096]  # printed with 8 decimals


def softmax(L):  # noqa: N803 - the notebook's code, verbatim
    # return array of all values exp
    es = np.exp(L)
    # divide all exp values by sum of exp values
    results = es / np.sum(es)

    return results


def naive_with_warnings(scores: list[float]) -> tuple[np.ndarray, list[str]]:
    """The notebook's softmax, with the RuntimeWarnings numpy raises captured."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", invalid="warn"):
        warnings.simplefilter("always")
        result = softmax(scores)
    return result, [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()

    ours_012 = ag.tensor([0.0, 1.0, 2.0]).softmax().data
    naive_012 = softmax([0, 1, 2])
    ok_012 = bool(np.allclose(ours_012, NOTEBOOK_SOFTMAX_012, rtol=0, atol=5e-9))
    compare(
        "softmax([0, 1, 2]): the notebook printed 8 decimals",
        [
            (f"p[{i}]", f"{NOTEBOOK_SOFTMAX_012[i]:.8f}", float(ours_012[i]),
             abs(ours_012[i] - NOTEBOOK_SOFTMAX_012[i]) <= 5e-9)
            for i in range(3)
        ],
    )
    print(f"  the notebook's function, re-run here: {naive_012.tolist()}")

    big = [1000.0, 1001.0, 1002.0]
    naive_big, caught = naive_with_warnings(big)
    ours_big = ag.tensor(big).softmax().data
    print(f"\nsoftmax({big}):")
    print(f"  notebook's version: {naive_big.tolist()}")
    for message in caught:
        print(f"      RuntimeWarning: {message}")
    print(f"  ours:               {ours_big.tolist()}")
    print("  (the same as softmax([0, 1, 2]): only differences between scores matter)")

    # The sigmoid and its derivative, the derivative computed by backward().
    x = ag.tensor(np.linspace(-8.0, 8.0, 161 if quick else 401), requires_grad=True)
    s = x.sigmoid()
    s.sum().backward()  # d(sum s)/dx_i = ds_i/dx_i: the derivative at every point at once
    assert x.grad is not None
    sd = s.data
    deriv_err = float(np.max(np.abs(x.grad.data - sd * (1 - sd))))
    probe = ag.tensor([-1000.0, -5.0, 0.0, 5.0, 1000.0]).sigmoid().data
    print(f"\nsigmoid at [-1000, -5, 0, 5, 1000]: {probe.tolist()}")
    print(f"backward() gives ds/dx = s(1 - s) to within {deriv_err:.1e} at {x.size} points")

    path = _plot(x.data, sd, x.grad.data, ours_012, folder / "sigmoid_softmax.png")
    wrote([path])
    return {
        "softmax_012": ours_012.tolist(),
        "softmax_012_matches_notebook": ok_012,
        "naive_big": naive_big.tolist(),
        "naive_warnings": caught,
        "ours_big": ours_big.tolist(),
        "sigmoid_probe": probe.tolist(),
        "sigmoid_derivative_error": deriv_err,
        "files": [path],
        "seconds": time.perf_counter() - start,
    }


def _plot(x: np.ndarray, s: np.ndarray, ds: np.ndarray, p: np.ndarray, path: Path) -> Path:
    fig = figure(9.0, 3.6)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.4, 1])
    ax1.plot(x, s, lw=2, label="sigmoid(x) = 1 / (1 + e^-x)")
    ax1.plot(x, ds, lw=2, label="d sigmoid / dx, by backward()")
    ax1.plot(x[::12], (s * (1 - s))[::12], "k.", ms=4, label="s (1 - s)")
    ax1.axhline(0.5, color="grey", lw=0.5, ls=":")
    ax1.set_xlabel("x (score)")
    ax1.set_title("Sigmoid: a score becomes a probability")
    ax1.legend(fontsize=8, loc="center left")
    bars = ax2.bar(["class 0", "class 1", "class 2"], p, color=["#1f77b4", "#ff7f0e", "#2ca02c"])
    ax2.bar_label(bars, labels=[f"{v:.4f}" for v in p], fontsize=8)
    ax2.set_ylim(0, 0.8)
    ax2.set_title("softmax([0, 1, 2]) = softmax([1000, 1001, 1002])", fontsize=9)
    ax2.text(0.02, 0.95, "the naive version gives nan\nfor [1000, 1001, 1002]",
             transform=ax2.transAxes, va="top", fontsize=8, color="#d62728")
    return save_figure(fig, path)
