"""Notebook, section 3: the logistic-regression lab ("Putting it together").

Gradient descent on a two-feature set of 100 points, one point at a time, with the notebook's
update rule `weights -= learnrate * d_error * x` where d_error = -(y - output). It runs twice:

1. by hand with numpy, with the notebook's functions exactly as written;
2. with `backward()`: the same per-point steps, but the gradient of the notebook's error
   function -y ln(output) - (1 - y) ln(1 - output) comes from the engine.

The chain rule through ln and the sigmoid gives d error / d w = -(y - output) x, the
notebook's rule, so both runs end with the same weights (to rounding, < 1e-12). The picture
shows the boundary line every few epochs and the error curve.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn

from ._common import CLASS_COLORS, figure, out_dir, require_extras, save_figure, wrote

TITLE = "Notebook 3: the logistic-regression lab, by hand and with backward(): same weights"

DATA_SEED = 3
WEIGHT_SEED = 44  # the lab's np.random.seed(44)
EPOCHS = 100
LEARNRATE = 0.01


# -- the notebook's lab, verbatim ---------------------------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))

def output_formula(features, weights, bias):
    return sigmoid(np.dot(features, weights) + bias)

def error_formula(y, output):
    return - y*np.log(output) - (1 - y) * np.log(1-output)

def update_weights(x, y, weights, bias, learnrate):
    output = output_formula(x, weights, bias)
    d_error = -(y - output)
    weights -= learnrate * d_error * x
    bias -= learnrate * d_error
    return weights, bias
# -----------------------------------------------------------------------------------------------


def train_by_hand(
    features: np.ndarray, targets: np.ndarray, weights: np.ndarray, epochs: int, learnrate: float
) -> tuple[np.ndarray, float, list[float], list[tuple[np.ndarray, float]]]:
    """The lab's training loop: per-point updates, the mean error recorded every epoch."""
    weights = weights.copy()
    bias: float = 0
    errors, lines = [], []
    for e in range(epochs):
        for x, y in zip(features, targets, strict=True):
            weights, bias = update_weights(x, y, weights, bias, learnrate)
        out = output_formula(features, weights, bias)
        errors.append(float(np.mean(error_formula(targets, out))))
        if e % (epochs // 10) == 0 or e == epochs - 1:
            lines.append((weights.copy(), float(bias)))
    return weights, float(bias), errors, lines


def train_with_backward(
    features: np.ndarray, targets: np.ndarray, weights: np.ndarray, epochs: int, learnrate: float
) -> tuple[np.ndarray, float, list[float]]:
    """The same loop, with the gradient of the error function from backward()."""
    w = ag.tensor(weights.copy(), requires_grad=True, name="weights")
    b = ag.tensor(0.0, requires_grad=True, name="bias")
    errors = []
    for _ in range(epochs):
        for x, y in zip(features, targets, strict=True):
            output = (ag.tensor(x) @ w + b).sigmoid()
            error = -y * output.log() - (1 - y) * (1 - output).log()
            error.backward()
            assert w.grad is not None  # backward() filled in both gradients
            assert b.grad is not None
            with ag.no_grad():
                w -= learnrate * w.grad
                b -= learnrate * b.grad
            w.grad = b.grad = None
        with ag.no_grad():
            out = (ag.tensor(features) @ w + b).sigmoid()
            errors.append(float((-targets * out.log() - (1 - targets) * (1 - out).log()).mean().item()))
    return w.data.copy(), float(b.item()), errors


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    epochs = 30 if quick else EPOCHS
    features, labels = nn.make_separable(100, noise=0.1, margin=0.1, seed=DATA_SEED)
    targets = labels.astype(np.float64)
    weights0 = np.random.default_rng(WEIGHT_SEED).normal(scale=1 / features.shape[1] ** 0.5, size=2)
    print(f"data: nn.make_separable(100, noise=0.1, margin=0.1, seed={DATA_SEED}); "
          f"initial weights from seed {WEIGHT_SEED}: {weights0.tolist()}, bias 0")
    print(f"{epochs} epochs of per-point gradient descent, learnrate {LEARNRATE}")

    t0 = time.perf_counter()
    w_hand, b_hand, err_hand, lines = train_by_hand(features, targets, weights0, epochs, LEARNRATE)
    t_hand = time.perf_counter() - t0
    t0 = time.perf_counter()
    w_ag, b_ag, err_ag = train_with_backward(features, targets, weights0, epochs, LEARNRATE)
    t_ag = time.perf_counter() - t0

    diff = float(max(np.max(np.abs(w_hand - w_ag)), abs(b_hand - b_ag)))
    assert diff < 1e-12, f"the two runs should give the same weights, they differ by {diff}"
    err_diff = float(np.max(np.abs(np.array(err_hand) - np.array(err_ag))))
    accuracy = float(np.mean((output_formula(features, w_hand, b_hand) > 0.5) == targets))
    print(f"\n  {'':<16}{'weights':<46}bias")
    print(f"  {'by hand':<16}{w_hand.tolist()!s:<46}{b_hand!r}")
    print(f"  {'with backward()':<16}{w_ag.tolist()!s:<46}{b_ag!r}")
    print(f"  largest difference {diff:.1e} (weights and bias); error curves differ by at most "
          f"{err_diff:.1e}")
    print(f"  error {err_hand[0]:.4f} after epoch 1, {err_hand[-1]:.4f} after epoch {epochs}; "
          f"accuracy {accuracy:.0%}")
    print(f"  time: by hand {t_hand:.2f} s, with backward() {t_ag:.2f} s "
          f"({epochs * len(features)} steps each)")

    path = _plot(features, labels, lines, err_hand, err_ag, folder / "logistic_lab.png")
    wrote([path])
    return {
        "weights_by_hand": w_hand.tolist(),
        "bias_by_hand": b_hand,
        "weights_backward": w_ag.tolist(),
        "bias_backward": b_ag,
        "max_abs_diff": diff,
        "errors": err_hand,
        "accuracy": accuracy,
        "files": [path],
        "seconds": time.perf_counter() - start,
    }


def _plot(
    features: np.ndarray,
    labels: np.ndarray,
    lines: list[tuple[np.ndarray, float]],
    err_hand: list[float],
    err_ag: list[float],
    path: Path,
) -> Path:
    fig = figure(9.6, 4.0)
    ax1, ax2 = fig.subplots(1, 2)
    for k in (0, 1):
        ax1.scatter(*features[labels == k].T, s=16, c=CLASS_COLORS[k], label=f"y = {k}", zorder=3)
    xs = np.array([-0.2, 1.2])
    for i, (w, b) in enumerate(lines):
        last = i == len(lines) - 1
        shade = 0.25 + 0.6 * i / max(len(lines) - 1, 1)
        ax1.plot(xs, -(w[0] * xs + b) / w[1], color="k" if last else str(1 - shade),
                 lw=2 if last else 1, zorder=2 if last else 1)
    ax1.set_xlim(-0.2, 1.2)
    ax1.set_ylim(-0.2, 1.2)
    ax1.set_aspect("equal")
    ax1.set_title("Boundary w1 x1 + w2 x2 + b = 0, every few epochs", fontsize=10)
    ax1.legend(fontsize=8, loc="lower left")
    epochs = np.arange(1, len(err_hand) + 1)
    ax2.plot(epochs, err_hand, lw=3, color="#1f77b4", alpha=0.5, label="by hand (notebook)")
    ax2.plot(epochs, err_ag, "--", lw=1.5, color="k", label="with backward()")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("mean error (cross-entropy)")
    ax2.set_title("Error curve: the two runs coincide", fontsize=10)
    ax2.legend(fontsize=8)
    return save_figure(fig, path)
