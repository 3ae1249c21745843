"""Smoke test: the benchmark's --quick mode runs, passes its correctness checks and prints a table.

Timing is never asserted (targets are for `python tests/benchmarks/bench.py` on a quiet machine).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent / "benchmarks" / "bench.py"
# every workload except mlp_mnist_nn, which appears only once nn provides Linear
ROWS = (
    "per_op",
    "mlp_small",
    "mlp_mnist",
    "mlp_big",
    "chain",
    "chain_long",
    "memory",
    "memory_flat",
    "gc",
    "gc_chain",
)
HEADER = ("name", "workload", "ours", "numpy", "torch", "ours/numpy", "ours/torch", "target", "met?")


@pytest.mark.slow
def test_bench_quick_runs_and_prints_every_row() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"bench.py --quick failed:\n{proc.stdout}\n{proc.stderr}"
    lines = proc.stdout.splitlines()
    header = next((line for line in lines if line.startswith("name ")), None)
    assert header is not None, proc.stdout
    cells = [c.strip() for c in header.split("|")]
    assert [c for c in cells if c in HEADER] == list(HEADER), header
    names = {line.split("|")[0].strip() for line in lines if "|" in line}
    assert set(ROWS) <= names, f"missing rows {set(ROWS) - names}:\n{proc.stdout}"


@pytest.mark.slow
def test_bench_markdown_table() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--markdown", "--only", "per_op,memory_flat"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| name | workload | unit | ours | numpy | torch |" in proc.stdout
    assert "| per_op |" in proc.stdout
    assert "| memory_flat |" in proc.stdout


# A wrong engine must stop the benchmark before anything is timed: a gradient off by 0.1%, and a
# float32 model that quietly computes in float64.
BROKEN = {
    "gradient": (
        "per_op",
        "orig = ours.Chain.loss_and_grads\n"
        "def wrong(self):\n"
        "    loss, grads = orig(self)\n"
        "    grads['w'] = grads['w'] * 1.001\n"
        "    return loss, grads\n"
        "ours.Chain.loss_and_grads = wrong\n",
    ),
    "dtype": (
        "mlp_mnist",
        "orig = ours.MLP.__init__\n"
        "def upcast(self, spec, params, data):\n"
        "    orig(self, spec, {k: v.astype('float64') for k, v in params.items()}, data)\n"
        "ours.MLP.__init__ = upcast\n",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("bug", sorted(BROKEN))
def test_bench_stops_on_a_wrong_engine(bug: str) -> None:
    workload, patch = BROKEN[bug]
    code = (
        "import os, sys\n"
        f"sys.path[:0] = [{str(BENCH.parent)!r}, {str(BENCH.parents[2])!r}]\n"
        "import harness, ours\n"
        f"{patch}"
        f"cfg = harness.Config(quick=True, only=({workload!r},), use_torch=False)\n"
        "try:\n"
        "    harness.run(cfg, lambda message: None)\n"
        "except harness.CorrectnessError as e:\n"
        "    print('stopped:', e)\n"
        "    sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"the wrong engine was not caught:\n{proc.stdout}\n{proc.stderr}"
    assert "stopped:" in proc.stdout
