"""The workloads written with our engine, as a user would write them: raw Tensors, no `nn`.

Each model has the same three methods as its numpy and PyTorch twins:

- ``loss_and_grads()``: forward and backward once; returns the loss and every gradient as numpy
  arrays, without updating anything (the correctness check);
- ``step()``: what is timed (for an MLP: forward, backward, SGD update, forget the gradients);
- ``params()``: the current parameter values as numpy arrays.

`NNMLP` is the same MLP built from ``nn.Linear`` when the `nn` package provides it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from workloads import Arrays, ChainSpec, MLPSpec

import autograd as ag


@contextmanager
def default_dtype(dtype: Any) -> Iterator[None]:
    """Run a block with `ag.set_default_dtype(dtype)`, restoring the previous default after."""
    previous = ag.get_default_dtype()
    ag.set_default_dtype(dtype)
    try:
        yield
    finally:
        ag.set_default_dtype(previous)


class Chain:
    """The per-op block chain or the long chain of `ChainSpec`, built and backpropagated."""

    def __init__(self, spec: ChainSpec) -> None:
        self.spec = spec
        self.inputs = {k: ag.Tensor(v, requires_grad=True) for k, v in spec.inputs().items()}

    def _run(self) -> ag.Tensor:
        for t in self.inputs.values():
            t.grad = None
        x = self.inputs["x"]
        h = x
        if self.spec.block:
            w, b, c = self.inputs["w"], self.inputs["b"], self.inputs["c"]
            for _ in range(self.spec.length):
                h = ((h * w + b).tanh() - x).sigmoid() / c
        else:
            for _ in range(self.spec.length):
                h = h.tanh() + x
        out = h.sum()
        out.backward()
        return out

    def step(self) -> None:
        self._run()

    def loss_and_grads(self) -> tuple[float, Arrays]:
        out = self._run()
        return float(out.item()), {k: t.grad.data.copy() for k, t in self.inputs.items()}

    def params(self) -> Arrays:
        return {k: t.data.copy() for k, t in self.inputs.items()}


class MLP:
    """An MLP of `MLPSpec` with parameters W1, b1, W2, ... as leaf Tensors."""

    def __init__(self, spec: MLPSpec, params: Arrays, data: Arrays) -> None:
        self.spec = spec
        self.p = {k: ag.Tensor(v, requires_grad=True) for k, v in params.items()}
        self.layers = [(self.p[f"W{i}"], self.p[f"b{i}"]) for i in range(1, len(spec.sizes))]
        self.X = ag.Tensor(data["X"])
        self.y = ag.Tensor(data["y"]) if spec.loss == "hinge" else None
        self.onehot = ag.Tensor(data["onehot"]) if spec.loss == "ce" else None

    def logits(self) -> ag.Tensor:
        h = self.X
        last = len(self.layers) - 1
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < last:
                h = h.relu() if self.spec.activation == "relu" else h.tanh()
        return h

    def loss(self) -> ag.Tensor:
        scores = self.logits()
        if self.spec.loss == "hinge":
            data_loss = (1.0 - self.y * scores).relu().mean()
            params = list(self.p.values())
            reg = (params[0] * params[0]).sum()
            for p in params[1:]:
                reg = reg + (p * p).sum()
            return data_loss + self.spec.alpha * reg
        logp = scores.log_softmax(axis=1)
        return -(logp * self.onehot).sum() / self.spec.batch

    def loss_and_grads(self) -> tuple[float, Arrays]:
        for p in self.p.values():
            p.grad = None
        loss = self.loss()
        loss.backward()
        grads = {k: p.grad.data.copy() for k, p in self.p.items()}
        for p in self.p.values():
            p.grad = None
        return float(loss.item()), grads

    def step(self) -> None:
        loss = self.loss()
        loss.backward()
        lr = self.spec.lr
        with ag.no_grad():
            for p in self.p.values():
                p -= lr * p.grad
                p.grad = None

    def params(self) -> Arrays:
        return {k: p.data.copy() for k, p in self.p.items()}


def nn_available() -> str | None:
    """None when `nn.Linear` can be used; otherwise why not."""
    try:
        import nn
    except ImportError as e:
        return f"cannot import nn ({e})"
    if not hasattr(nn, "Linear"):
        return "nn has no Linear yet"
    return None


class NNMLP(MLP):
    """The same MLP with each layer an ``nn.Linear``; our parameter values are copied in.

    Only the layers come from `nn` (loss and update stay as in `MLP`), so this row measures what
    the Module layer adds. Linear's weight may be stored (in, out) or (out, in); both work.
    """

    def __init__(self, spec: MLPSpec, params: Arrays, data: Arrays) -> None:
        import nn

        super().__init__(spec, params, data)
        self.modules = []
        for i, (n_in, n_out) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:], strict=True), 1):
            layer = nn.Linear(n_in, n_out)
            w, b = params[f"W{i}"], params[f"b{i}"]
            weight, bias = layer.weight, layer.bias
            # NOTE: C order, as nn would allocate it; w.T.astype() would keep w's column order,
            # and an update p -= lr * p.grad across mismatched layouts is several times slower.
            weight.data = np.ascontiguousarray(w if weight.shape == w.shape else w.T, dtype=spec.dtype)
            bias.data = np.ascontiguousarray(b.reshape(bias.shape), dtype=spec.dtype)
            self.p[f"W{i}"], self.p[f"b{i}"] = weight, bias
            self.modules.append(layer)
        self.transposed = [m.weight.shape != params[f"W{i}"].shape for i, m in enumerate(self.modules, 1)]

    def logits(self) -> ag.Tensor:
        h = self.X
        last = len(self.modules) - 1
        for i, layer in enumerate(self.modules):
            h = layer(h)
            if i < last:
                h = h.relu() if self.spec.activation == "relu" else h.tanh()
        return h

    def _as_ours(self, arrays: Arrays) -> Arrays:
        """Weights and their gradients in our (in, out) layout."""
        out = dict(arrays)
        for i, t in enumerate(self.transposed, 1):
            if t:
                out[f"W{i}"] = out[f"W{i}"].T
            out[f"b{i}"] = out[f"b{i}"].reshape(-1)
        return out

    def loss_and_grads(self) -> tuple[float, Arrays]:
        loss, grads = super().loss_and_grads()
        return loss, self._as_ours(grads)

    def params(self) -> Arrays:
        return self._as_ours(super().params())
