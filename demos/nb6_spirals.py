"""Notebook, section 6: multi-class classification with softmax.

"You can get a neural network to do multi-class classification by expanding the number of
output nodes to represent the probability of each class." Three interleaved spirals: the
network has three outputs, softmax turns them into probabilities, and cross-entropy (the
notebook's error, one term per class) is minimised. A linear softmax classifier draws three
straight wedges and gets about half right; one hidden layer more bends them around the arms.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention

from ._common import CLASS_COLORS, figure, grid, out_dir, require_extras, save_figure, wrote

TITLE = "Notebook 6: multi-class softmax classifier on three spirals, decision regions"
SEED = 0


def train(model: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int) -> list[float]:
    """Adam on cross-entropy (softmax + -ln p of the true class), 3 minibatches an epoch."""
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    sched = nn.optim.CosineAnnealingLR(opt, T_max=epochs, eta_min=1e-3)
    loader = nn.DataLoader(x, y, batch_size=100, shuffle=True, seed=SEED)
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
    return losses


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with ag.no_grad():
        return float((model(x).data.argmax(axis=1) == y).mean())


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    x, y = nn.make_spirals(300, n_classes=3, noise=0.2, seed=SEED)
    print(f"seed: {SEED}; data: nn.make_spirals(300, n_classes=3, noise=0.2)")
    epochs = 100
    linear = nn.Linear(2, 3, rng=SEED)
    mlp = nn.MLP(2, [64, 64, 3], activation="relu", rng=SEED)
    train(linear, x, y, epochs)
    losses = train(mlp, x, y, epochs)
    acc_linear, acc_mlp = accuracy(linear, x, y), accuracy(mlp, x, y)
    with ag.no_grad():
        probs = mlp(x[:3]).softmax().data
    print(f"{epochs} epochs of Adam on F.cross_entropy (softmax inside), minibatches of 100")
    print(f"  linear softmax classifier nn.Linear(2, 3):       train accuracy {acc_linear:.1%}")
    print(f"  with hidden layers nn.MLP(2, [64, 64, 3], relu): train accuracy {acc_mlp:.1%}")
    print("  class probabilities (softmax of the outputs) of the first three points:")
    for p, label in zip(probs, y[:3], strict=True):
        print(f"    {np.round(p, 4).tolist()}  true class {label}")
    path = _plot([linear, mlp], [acc_linear, acc_mlp], x, y, folder / "spirals.png", quick)
    wrote([path])
    return {
        "seed": SEED,
        "accuracy_linear": acc_linear,
        "accuracy": acc_mlp,
        "final_loss": losses[-1],
        "files": [path],
        "seconds": time.perf_counter() - start,
    }


def _plot(models: list[nn.Module], accs: list[float], x: np.ndarray, y: np.ndarray, path: Path,
          quick: bool) -> Path:
    from matplotlib.colors import ListedColormap

    xx, yy, pts = grid(x, 100 if quick else 250, pad=0.2)
    fig = figure(9.0, 4.4)
    axes = fig.subplots(1, 2)
    names = ["linear softmax: nn.Linear(2, 3)", "nn.MLP(2, [64, 64, 3])"]
    cmap = ListedColormap(CLASS_COLORS[:3])
    for ax, model, acc, name in zip(axes, models, accs, names, strict=True):
        with ag.no_grad():
            regions = model(pts).data.argmax(axis=1).reshape(xx.shape)
        ax.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap=cmap, alpha=0.3)
        for k in range(3):
            ax.scatter(*x[y == k].T, s=10, c=CLASS_COLORS[k], label=f"class {k}")
        ax.set_title(f"{name}: {acc:.0%} right", fontsize=10)
        ax.set_aspect("equal")
        ax.set_xticks([-1, -0.5, 0, 0.5, 1])
        ax.set_yticks([-1, -0.5, 0, 0.5, 1])
    axes[0].legend(fontsize=8, loc="lower left")
    fig.suptitle("Decision regions: argmax of the softmax probabilities", fontsize=11)
    return save_figure(fig, path)
