"""A small CNN on the UCI 8x8 digits (the `digits` demo's data and split), beating its MLP.

Two blocks of Conv2d(3x3, padding 1) -> BatchNorm2d -> ReLU -> MaxPool2d(2) take the 8x8 image
to 32 feature maps of 2x2, and a Linear layer reads the 10 scores from them. Trained in float32
with Adam on minibatches of 64 and a cosine learning-rate schedule, on the same stratified
split as `digits` (80% to train, 20% to test); BatchNorm runs on batch statistics while training
and on its running statistics in eval mode, for the test. The picture shows the 16 learned 3x3
filters of the first convolution and what each makes of a test image.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention

from ._common import figure, out_dir, require_extras, save_figure, wrote
from .digits import SEED, fit, load

TITLE = "Handwritten digits with a small CNN (Conv2d, BatchNorm2d, MaxPool2d): learned filters"
MLP_TEST_ACCURACY = 0.964  # what the `digits` demo's MLP reaches on the same split


def make_model(rng: Any = SEED, dtype: Any = np.float32) -> nn.Sequential:
    """(N, 1, 8, 8) -> (N, 10) scores."""
    gen = np.random.default_rng(rng) if isinstance(rng, int) else rng
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, rng=gen, dtype=dtype),
        nn.BatchNorm2d(16, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, rng=gen, dtype=dtype),
        nn.BatchNorm2d(32, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10, rng=gen, dtype=dtype),
    )


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    x, y, train, test = load()
    images = x.reshape(-1, 1, 8, 8)
    ag.manual_seed(SEED)
    model = make_model()
    print(f"model: {model.num_parameters()} parameters, float32\n{model}")
    epochs = 6 if quick else 20
    t0 = time.perf_counter()
    losses = fit(model, images[train], y[train], epochs, quick)  # the digits demo's training
    train_seconds = time.perf_counter() - t0
    model.eval()
    with ag.no_grad():
        pred = model(images).data.argmax(axis=1)
    train_acc = float((pred[train] == y[train]).mean())
    test_acc = float((pred[test] == y[test]).mean())
    print(f"trained {epochs} epochs in {train_seconds:.2f} s")
    print(
        f"train accuracy {train_acc:.1%}, test accuracy {test_acc:.1%} "
        f"({int((pred[test] != y[test]).sum())} of {len(test)} test images wrong); "
        f"the MLP of `digits` gets {MLP_TEST_ACCURACY:.1%}"
    )
    first = model[0]
    filters = first.weight.data[:, 0]  # (16, 3, 3)
    sample = images[test][:1]
    with ag.no_grad():
        maps = F.relu(model[1](first(sample))).data[0]  # (16, 8, 8), in eval mode
    path = _plot(filters, sample[0, 0], maps, int(y[test][0]), test_acc, folder / "cnn_digits.png")
    wrote([path])
    return {
        "seed": SEED,
        "epochs": epochs,
        "losses": losses,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "mlp_test_accuracy": MLP_TEST_ACCURACY,
        "train_seconds": train_seconds,
        "filters": filters,
        "files": [path],
        "seconds": time.perf_counter() - start,
    }


def _plot(
    filters: np.ndarray, image: np.ndarray, maps: np.ndarray, label: int, acc: float, path: Path
) -> Path:
    fig = figure(11.0, 5.0)
    left, mid, right = fig.subfigures(1, 3, width_ratios=[1.0, 0.45, 1.0])
    lim = float(np.abs(filters).max())
    cells = left.subplots(4, 4)
    for k, cell in enumerate(cells.ravel()):
        cell.imshow(filters[k], cmap="RdBu_r", vmin=-lim, vmax=lim)
        cell.set_xticks([])
        cell.set_yticks([])
        cell.set_title(f"filter {k}", fontsize=7)
    left.suptitle(
        "The 16 learned 3x3 filters of the first Conv2d\n(red positive, blue negative)", fontsize=10
    )
    ax = mid.subplots()
    ax.imshow(image, cmap="gray_r")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"a test image ({label})", fontsize=9)
    mid.suptitle(f"test accuracy {acc:.1%}", fontsize=10)
    cells = right.subplots(4, 4)
    for k, cell in enumerate(cells.ravel()):
        cell.imshow(maps[k], cmap="magma")
        cell.set_xticks([])
        cell.set_yticks([])
        cell.set_title(f"map {k}", fontsize=7)
    right.suptitle("What each filter makes of it\n(after BatchNorm and ReLU)", fontsize=10)
    return save_figure(fig, path)
