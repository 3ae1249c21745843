"""ag.compile against eager mode, hand-written numpy and PyTorch, side by side in one run.

    python tests/benchmarks/bench_compile.py            # the three workloads
    python tests/benchmarks/bench_compile.py --quick    # a smoke test

The workloads are bench.py's (`workloads.py`), written once with raw Tensors (`ours.py`); the
compiled engine is the same code with its step wrapped in `ag.compile`. Before timing, every
engine is checked against the numpy reference (loss, gradients, the SGD update); timing
alternates between the engines, 1 thread, and reports medians. Targets:

- per_op: compiled <= 0.35x PyTorch eager per op
- mlp_small (the moons step, micrograd's demo): compiled <= 1.3x numpy
- mlp_mnist (784-256-128-10, float32): compiled <= 1.05x numpy
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"  # before numpy and torch load their thread pools

import argparse  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import numpy_ref  # noqa: E402
import ours  # noqa: E402
from harness import check_models, spec_for, time_alternating  # noqa: E402

import autograd as ag  # noqa: E402


class CompiledChain(ours.Chain):
    """The per-op chain, its forward and backward compiled."""

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.compiled = ag.compile(self._run)

    def step(self) -> None:
        self.compiled()


class CompiledMLP(ours.MLP):
    """The MLP, its whole SGD step (forward, backward, update, forget) compiled."""

    def __init__(self, spec: Any, params: Any, data: Any) -> None:
        super().__init__(spec, params, data)
        self.compiled = ag.compile(super().step)

    def step(self) -> None:
        self.compiled()


def load_torch() -> Any:
    try:
        import torch
        import torch_ref
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch_ref


def run(name: str, quick: bool, torch_ref: Any) -> tuple[str, dict[str, float], str, bool | None]:
    spec = spec_for(name, quick)
    if name == "per_op":
        models: dict[str, Any] = {"ours": ours.Chain(spec), "compiled": CompiledChain(spec),
                                  "numpy": numpy_ref.Chain(spec)}
        if torch_ref is not None:
            models["torch"] = torch_ref.Chain(spec)
        check_models(name, models, np.float64, updates=False)
    else:
        params, data = spec.params(), spec.data()
        with ours.default_dtype(spec.dtype):
            models = {"ours": ours.MLP(spec, params, data), "compiled": CompiledMLP(spec, params, data),
                      "numpy": numpy_ref.MLP(spec, params, data)}
            if torch_ref is not None:
                models["torch"] = torch_ref.MLP(spec, params, data)
            check_models(name, models, spec.dtype)
    reps, min_time = (3, 0.02) if quick else (11, 0.2)
    gc.collect()
    t = time_alternating({k: m.step for k, m in models.items()}, reps, min_time)
    if name == "per_op":
        us = {k: v / spec.ops * 1e6 for k, v in t.items()}
        ratio = us["compiled"] / us["torch"] if "torch" in us else None
        return "us/op", us, "compiled <= 0.35x torch", None if ratio is None else ratio <= 0.35
    ms = {k: v * 1e3 for k, v in t.items()}
    limit = 1.3 if name == "mlp_small" else 1.05
    return "ms", ms, f"compiled <= {limit}x numpy", ms["compiled"] / ms["numpy"] <= limit


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    args = p.parse_args(argv)
    torch_ref = load_torch()
    print("ag.compile vs eager, numpy and PyTorch eager (1 thread, medians)")
    print(f"{'workload':<10} {'unit':<5} {'eager':>8} {'compiled':>9} {'numpy':>8} {'torch':>8}"
          f"  {'compiled/numpy':>14} {'compiled/torch':>14} {'eager/compiled':>14}  target")
    for name in ("per_op", "mlp_small", "mlp_mnist"):
        unit, v, target, met = run(name, args.quick, torch_ref)
        torch = v.get("torch")
        cols = [f"{v['ours']:8.3f}", f"{v['compiled']:9.3f}", f"{v['numpy']:8.3f}",
                f"{torch:8.3f}" if torch else f"{'-':>8}",
                f"{v['compiled'] / v['numpy']:14.2f}",
                f"{v['compiled'] / torch:14.2f}" if torch else f"{'-':>14}",
                f"{v['ours'] / v['compiled']:14.2f}"]
        verdict = "n/a" if met is None else ("met" if met else "NOT met")
        print(f"{name:<10} {unit:<5} {' '.join(cols)}  {target}: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
