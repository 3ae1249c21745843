"""MLP: a multi-layer perceptron, with micrograd's signature `MLP(2, [16, 16, 1])`.

>>> import nn
>>> nn.MLP(2, [16, 16, 1], activation="relu", rng=0)
MLP(
  (layers.0): Layer(in_features=2, out_features=16, bias=True, activation='relu')
  (layers.1): Layer(in_features=16, out_features=16, bias=True, activation='relu')
  (layers.2): Layer(in_features=16, out_features=1, bias=True, activation='identity')
)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.random import resolve

from .activations import Activation
from .layers import Layer
from .module import Module

Rng = np.random.Generator | int | None


class MLP(Module):
    """Layers of neurons: n_inputs -> sizes[0] -> ... -> sizes[-1].

    Every hidden layer applies `activation` (sigmoid by default, as the course's neurons); the
    last applies `output_activation` (None: the raw scores, which the losses `*_with_logits` and
    `cross_entropy` expect). All weights are drawn from one generator, `rng`.

    x: (..., n_inputs) -> (..., sizes[-1]).
    """

    def __init__(
        self,
        n_inputs: int,
        sizes: Sequence[int],
        activation: Activation = "sigmoid",
        output_activation: Activation = None,
        bias: bool = True,
        rng: Rng = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(sizes, (int, np.integer)) or len(sizes) == 0:
            raise ValueError(
                f"MLP: sizes must be a non-empty list of layer widths, e.g. [16, 16, 1], got {sizes!r}"
            )
        gen = resolve(rng)  # one generator for all layers, so they differ
        dims = [n_inputs, *sizes]
        last = len(sizes) - 1
        self.layers = [
            Layer(
                dims[i],
                dims[i + 1],
                activation=output_activation if i == last else activation,
                bias=bias,
                rng=gen,
                dtype=dtype,
            )
            for i in range(len(sizes))
        ]

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x
