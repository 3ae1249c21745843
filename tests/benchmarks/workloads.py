"""What the benchmark measures: the models, their sizes and their data, engine-independent.

Every engine (ours in `ours.py`, hand-written numpy in `numpy_ref.py`, PyTorch in `torch_ref.py`)
builds the same program from these specs and the same starting arrays, so their losses and
gradients can be compared before anything is timed.

The programs:

- `ChainSpec` with ``block=True``: the per-op workload. ``blocks`` repetitions of six ops on shape
  (4,) tensors, ``h = ((h * w + b).tanh() - x).sigmoid() / c``, then ``h.sum()``.
- `ChainSpec` with ``block=False``: a long chain, ``h = h.tanh() + x`` repeated (two ops each),
  then ``h.sum()``. Bounded for any length: tanh keeps h in (-1, 1) before x is added.
- `MLPSpec`: an MLP ``h = act(h @ W + b)`` with a linear last layer, trained by one SGD step.
  ``loss="hinge"`` is micrograd's demo (labels -1/+1, ``mean(relu(1 - y * score))`` plus
  ``alpha * sum(p * p)`` over all parameters); ``loss="ce"`` is softmax cross-entropy,
  ``-sum(onehot * log_softmax(logits)) / n``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class ChainSpec:
    """A chain of elementwise ops on small tensors; `ops` counts every recorded op."""

    length: int  # blocks (block=True) or steps of two ops (block=False)
    block: bool
    shape: tuple[int, ...] = (4,)
    seed: int = 0

    @property
    def ops(self) -> int:
        per = 6 if self.block else 2
        return per * self.length + 1  # + the final sum

    def inputs(self) -> Arrays:
        """x, w, b, c for the per-op block; only x for the long chain. All float64."""
        rng = np.random.default_rng(self.seed)
        arrays = {"x": rng.uniform(-1.0, 1.0, self.shape)}
        if self.block:
            arrays["w"] = rng.uniform(0.5, 1.5, self.shape)
            arrays["b"] = rng.uniform(-0.5, 0.5, self.shape)
            arrays["c"] = rng.uniform(0.5, 1.5, self.shape)  # a divisor: kept away from 0
        return arrays


@dataclass(frozen=True)
class MLPSpec:
    """An MLP with `sizes` = (inputs, hidden..., outputs), trained one SGD step at a time."""

    sizes: tuple[int, ...]
    batch: int
    dtype: Any
    loss: str  # "hinge" (micrograd's demo, sizes[-1] == 1) or "ce" (softmax cross-entropy)
    activation: str = "relu"
    lr: float = 0.05
    alpha: float = 1e-4  # L2 weight of the hinge loss
    seed: int = 0
    param_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = []
        for i in range(1, len(self.sizes)):
            names += [f"W{i}", f"b{i}"]
        object.__setattr__(self, "param_names", tuple(names))

    @property
    def label(self) -> str:
        dt = np.dtype(self.dtype).name
        return f"MLP {'-'.join(map(str, self.sizes))}, batch {self.batch}, {dt}, {self.loss}"

    def params(self) -> Arrays:
        """He-initialised weights (in, out) and small biases, in the spec's dtype."""
        rng = np.random.default_rng(self.seed)
        out: Arrays = {}
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), 1):
            out[f"W{i}"] = (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(self.dtype)
            out[f"b{i}"] = (rng.standard_normal(n_out) * 0.1).astype(self.dtype)
        return out

    def data(self) -> Arrays:
        """X (batch, inputs) and the targets: y in {-1, +1} (batch, 1) for hinge; for ce the
        class indices y (batch,) and their one-hot matrix onehot (batch, classes)."""
        rng = np.random.default_rng(self.seed + 1)
        if self.loss == "hinge":
            x, y = make_moons(self.batch, rng)
            return {"X": x.astype(self.dtype), "y": (2.0 * y - 1.0).astype(self.dtype)[:, None]}
        k = self.sizes[-1]
        x = rng.standard_normal((self.batch, self.sizes[0])).astype(self.dtype)
        y = rng.integers(0, k, self.batch)
        onehot = np.zeros((self.batch, k), dtype=self.dtype)
        onehot[np.arange(self.batch), y] = 1.0
        return {"X": x, "y": y, "onehot": onehot}


def make_moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (micrograd's demo data): X (n, 2), y (n,) in {0, 1}."""
    n_top = n // 2
    t_top = np.linspace(0.0, np.pi, n_top)
    t_bottom = np.linspace(0.0, np.pi, n - n_top)
    x = np.concatenate(
        [
            np.stack([np.cos(t_top), np.sin(t_top)], axis=1),
            np.stack([1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_top), np.ones(n - n_top)])
    x += rng.normal(0.0, noise, x.shape)
    order = rng.permutation(n)
    return x[order], y[order]


def tolerances(dtype: Any) -> tuple[float, float]:
    """(rtol, atol relative to the reference's largest magnitude) for comparing engines.

    float64: the engines differ only in summation order. float32: BLAS kernels sum thousands of
    products in different orders, so a few units in the 4th significant digit are expected.
    """
    return (1e-8, 1e-10) if np.dtype(dtype) == np.float64 else (2e-3, 2e-4)
