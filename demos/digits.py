"""A real dataset: the UCI 8x8 handwritten digits (1,797 images, shipped in demos/data/).

A fixed, stratified split keeps 20% of each digit for testing. An MLP with one hidden layer of
64 ReLU units is trained in float32 with Adam on minibatches of 64, with a cosine learning-rate
schedule; it reaches about 98% test accuracy in well under a second. The picture is the
confusion matrix next to some of the test images it gets wrong.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention

from ._common import figure, out_dir, progress, require_extras, save_figure, wrote

TITLE = "Handwritten digits (UCI 8x8): an MLP in float32 to >= 95% test accuracy, confusion matrix"
SEED = 0
TEST_FRACTION = 0.2


def split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified split: the same fraction of every class goes to the test set."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for k in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == k))
        n_test = round(len(idx) * TEST_FRACTION)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits as float32 pixels x (1797, 64), labels y, and the indices of the fixed
    stratified split (train, test); shared with the `cnn-digits` demo."""
    x, y = nn.load_digits()
    train, test = split(y, SEED)
    print(f"seed: {SEED}; {len(x)} images of 8x8 pixels, {len(train)} to train, {len(test)} to test")
    return x.astype(np.float32), y, train, test


def fit(model: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, quick: bool) -> list[float]:
    """Train `model` (in training mode) on (x, y) with cross-entropy, Adam (lr 0.01) on shuffled
    minibatches of 64 and a cosine learning-rate schedule; the mean loss of every epoch."""
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    sched = nn.optim.CosineAnnealingLR(opt, T_max=epochs, eta_min=1e-4)
    loader = nn.DataLoader(x, y, batch_size=64, shuffle=True, seed=SEED)
    bar = progress(range(epochs), desc="training", enabled=not quick)
    losses = []
    model.train()
    for _ in bar:
        total = 0.0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        sched.step()
        losses.append(total / len(x))
        bar.set_postfix(loss=f"{losses[-1]:.4f}", refresh=False)
    return losses


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    x, y, train, test = load()
    model = nn.MLP(64, [64, 10], activation="relu", rng=SEED, dtype=np.float32)
    print(f"model: {model.num_parameters()} parameters, float32\n{model}")
    epochs = 20
    t0 = time.perf_counter()
    fit(model, x[train], y[train], epochs, quick)
    train_seconds = time.perf_counter() - t0
    with ag.no_grad():
        logits = model(x)
    pred = logits.data.argmax(axis=1)
    train_acc = float((pred[train] == y[train]).mean())
    test_acc = float((pred[test] == y[test]).mean())
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (y[test], pred[test]), 1)
    print(f"trained {epochs} epochs in {train_seconds:.2f} s; dtype {logits.dtype}")
    print(f"train accuracy {train_acc:.1%}, test accuracy {test_acc:.1%} "
          f"({int((pred[test] != y[test]).sum())} of {len(test)} test images wrong)")
    path = _plot(confusion, x[test], y[test], pred[test], test_acc, folder / "digits.png")
    wrote([path])
    return {
        "seed": SEED,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "train_seconds": train_seconds,
        "dtype": str(logits.dtype),
        "confusion": confusion,
        "files": [path],
        "seconds": time.perf_counter() - start,
    }


def _plot(confusion: np.ndarray, images: np.ndarray, labels: np.ndarray, pred: np.ndarray,
          acc: float, path: Path) -> Path:
    fig = figure(10.0, 4.6)
    left, right = fig.subfigures(1, 2, width_ratios=[1.15, 1])
    ax = left.subplots()
    ax.imshow(confusion, cmap="Blues")
    for i in range(10):
        for j in range(10):
            if confusion[i, j]:
                color = "white" if confusion[i, j] > confusion.max() / 2 else "black"
                ax.text(j, i, str(confusion[i, j]), ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"Confusion matrix on the test set ({acc:.1%} right)", fontsize=10)
    wrong = np.flatnonzero(pred != labels)[:12]
    cells = right.subplots(3, 4)
    for cell in cells.ravel():
        cell.axis("off")
    for cell, i in zip(cells.ravel(), wrong, strict=False):
        cell.axis("on")
        cell.set_xticks([])
        cell.set_yticks([])
        cell.imshow(images[i].reshape(8, 8), cmap="gray_r")
        cell.set_title(f"{labels[i]} read as {pred[i]}", fontsize=8)
    right.suptitle("Test images it gets wrong", fontsize=10)
    return save_figure(fig, path)
