"""The main demo: train an MLP on the two moons, then look at what it learned.

`python -m demos` (or `python -m demos moons`) trains `nn.MLP(2, [16, 16, 1])` with ReLU and Adam
on 200 points in minibatches, with a progress bar showing the loss and the accuracy (the step
is compiled with `ag.compile`: it runs as generated numpy after its first call), and writes

- `moons_boundary.png`: the decision boundary and the model's probability over the plane;
- `moons_loss.png`: the loss and accuracy curves;
- `moons_graph.svg`: the computation graph of one training example, with values and gradients
  (drawn with `ag.draw`; the DOT text instead if no Graphviz renderer is installed);
- `moons_network.svg`: the trained network as neurons and weights (`ag.draw_network`), with the
  example's activations in the neurons.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention

from ._common import (
    CLASS_COLORS,
    figure,
    grid,
    out_dir,
    progress,
    require_extras,
    save_figure,
    save_graph,
    wrote,
)

TITLE = "Train an MLP on the two moons: decision boundary, loss curve, graph of one example"
SEED = 0


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with ag.no_grad():
        return float(((model(x).data.reshape(-1) > 0) == y).mean())


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    print(f"seed: {SEED} (data, weights and minibatch order)")
    x, y = nn.make_moons(200, noise=0.1, seed=SEED)
    x_test, y_test = nn.make_moons(200, noise=0.1, seed=SEED + 1)
    model = nn.MLP(2, [16, 16, 1], activation="relu", rng=SEED)
    print(f"model: {model.num_parameters()} parameters\n{model}")
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    loader = nn.DataLoader(x, y, batch_size=32, shuffle=True, seed=SEED)
    epochs = 40 if quick else 60

    @ag.compile  # traced on the first call, then run as generated numpy (docs/compile.md)
    def train_step(xb: Any, yb: Any) -> ag.Tensor:
        loss = F.binary_cross_entropy_with_logits(model(xb).reshape(-1), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    losses: list[float] = []
    accuracies: list[float] = []
    bar = progress(range(epochs), desc="training", enabled=not quick)
    for _ in bar:
        for xb, yb in loader:
            losses.append(train_step(xb, yb).item())
        accuracies.append(accuracy(model, x, y))
        epoch_loss = float(np.mean(losses[-len(loader) :]))
        bar.set_postfix(loss=f"{epoch_loss:.4f}", accuracy=f"{accuracies[-1]:.1%}", refresh=False)
    train_acc, test_acc = accuracies[-1], accuracy(model, x_test, y_test)
    print(f"train accuracy {train_acc:.1%}, test accuracy {test_acc:.1%} (200 new points)")

    files = [
        _plot_boundary(model, x, y, folder / "moons_boundary.png", quick),
        _plot_curves(losses, accuracies, len(loader), folder / "moons_loss.png"),
        _graph_of_one_example(model, x[:1], y[:1], folder / "moons_graph.svg"),
        # After the one example's backward(): its activations in the neurons, dloss/dw in tooltips.
        ag.draw_network(model, x[0], loss_name="loss", title=f"The trained MLP on x = {x[0].round(2)}").save(
            folder / "moons_network.svg"
        ),
    ]
    seconds = time.perf_counter() - start
    wrote(files)
    return {
        "seed": SEED,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "final_loss": losses[-1],
        "steps": len(losses),
        "files": files,
        "seconds": seconds,
    }


def _plot_boundary(model: nn.Module, x: np.ndarray, y: np.ndarray, path: Path, quick: bool) -> Path:
    xx, yy, pts = grid(x, 100 if quick else 250)
    with ag.no_grad():
        prob = model(pts).sigmoid().data.reshape(xx.shape)
    fig = figure(6.0, 4.6)
    ax = fig.subplots()
    cs = ax.contourf(xx, yy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
    ax.contour(xx, yy, prob, levels=[0.5], colors="k", linewidths=1.5)
    for k in (0, 1):
        ax.scatter(*x[y == k].T, s=14, c=CLASS_COLORS[k], edgecolors="white", linewidths=0.4,
                   label=f"class {k}")
    fig.colorbar(cs, ax=ax, label="P(class 1)")
    ax.set_title("MLP(2, [16, 16, 1]) on the two moons: boundary P = 0.5")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_aspect("equal")
    return save_figure(fig, path)


def _plot_curves(losses: list[float], accuracies: list[float], per_epoch: int, path: Path) -> Path:
    fig = figure(6.0, 3.6)
    ax = fig.subplots()
    steps = np.arange(1, len(losses) + 1)
    ax.semilogy(steps, losses, color="#1f77b4", lw=0.6, alpha=0.45, label="minibatch loss")
    epoch_ends = np.arange(1, len(accuracies) + 1) * per_epoch
    epoch_means = np.array(losses).reshape(len(accuracies), per_epoch).mean(axis=1)
    ax.semilogy(epoch_ends, epoch_means, color="#1f77b4", lw=2, label="epoch mean")
    ax.set_xlabel("step (minibatch of 32)")
    ax.set_ylabel("binary cross-entropy (log scale)", color="#1f77b4")
    ax.legend(loc="center right", fontsize=8)
    ax2 = ax.twinx()
    ax2.plot(epoch_ends, np.array(accuracies) * 100, color="#d62728", lw=1.5, label="train accuracy")
    ax2.set_ylabel("train accuracy (%)", color="#d62728")
    ax2.set_ylim(40, 101)
    ax.set_title("Training: loss per step, accuracy per epoch")
    return save_figure(fig, path)


def _graph_of_one_example(model: nn.Module, x1: np.ndarray, y1: np.ndarray, path: Path) -> Path:
    """One example through the trained model: every op, value and gradient, module by module."""
    model.zero_grad()
    x, y = ag.tensor(x1, name="x"), ag.tensor(y1.astype(x1.dtype), name="y")
    logits = model(x).reshape(-1)
    loss = F.binary_cross_entropy_with_logits(logits, y)
    loss.name = "loss"
    loss.backward()
    return save_graph(ag.draw(loss), path)
