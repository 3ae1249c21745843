"""The benchmark suite: run `python tests/benchmarks/bench.py` (see bench.py)."""
