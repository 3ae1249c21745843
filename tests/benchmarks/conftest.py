"""Keep the benchmark out of the default test run.

pytest runs with --doctest-modules over tests/, which would import these scripts (and torch, when
installed). The benchmark is run as `python tests/benchmarks/bench.py`; `tests/test_bench_smoke.py`
runs its --quick mode in a subprocess.
"""

collect_ignore_glob = ["*.py"]
