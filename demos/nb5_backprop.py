"""Notebook, section 5: feedforward through a 2-layer network, and backpropagation.

The course's network: inputs x1, x2; a hidden layer of two sigmoid units

    h1 = W11 x1 + W21 x2 + b1,   s1 = sigmoid(h1)
    h2 = W12 x1 + W22 x2 + b2,   s2 = sigmoid(h2)

and an output unit  h = V1 s1 + V2 s2 + c,  y_hat = sigmoid(h),  with the error
E = -y ln(y_hat) - (1 - y) ln(1 - y_hat). The notebook derives, by the chain rule,

    dE/dW11 = dE/dy_hat * dy_hat/dh * dh/ds1 * ds1/dh1 * dh1/dW11
            = -(y - y_hat) * V1 * s1 (1 - s1) * x1

`ag.explain(E, W11)` writes out exactly this product, edge by edge, with each local
derivative's formula and value, and checks the result against the engine's gradient. The same
network as `nn.MLP(2, [2, 1])` gives the same number in `layers.0.weight.grad[0, 0]`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention

from ._common import compare, out_dir, save_graph, wrote

TITLE = "Notebook 5: feedforward and backprop in a 2-layer network, dE/dW11 with ag.explain"

# The values used throughout (x, the label, and the weights), chosen to give readable numbers.
X1, X2, Y = 0.4, 0.6, 1.0
W = {"W11": 2.0, "W21": 6.0, "b1": -2.0, "W12": 3.0, "W22": 5.0, "b2": -2.2}
V = {"V1": 1.5, "V2": -0.5, "c": -0.3}


def by_hand() -> dict[str, float]:
    """Feedforward and the notebook's formula for dE/dW11, in plain numpy floats."""
    def sigmoid(z: float) -> float:
        return float(1 / (1 + np.exp(-z)))

    h1 = W["W11"] * X1 + W["W21"] * X2 + W["b1"]
    h2 = W["W12"] * X1 + W["W22"] * X2 + W["b2"]
    s1, s2 = sigmoid(h1), sigmoid(h2)
    y_hat = sigmoid(V["V1"] * s1 + V["V2"] * s2 + V["c"])
    error = float(-Y * np.log(y_hat) - (1 - Y) * np.log(1 - y_hat))
    d_w11 = -(Y - y_hat) * V["V1"] * s1 * (1 - s1) * X1
    return {"s1": s1, "s2": s2, "y_hat": y_hat, "E": error, "dE/dW11": d_w11}


def network() -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """The same network with one scalar tensor per weight, named as in the course."""
    x1, x2 = ag.tensor(X1, name="x1"), ag.tensor(X2, name="x2")
    p = {k: ag.tensor(v, requires_grad=True, name=k) for k, v in {**W, **V}.items()}
    h1 = p["W11"] * x1 + p["W21"] * x2 + p["b1"]
    h2 = p["W12"] * x1 + p["W22"] * x2 + p["b2"]
    h1.name, h2.name = "h1", "h2"
    s1, s2 = h1.sigmoid(), h2.sigmoid()
    s1.name, s2.name = "s1", "s2"
    h = p["V1"] * s1 + p["V2"] * s2 + p["c"]
    h.name = "h"
    y_hat = h.sigmoid()
    y_hat.name = "y_hat"
    # The fused binary cross-entropy is one op whose local derivative is dE/dy_hat.
    error = F.binary_cross_entropy(y_hat, ag.tensor(Y, name="y"), reduction="none")
    error.name = "E"
    return error, p


def as_mlp() -> tuple[ag.Tensor, nn.MLP]:
    """The same network as nn.MLP(2, [2, 1]): weight[j, i] is the weight from input i to unit j."""
    model = nn.MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid", rng=0)
    model.load_state_dict({
        "layers.0.weight": np.array([[W["W11"], W["W21"]], [W["W12"], W["W22"]]]),
        "layers.0.bias": np.array([W["b1"], W["b2"]]),
        "layers.1.weight": np.array([[V["V1"], V["V2"]]]),
        "layers.1.bias": np.array([V["c"]]),
    })
    error = F.binary_cross_entropy(model(ag.tensor([[X1, X2]])).reshape(-1), [Y], reduction="sum")
    error.backward()
    return error, model


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    folder = out_dir(out)
    start = time.perf_counter()
    hand = by_hand()
    print(f"x = ({X1}, {X2}), y = {Y}")
    print("weights: " + ", ".join(f"{k} = {v}" for k, v in {**W, **V}.items()))

    error, p = network()
    explanation = ag.explain(error, p["W11"])
    print("\nag.explain(E, W11):\n")
    print(explanation)
    error.backward(retain_graph=True)
    grad_w11 = float(p["W11"].grad.item()) if p["W11"].grad is not None else float("nan")
    mlp_error, model = as_mlp()
    weight_grad = model.layers[0].weight.grad
    assert weight_grad is not None
    mlp_w11 = float(weight_grad.data[0, 0])

    total = float(explanation.total)
    formula = "-(y - y_hat) V1 s1 (1 - s1) x1"
    compare(
        "dE/dW11: the notebook's chain-rule formula (by hand, numpy) next to the engine",
        [
            ("ag.explain: product of the path", formula, total, abs(total - hand["dE/dW11"]) < 1e-15),
            ("W11.grad after E.backward()", formula, grad_w11, abs(grad_w11 - hand["dE/dW11"]) < 1e-15),
            ("nn.MLP(2, [2, 1]): layers.0.weight.grad[0, 0]", formula, mlp_w11,
             abs(mlp_w11 - hand["dE/dW11"]) < 1e-15),
        ],
    )
    print(f"  by hand: {hand['dE/dW11']!r};  feedforward by hand: y_hat = {hand['y_hat']!r}, "
          f"E = {hand['E']!r};  ours: E = {error.item()!r}")

    explain_txt = folder / "backprop_explain.txt"
    explain_txt.write_text(str(explanation) + "\n", encoding="utf-8")
    graph = save_graph(ag.draw(error, highlight=p["W11"]), folder / "backprop_graph.svg")
    # The same network as the course draws it: W11 = 2 and dE/dW11 on the edge x1 -> h1.
    network_svg = ag.draw_network(model, [X1, X2], title="nn.MLP(2, [2, 1]) after E.backward()").save(
        folder / "backprop_network.svg"
    )
    files = [graph, network_svg, explain_txt]
    if not quick:
        trace = ag.trace_backward(network()[0])
        files.append(Path(trace.to_html(folder / "backprop_trace.html")))
    wrote(files)
    print(f"  {graph.name}: every path from W11 to E is drawn in red")
    print(f"  {network_svg.name}: neurons and weights, each edge with its weight and dE/dweight")
    return {
        "by_hand": hand,
        "explain_total": total,
        "explain_matches": explanation.matches,
        "explain_paths": len(explanation.paths),
        "grad_w11": grad_w11,
        "mlp_grad_w11": mlp_w11,
        "error": error.item(),
        "mlp_error": mlp_error.item(),
        "files": files,
        "seconds": time.perf_counter() - start,
    }
