"""The workloads in PyTorch eager mode (CPU), written as the same program as `ours.py`.

Only imported when torch is installed; the benchmark never requires it. The program is the same
op for op (``x @ W + b``, ``relu``, ``log_softmax``, the update ``p -= lr * p.grad`` under
``no_grad``), so the comparison measures the engines, not different models.
"""

from __future__ import annotations

import torch
from workloads import Arrays, ChainSpec, MLPSpec


def _leaf(a: object) -> torch.Tensor:
    return torch.tensor(a, requires_grad=True)


class Chain:
    """The chains of `ChainSpec`, float64 like ours."""

    def __init__(self, spec: ChainSpec) -> None:
        self.spec = spec
        self.inputs = {k: _leaf(v) for k, v in spec.inputs().items()}

    def _run(self) -> torch.Tensor:
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
        return float(out.item()), {k: t.grad.numpy().copy() for k, t in self.inputs.items()}

    def params(self) -> Arrays:
        return {k: t.detach().numpy().copy() for k, t in self.inputs.items()}


class MLP:
    """The MLP of `MLPSpec`, parameters W (in, out) and b as leaf tensors."""

    def __init__(self, spec: MLPSpec, params: Arrays, data: Arrays) -> None:
        self.spec = spec
        self.p = {k: _leaf(v) for k, v in params.items()}
        self.layers = [(self.p[f"W{i}"], self.p[f"b{i}"]) for i in range(1, len(spec.sizes))]
        self.X = torch.tensor(data["X"])
        self.y = torch.tensor(data["y"]) if spec.loss == "hinge" else None
        self.onehot = torch.tensor(data["onehot"]) if spec.loss == "ce" else None

    def loss(self) -> torch.Tensor:
        h = self.X
        last = len(self.layers) - 1
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < last:
                h = h.relu() if self.spec.activation == "relu" else h.tanh()
        if self.spec.loss == "hinge":
            data_loss = (1.0 - self.y * h).relu().mean()
            params = list(self.p.values())
            reg = (params[0] * params[0]).sum()
            for p in params[1:]:
                reg = reg + (p * p).sum()
            return data_loss + self.spec.alpha * reg
        logp = h.log_softmax(dim=1)
        return -(logp * self.onehot).sum() / self.spec.batch

    def loss_and_grads(self) -> tuple[float, Arrays]:
        for p in self.p.values():
            p.grad = None
        loss = self.loss()
        loss.backward()
        grads = {k: p.grad.numpy().copy() for k, p in self.p.items()}
        for p in self.p.values():
            p.grad = None
        return float(loss.item()), grads

    def step(self) -> None:
        loss = self.loss()
        loss.backward()
        lr = self.spec.lr
        with torch.no_grad():
            for p in self.p.values():
                p -= lr * p.grad
                p.grad = None

    def params(self) -> Arrays:
        return {k: p.detach().numpy().copy() for k, p in self.p.items()}
