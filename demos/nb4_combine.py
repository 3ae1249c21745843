"""Notebook, section 4: combining two linear models into a network.

Two linear models each give a point a probability, here 0.4 and 0.6. The network weights them,
adds a bias and applies the sigmoid again: sigmoid(w1 * 0.4 + w2 * 0.6 + b). That is one
neuron whose inputs are other neurons' outputs, the building block of neural networks. The
notebook's `nna_scratch_1(2, 6, -2)` is 0.9168 and `nna_scratch_1(3, 5, -2.2)` is 0.8808.

Ours computes it three ways (numpy as in the notebook, scalar tensors, and `nn.Neuron`), draws
the graph with `ag.draw` after `backward()`, and plots the two linear models and their
combination over the plane.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn

from ._common import compare, figure, out_dir, require_extras, save_figure, save_graph, wrote

TITLE = "Notebook 4: combining two linear models into a network (0.9168, 0.8808), graph drawn"

NOTEBOOK: dict[tuple[float, ...], tuple[str, float]] = {  # (w1, w2, b) -> what the notebook printed
    (2, 6, -2): ("0.91682730350607766", 0.9168273035060777),
    (3, 5, -2.2): ("0.88079707797788231", 0.8807970779778823),
}


# -- the notebook's code, verbatim --------------------------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))

def nna_scratch_1(w1, w2, b):
    return sigmoid(w1 * .4 + w2 * .6 + b)
# -----------------------------------------------------------------------------------------------


def combined(w1: float, w2: float, b: float) -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """nna_scratch_1 with tensors: p1, p2 are the two linear models' probabilities."""
    p1 = ag.tensor(0.4, name="p1")
    p2 = ag.tensor(0.6, name="p2")
    t = {
        "w1": ag.tensor(float(w1), requires_grad=True, name="w1"),
        "w2": ag.tensor(float(w2), requires_grad=True, name="w2"),
        "b": ag.tensor(float(b), requires_grad=True, name="b"),
    }
    score = t["w1"] * p1 + t["w2"] * p2 + t["b"]
    score.name = "score"
    out = score.sigmoid()
    out.name = "p"
    return out, t


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    rows = []
    values: dict[tuple[float, ...], dict[str, float]] = {}
    for args, (printed, value) in NOTEBOOK.items():
        p, _ = combined(*args)
        neuron = nn.Neuron(2, activation="sigmoid")
        with ag.no_grad():
            neuron.w.data[:] = args[:2]
            neuron.b.data[...] = args[2]
            by_neuron = neuron(ag.tensor([0.4, 0.6])).item()
        values[args] = {"tensors": p.item(), "neuron": by_neuron, "numpy": float(nna_scratch_1(*args))}
        rows.append((f"nna_scratch_1{args}", printed, p.item(), abs(p.item() - value) < 1e-15))
    compare("sigmoid(w1 * 0.4 + w2 * 0.6 + b) with scalar tensors", rows)
    for args, v in values.items():
        print(f"  {args}: the notebook's function re-run {v['numpy']!r}, "
              f"nn.Neuron(2) with w = {list(args[:2])}, b = {args[2]}: {v['neuron']!r}")

    # The graph of the first one, after backward(): how the output changes with each weight.
    p, t = combined(2, 6, -2)
    p.backward()
    grads = {k: float(v.grad.item()) for k, v in t.items() if v.grad is not None}
    print("\nAfter p.backward(): dp/dw1 = p(1-p) * 0.4, dp/dw2 = p(1-p) * 0.6, dp/db = p(1-p)")
    print("  " + ", ".join(f"d p/d {k} = {g:.6f}" for k, g in grads.items()))
    print("\nThe graph as text:")
    ag.print_graph(p)
    files = [
        save_graph(ag.draw(p), folder / "combine_graph.svg"),
        _plot(folder / "combine_models.png", 120 if quick else 300),
    ]
    wrote(files)
    return {
        "values": {k: v["tensors"] for k, v in values.items()},
        "by_neuron": {k: v["neuron"] for k, v in values.items()},
        "grads": grads,
        "files": files,
        "seconds": time.perf_counter() - start,
    }


def _plot(path: Path, steps: int) -> Path:
    """Two linear models over the plane and their combination: a curved boundary."""
    xs = np.linspace(-1.0, 1.0, steps)
    xx, yy = np.meshgrid(xs, xs)
    with ag.no_grad():
        x = ag.tensor(np.stack([xx, yy], axis=-1))
        m1 = nn.Neuron(2)
        m2 = nn.Neuron(2)
        m1.w.data[:], m1.b.data[...] = [5.0, -2.0], 1.0  # two boundaries that cross
        m2.w.data[:], m2.b.data[...] = [-1.0, -4.0], 0.5
        p1, p2 = m1(x), m2(x)
        both = (7.0 * p1 + 5.0 * p2 - 6.0).sigmoid()
    fig = figure(10.0, 3.4)
    axes = fig.subplots(1, 3)
    titles = [
        "model 1: sigmoid(5 x1 - 2 x2 + 1)",
        "model 2: sigmoid(-x1 - 4 x2 + 0.5)",
        "combined: sigmoid(7 p1 + 5 p2 - 6)",
    ]
    for ax, z, title in zip(axes, [p1.data, p2.data, both.data], titles, strict=True):
        im = ax.contourf(xx, yy, z, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
        ax.contour(xx, yy, z, levels=[0.5], colors="k", linewidths=1.5)
        ax.set_title(title, fontsize=9)
        ax.set_aspect("equal")
        ax.set_xticks([-1, 0, 1])
        ax.set_yticks([-1, 0, 1])
    fig.colorbar(im, ax=list(axes), label="probability", shrink=0.9)
    fig.suptitle("Two linear models, combined by one more neuron: the boundary bends", fontsize=10)
    return save_figure(fig, path)
