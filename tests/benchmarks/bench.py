"""Benchmark our engine against hand-written numpy and PyTorch eager, side by side.

    python tests/benchmarks/bench.py                 # the full suite, one BLAS thread (~3 min)
    python tests/benchmarks/bench.py --quick         # seconds; what the smoke test runs
    python tests/benchmarks/bench.py --only per_op,mlp_small
    python tests/benchmarks/bench.py --markdown      # the table as Markdown
    python tests/benchmarks/bench.py --update-docs   # rewrite the table in docs/performance.md
    python tests/benchmarks/bench.py --profile per_op,mlp_small   # where our engine spends time

Workloads (issue 6): per_op, mlp_small, mlp_mnist, mlp_mnist_nn (when nn.Linear exists), mlp_big,
chain, chain_long, memory, memory_flat, gc. See docs/performance.md for what each measures.

Before timing a workload, every engine's loss, gradients and SGD update are compared with the
numpy reference; a mismatch stops the run with exit code 2. Timing never fails the run unless
`--strict` is given (then a missed target exits with 1). PyTorch is used when it is installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="few repetitions and smaller sizes (seconds); never fails on timing",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="BLAS/OpenMP threads for numpy and torch (default 1, for comparability)",
    )
    p.add_argument(
        "--only", default="", metavar="NAMES", help="comma-separated workload names to run (default: all)"
    )
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    p.add_argument("--markdown", action="store_true", help="print the report as Markdown")
    p.add_argument(
        "--update-docs",
        action="store_true",
        help="write the Markdown report into docs/performance.md (between its markers)",
    )
    p.add_argument(
        "--profile",
        default="",
        metavar="NAMES",
        help="instead of benchmarking, cProfile our engine on these workloads "
        "(per_op, mlp_small, mlp_mnist, mlp_big, chain) and print the top functions",
    )
    p.add_argument("--strict", action="store_true", help="exit with 1 when a target is missed")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be at least 1")
    return args


def pin_threads(n: int) -> None:
    """Set the thread count of every BLAS/OpenMP runtime; must run before numpy is imported."""
    if "numpy" in sys.modules:
        raise RuntimeError("pin_threads: numpy is already imported, the setting would be ignored")
    for var in THREAD_VARIABLES:
        os.environ[var] = str(n)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pin_threads(args.threads)
    sys.path.insert(0, str(HERE))
    sys.path.insert(1, str(REPO))  # the engine, when it is not installed
    # NOTE: imported only now, after pin_threads: BLAS reads the variables when it loads.
    import harness

    only = _names(args.only)
    unknown = [n for n in (*only, *_names(args.profile)) if n not in harness.ROWS]
    if unknown:
        print(f"unknown workload(s) {unknown}; choose from {', '.join(harness.ROWS)}", file=sys.stderr)
        return 2
    if args.profile:
        for name in _names(args.profile):
            print(harness.profile_ours(name, args.quick))
        return 0
    cfg = harness.Config(quick=args.quick, threads=args.threads, only=only, use_torch=not args.no_torch)
    try:
        report = harness.run(cfg, harness.stderr)
    except harness.CorrectnessError as e:
        print(f"\nCORRECTNESS CHECK FAILED, nothing was timed for this workload:\n  {e}", file=sys.stderr)
        return 2

    markdown = harness.format_markdown(report)
    print(markdown if args.markdown else harness.format_text(report), end="")
    if args.update_docs:
        harness.update_docs(REPO / "docs" / "performance.md", markdown)
        print("updated docs/performance.md", file=sys.stderr)
    if args.strict and not args.quick and any(r.met is False for r in report.rows):
        return 1
    return 0


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


if __name__ == "__main__":
    sys.exit(main())
