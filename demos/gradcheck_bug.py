"""Gradient checking your own op: a custom `ag.Function` with a deliberate bug, and the fix.

Swish (also called SiLU) is y = x * sigmoid(x). Its derivative needs the product rule:

    dy/dx = s + x s (1 - s),   s = sigmoid(x)

The buggy version forgets the second term. Used inside a bigger function, nothing looks wrong:
training would simply go worse. `ag.gradcheck` compares backward() with finite differences,
finds the mismatch, re-checks every op in the graph on its own inputs, and names the op with the
wrong local derivative and the line of code that created it. The fixed version passes
`ag.gradcheck`, `ag.gradgradcheck` and `ag.testing.check_op` (many shapes, first and second
order). The picture plots both backward passes against finite differences.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
from autograd import dual

from ._common import figure, out_dir, require_extras, save_figure, wrote

TITLE = "Gradient checking a custom ag.Function: the report names the buggy op and line, then the fix"
SEED = 0


def _sigmoid(x: Any) -> Any:
    """On numpy arrays, or on Tensors when backward is recorded (create_graph=True)."""
    return 1 / (1 + dual.exp(-x))


class BuggySwish(ag.Function):
    """y = x * sigmoid(x), with a wrong backward: the product rule's second term is missing."""

    formulas = ("s",)  # what the buggy backward computes

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad * _sigmoid(x)  # BUG: should be grad * (s + x * s * (1 - s))


class Swish(ag.Function):
    """y = x * sigmoid(x).  dy/dx = s + x s (1 - s), s = sigmoid(x)."""

    formulas = ("s + x*s*(1-s)",)

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        s = _sigmoid(x)
        return grad * (s + x * s * (1 - s))


def model(op: type[ag.Function]) -> Any:
    """A small function that uses the op: a layer with a Swish activation and a squared loss."""
    def f(x: ag.Tensor, w: ag.Tensor) -> ag.Tensor:
        h = op.apply(x @ w)
        return (h * h).mean()
    return f


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    rng = np.random.default_rng(SEED)
    x = ag.tensor(rng.normal(size=(4, 3)), requires_grad=True, name="x")
    w = ag.tensor(rng.normal(size=(3, 2)), requires_grad=True, name="w")
    print(f"seed: {SEED}; x (4, 3) and w (3, 2) from a normal distribution")

    print("\nag.gradcheck(f, (x, w)) with BuggySwish:\n")
    report = ""
    try:
        ag.gradcheck(model(BuggySwish), (x, w))
    except ag.GradcheckError as e:
        report = str(e)
        culprit = e.failure.culprits[0].label if e.failure and e.failure.culprits else ""
    print(report or "  (no error: this should not happen)")

    print("\nWith the fix:")
    ok_first = ag.gradcheck(model(Swish), (x, w))
    ok_second = ag.gradgradcheck(model(Swish), (x, w))
    cases = ag.testing.check_op(Swish)
    print(f"  ag.gradcheck: {ok_first}, ag.gradgradcheck: {ok_second}, "
          f"ag.testing.check_op(Swish): {cases} input shapes checked, first and second order")

    (folder / "gradcheck_report.txt").write_text(report + "\n", encoding="utf-8")
    path = _plot(folder / "gradcheck.png", 81 if quick else 201)
    wrote([path, folder / "gradcheck_report.txt"])
    return {
        "report": report,
        "culprit": culprit if report else None,
        "fixed_gradcheck": ok_first,
        "fixed_gradgradcheck": ok_second,
        "check_op_cases": cases,
        "files": [path, folder / "gradcheck_report.txt"],
        "seconds": time.perf_counter() - start,
    }


def _plot(path: Path, n: int) -> Path:
    xs = np.linspace(-5.0, 5.0, n)
    eps = 1e-6
    numeric = (xs + eps) * _sigmoid(xs + eps) - (xs - eps) * _sigmoid(xs - eps)
    numeric = numeric / (2 * eps)
    curves = {}
    for op in (BuggySwish, Swish):
        t = ag.tensor(xs, requires_grad=True)
        op.apply(t).sum().backward()
        assert t.grad is not None
        curves[op.__name__] = t.grad.data
    fig = figure(6.4, 3.8)
    ax = fig.subplots()
    ax.plot(xs, numeric, color="k", lw=4, alpha=0.25, label="finite differences")
    ax.plot(xs, curves["BuggySwish"], "--", color="#d62728", lw=1.8, label="BuggySwish backward: s")
    ax.plot(xs, curves["Swish"], color="#2ca02c", lw=1.5, label="Swish backward: s + x s (1 - s)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("x")
    ax.set_ylim(-0.3, 1.3)
    ax.set_title("d swish / dx: the buggy backward misses the product rule's term")
    ax.legend(fontsize=8, loc="upper left")
    return save_figure(fig, path)
