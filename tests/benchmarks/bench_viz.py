"""How long pictures of big graphs take: build + summarise + DOT text, then rendering.

    python tests/benchmarks/bench_viz.py            # 10,000-node graphs, default summary
    python tests/benchmarks/bench_viz.py --full     # also render every node (max_nodes=None)
    python tests/benchmarks/bench_viz.py --nodes 50000
    python tests/benchmarks/bench_viz.py --recurrent     # the 60-step recurrent cell only

For each graph shape (a deep chain, a wide fan-in, a long Python `sum` of terms) it prints the
time of `ag.to_dot` (walk, summary, labels) and of rendering that picture to SVG with each
renderer found (system `dot`, graphviz-pure). Times are printed against a bound, never
asserted: the issue asks for "a readable picture in seconds".
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import autograd as ag  # noqa: E402 - after the path set-up above
from autograd.viz.graph import build_graph  # noqa: E402
from autograd.viz.render import ENV_VAR  # noqa: E402

BOUND_S = 10.0  # "in seconds": what a user waits for a picture, draw + render


def chain(nodes: int) -> ag.Tensor:
    """x -> mul 0.9 -> tanh -> ...: 5 graph nodes per step (const, op, tensor, op, tensor)."""
    y = ag.tensor(0.5, requires_grad=True, name="x")
    for _ in range(max(1, nodes // 5)):
        y = (y * 0.9).tanh()
    return y


def wide(nodes: int) -> ag.Tensor:
    """stack([x_i * 2 for i]) summed: 4 graph nodes per input, all near the output."""
    xs = [ag.tensor(float(i), requires_grad=True) for i in range(max(1, nodes // 4))]
    return ag.stack([x * 2.0 for x in xs]).sum()


def python_sum(nodes: int) -> ag.Tensor:
    """w*0 + w*1 + w*2 + ...: a spine of adds with a side branch each (5 nodes per term)."""
    w = ag.tensor([1.0, 2.0], requires_grad=True, name="w")
    total = w * 0.0
    for i in range(max(1, nodes // 5)):
        total = total + w * float(i)
    return total.sum()


SHAPES: dict[str, Callable[[int], ag.Tensor]] = {"chain": chain, "wide": wide, "python_sum": python_sum}

RECURRENT_BOUND_S, RECURRENT_BOUND_PX = 2.0, 2500  # issue 9: 60 steps, defaults, graphviz-pure


def recurrent_loss(steps: int = 60, hidden: int = 8) -> ag.Tensor:
    """h = tanh(x_t @ W + h @ U + b) for `steps` steps, W, U, b shared; the loss sum(h^2)."""
    import numpy as np

    rng = np.random.default_rng(0)
    w = ag.tensor(rng.normal(size=(3, hidden)) * 0.3, requires_grad=True, name="W")
    u = ag.tensor(rng.normal(size=(hidden, hidden)) * 0.3, requires_grad=True, name="U")
    b = ag.tensor(np.zeros(hidden), requires_grad=True, name="b")
    h = ag.tensor(np.zeros((1, hidden)), name="h0")
    for _ in range(steps):
        x_t = ag.tensor(rng.normal(size=(1, 3)))
        h = (x_t @ w + h @ u + b).tanh()
    return (h * h).sum()


def recurrent(steps: int = 60) -> ag.Tensor:
    """The recurrent cell's loss after backward(), so pictures show every gradient."""
    loss = recurrent_loss(steps)
    loss.backward()
    return loss


def bench_recurrent(found: dict[str, str]) -> None:
    """The 60-step recurrent cell drawn with defaults: draw + render time and PNG size."""
    import struct

    loss = recurrent(60)
    for name, path in found.items():
        os.environ[ENV_VAR] = path
        start = time.perf_counter()
        png = ag.draw(loss).pipe("png")
        t = time.perf_counter() - start
        assert isinstance(png, bytes)
        w, h = struct.unpack(">II", png[16:24])
        ok = t <= RECURRENT_BOUND_S and max(w, h) <= RECURRENT_BOUND_PX
        print(f"recurrent 60 steps, {name}: draw + render {t:.2f} s, {w} x {h} px "
              f"(bound {RECURRENT_BOUND_S} s, {RECURRENT_BOUND_PX} px: {'ok' if ok else 'OVER'})")
    os.environ.pop(ENV_VAR, None)


def renderers() -> dict[str, str]:
    found = {}
    dot = shutil.which("dot")
    if dot:
        found["dot"] = dot
    pure = shutil.which("graphviz-pure")
    for d in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        cand = Path(d) / "graphviz-pure"
        if pure is None and cand.is_file():
            pure = str(cand)
    if pure:
        found["graphviz-pure"] = pure
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, default=10_000, help="graph size (default 10,000 nodes)")
    p.add_argument("--full", action="store_true", help="also render every node, unsummarised")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per render")
    p.add_argument("--recurrent", action="store_true", help="only the 60-step recurrent cell")
    args = p.parse_args(argv)
    found = renderers()
    print(f"renderers: {', '.join(f'{k} ({v})' for k, v in found.items()) or 'none found'}")
    bench_recurrent(found)
    if args.recurrent:
        return 0
    print(f"bound: draw + render of the default picture within {BOUND_S:.0f} s (printed, not asserted)")
    header = f"{'graph':<12} {'nodes':>7} {'max_nodes':>9} {'drawn':>6} {'to_dot s':>9}"
    header += "".join(f" {name + ' s':>16}" for name in found)
    print(header)
    print("-" * len(header))
    for shape, make in SHAPES.items():
        out = make(args.nodes)
        total = len(build_graph(out).nodes)
        for max_nodes in [200, None] if args.full else [200]:
            start = time.perf_counter()
            pic = ag.draw(out, max_nodes=max_nodes)
            t_dot = time.perf_counter() - start
            row = f"{shape:<12} {total:>7,} {max_nodes!s:>9} {pic.node_count:>6} {t_dot:>9.2f}"
            for path in found.values():
                os.environ[ENV_VAR] = path
                start = time.perf_counter()
                try:
                    pic.pipe("svg", timeout=args.timeout)
                    t = time.perf_counter() - start
                    mark = "" if t + t_dot <= BOUND_S else " (over)"
                    row += f" {t:>10.2f}{mark:<6}"
                except Exception as e:  # a report, not a test: show the failure and go on
                    row += f" {'failed':>10} ({type(e).__name__})"
            os.environ.pop(ENV_VAR, None)
            print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
