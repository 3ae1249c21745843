"""Notebook, section 2: probability and cross-entropy.

Cross-entropy is the sum of -ln(the probability the model gave to what happened). The
notebook's two examples use the same probabilities [0.8, 0.7, 0.1] with labels [1, 1, 0] (the
model is right about all three: 0.69) and [0, 0, 1] (wrong about all three: 5.12). Lower is
better because e^-CE is the probability the model gave to the labels we actually saw.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
from nn import functional as F  # noqa: N812 - PyTorch's convention

from ._common import compare, figure, out_dir, require_extras, save_figure, wrote

TITLE = "Notebook 2: cross-entropy, 0.69 and 5.12, and why lower is better"

PROBS = [0.8, 0.7, 0.1]
# labels -> the notebook's printed output (numpy's repr of 2017, 17 digits) and its float value
EXAMPLES: dict[tuple[int, ...], tuple[str, float]] = {
    (1, 1, 0): ("0.68517901091076849", 0.6851790109107685),
    (0, 0, 1): ("5.1159958097540823", 5.115995809754082),
}


def cross_entropy(Y, P):  # noqa: N803 - the notebook's code, verbatim
    lins = []

    # Loop through all probs and assign the inputs
    # to array
    for i, prob in enumerate(P):
        y_i = Y[i]
        lins.append(prob if y_i == 1 else 1-prob)

    return -np.log(lins).sum()


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    results: dict[str, Any] = {"examples": {}}
    rows = []
    for labels, (printed, value) in EXAMPLES.items():
        p = ag.tensor(PROBS, requires_grad=True, name="p")
        ours = F.binary_cross_entropy(p, list(labels), reduction="sum")
        ours.backward()
        assert p.grad is not None
        by_hand = -(ag.tensor(labels) * p.log() + (1 - ag.tensor(labels)) * (1 - p).log()).sum()
        rerun = float(cross_entropy(list(labels), PROBS))
        ce = ours.item()
        rows.append((f"labels {list(labels)}", printed, ce, abs(ce - value) < 1e-12))
        results["examples"][labels] = {
            "ours": ce,
            "by_hand": by_hand.item(),
            "notebook_rerun": rerun,
            "probability_of_labels": float(np.exp(-ce)),
            "grad": p.grad.data.tolist(),
        }
    compare("cross-entropy of the probabilities [0.8, 0.7, 0.1], F.binary_cross_entropy(p, y, "
            "reduction='sum')", rows)
    for labels, r in results["examples"].items():
        print(f"  labels {list(labels)}: the notebook's function re-run {r['notebook_rerun']!r}, "
              f"-sum(y ln p + (1-y) ln(1-p)) on tensors {r['by_hand']!r}")

    print("\nWhy lower is better: e^-CE is the probability the model gave to the labels we saw.")
    for labels, r in results["examples"].items():
        ps = [p if y == 1 else 1 - p for p, y in zip(PROBS, labels, strict=True)]
        prod = " x ".join(f"{v:.1f}" for v in ps)
        print(f"  labels {list(labels)}: {prod} = {np.prod(ps):.4f} = e^-{r['ours']:.4f}")
    print("\nAnd the gradient says how to lower it: d CE / d p_i = -1/p_i where y_i = 1, "
          "1/(1 - p_i) where y_i = 0.")
    for labels, r in results["examples"].items():
        grad = ", ".join(f"{g:+.3f}" for g in r["grad"])
        print(f"  labels {list(labels)}: p.grad = [{grad}]")

    path = _plot(results["examples"], folder / "cross_entropy.png")
    wrote([path])
    results["files"] = [path]
    results["seconds"] = time.perf_counter() - start
    return results


def _plot(examples: dict[tuple[int, ...], dict[str, Any]], path: Path) -> Path:
    fig = figure(6.4, 3.8)
    ax = fig.subplots()
    q = np.linspace(0.02, 1.0, 200)
    ax.plot(q, -np.log(q), color="grey", lw=1.5, label="-ln(q): the error of one point")
    markers: dict[tuple[int, ...], tuple[str, str]] = {
        (1, 1, 0): ("#2ca02c", "o"),
        (0, 0, 1): ("#d62728", "s"),
    }
    for labels, r in examples.items():
        color, marker = markers[labels]
        qs = np.array([p if y == 1 else 1 - p for p, y in zip(PROBS, labels, strict=True)])
        ax.plot(qs, -np.log(qs), marker, color=color, ms=8,
                label=f"labels {list(labels)}: CE = {r['ours']:.2f}")
        for v in qs:
            ax.annotate(f"{v:.1f}", (v, -np.log(v)), textcoords="offset points", xytext=(6, 4),
                        fontsize=8, color=color)
    ax.set_xlabel("q = the probability the model gave to the true label")
    ax.set_ylabel("-ln q")
    ax.set_title("Cross-entropy adds -ln q over the points: lower is better")
    ax.legend(fontsize=8)
    return save_figure(fig, path)
