"""The workloads as hand-written numpy: forward and backward by hand, no graph, no Tensor.

This is the physical limit of an engine built on numpy: the same arithmetic with none of the
bookkeeping. It keeps only what backward needs, fuses softmax with cross-entropy and updates the
parameters in place. Same interface as `ours.py` (``loss_and_grads``, ``step``, ``params``).
"""

from __future__ import annotations

import numpy as np
from workloads import Arrays, ChainSpec, MLPSpec


class Chain:
    """The chains of `ChainSpec`, with the derivative of each op written out in reverse."""

    def __init__(self, spec: ChainSpec) -> None:
        self.spec = spec
        self.inputs = spec.inputs()

    def _run(self) -> tuple[float, Arrays]:
        x = self.inputs["x"]
        h = x
        if not self.spec.block:  # h = tanh(h) + x
            ts = []
            for _ in range(self.spec.length):
                t = np.tanh(h)
                ts.append(t)
                h = t + x
            g = np.ones_like(h)  # d sum / d h
            gx = np.zeros_like(x)
            for t in reversed(ts):
                gx += g
                g = g * (1.0 - t * t)
            return float(h.sum()), {"x": gx + g}

        w, b, c = self.inputs["w"], self.inputs["b"], self.inputs["c"]
        saved = []
        for _ in range(self.spec.length):  # h = sigmoid(tanh(h * w + b) - x) / c
            t = np.tanh(h * w + b)
            s = 1.0 / (1.0 + np.exp(-(t - x)))
            out = s / c
            saved.append((h, t, s, out))
            h = out
        g = np.ones_like(h)
        gx, gw, gb, gc = (np.zeros_like(x) for _ in range(4))
        for h_in, t, s, out in reversed(saved):
            gc -= g * out / c
            gs = g / c * s * (1.0 - s)
            gx -= gs
            ga = gs * (1.0 - t * t)
            gb += ga
            gw += ga * h_in
            g = ga * w
        gx += g
        return float(h.sum()), {"x": gx, "w": gw, "b": gb, "c": gc}

    def step(self) -> None:
        self._run()

    def loss_and_grads(self) -> tuple[float, Arrays]:
        return self._run()

    def params(self) -> Arrays:
        return {k: v.copy() for k, v in self.inputs.items()}


class MLP:
    """The MLP of `MLPSpec`: layers z = h @ W + b, relu/tanh between them, hinge or softmax CE."""

    def __init__(self, spec: MLPSpec, params: Arrays, data: Arrays) -> None:
        self.spec = spec
        self.p = {k: v.copy() for k, v in params.items()}
        self.n_layers = len(spec.sizes) - 1
        self.X = data["X"]
        self.y = data["y"]
        self.onehot = data.get("onehot")

    def loss_and_grads(self) -> tuple[float, Arrays]:
        spec, p = self.spec, self.p
        n = spec.batch
        # forward, keeping each layer's input and (for hidden layers) its activation
        inputs, acts = [], []
        h = self.X
        for i in range(1, self.n_layers + 1):
            inputs.append(h)
            z = h @ p[f"W{i}"] + p[f"b{i}"]
            if i < self.n_layers:
                h = np.maximum(z, 0) if spec.activation == "relu" else np.tanh(z)
                acts.append(h)
            else:
                h = z
        scores = h

        if spec.loss == "hinge":
            margin = 1.0 - self.y * scores
            reg = sum(float((v * v).sum()) for v in p.values())
            loss = float(np.maximum(margin, 0).mean()) + spec.alpha * reg
            g = -(self.y * (margin > 0)) / n
        else:
            shifted = scores - scores.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            s = e.sum(axis=1, keepdims=True)
            loss = -float((shifted[np.arange(n), self.y] - np.log(s[:, 0])).sum()) / n
            g = (e / s - self.onehot) / n

        grads: Arrays = {}
        for i in range(self.n_layers, 0, -1):
            if i < self.n_layers:
                a = acts[i - 1]
                g = g * (a > 0) if spec.activation == "relu" else g * (1.0 - a * a)
            grads[f"W{i}"] = inputs[i - 1].T @ g
            grads[f"b{i}"] = g.sum(axis=0)
            if i > 1:
                g = g @ p[f"W{i}"].T
        if spec.loss == "hinge":
            for k, v in p.items():
                grads[k] += (2.0 * spec.alpha) * v
        return loss, grads

    def step(self) -> None:
        _, grads = self.loss_and_grads()
        lr = self.spec.lr
        for k, v in self.p.items():
            v -= lr * grads[k]

    def params(self) -> Arrays:
        return {k: v.copy() for k, v in self.p.items()}
