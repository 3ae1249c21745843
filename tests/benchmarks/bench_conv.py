"""Conv2d forward + backward against PyTorch, 1 thread, side by side in one run.

    python tests/benchmarks/bench_conv.py            # 32x3x32x32 batch, 16 3x3 filters
    python tests/benchmarks/bench_conv.py --quick    # a few repetitions (a smoke test)

One step: y = conv2d(x, w, b, padding=1), then backward with a fixed upstream gradient, giving
the gradients of x, w and b (float32). Before timing, ours is checked against PyTorch (output
and all three gradients); a mismatch stops the benchmark. Timing alternates ours, torch, ours,
torch, ... and reports the medians and their ratio against the target (at most 2x PyTorch).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"  # before numpy and torch load their thread pools

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import autograd as ag  # noqa: E402
from nn import functional as F  # noqa: E402, N812 - PyTorch's convention

TARGET = 2.0  # ours / torch, at most


def workload(batch: int = 32, channels: int = 3, size: int = 32, filters: int = 16,
             seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    f32 = np.float32
    return {
        "x": rng.standard_normal((batch, channels, size, size)).astype(f32),
        "w": (rng.standard_normal((filters, channels, 3, 3)) * 0.2).astype(f32),
        "b": rng.standard_normal(filters).astype(f32),
        "g": rng.standard_normal((batch, filters, size, size)).astype(f32),
    }


def ours_step(d: dict[str, np.ndarray]) -> Callable[[], list[np.ndarray]]:
    def step() -> list[np.ndarray]:
        x = ag.Tensor(d["x"], requires_grad=True)
        w = ag.Tensor(d["w"], requires_grad=True)
        b = ag.Tensor(d["b"], requires_grad=True)
        y = F.conv2d(x, w, b, padding=1)
        y.backward(d["g"])
        assert x.grad is not None
        assert w.grad is not None
        assert b.grad is not None
        return [y.data, x.grad.data, w.grad.data, b.grad.data]
    return step


def torch_step(d: dict[str, np.ndarray]) -> Callable[[], list[np.ndarray]] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    g = torch.from_numpy(d["g"])

    def step() -> list[np.ndarray]:
        x = torch.tensor(d["x"], requires_grad=True)
        w = torch.tensor(d["w"], requires_grad=True)
        b = torch.tensor(d["b"], requires_grad=True)
        y = torch.nn.functional.conv2d(x, w, b, padding=1)
        y.backward(g)
        assert x.grad is not None
        assert w.grad is not None
        assert b.grad is not None
        return [y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()]
    return step


def check(ours: list[np.ndarray], theirs: list[np.ndarray]) -> None:
    for name, a, b in zip(("y", "dx", "dw", "db"), ours, theirs, strict=True):
        if a.dtype != np.float32 or a.shape != b.shape:
            raise SystemExit(f"conv bench: {name} is {a.dtype} {a.shape}, torch's {b.dtype} {b.shape}")
        scale = max(1.0, float(np.abs(b).max()))
        if not np.allclose(a, b, rtol=1e-4, atol=1e-4 * scale):
            raise SystemExit(f"conv bench: {name} differs from torch by {np.abs(a - b).max():.3g}")


def timed(fn: Callable[[], object], min_time: float) -> float:
    """Seconds per call: calls are repeated until min_time has passed."""
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time:
            return elapsed / n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="3 repetitions of 5 ms (a smoke test)")
    args = p.parse_args(argv)
    reps, min_time = (3, 0.005) if args.quick else (15, 0.2)
    d = workload()
    ours = ours_step(d)
    theirs = torch_step(d)
    result = ours()
    if theirs is None:
        print("conv2d fwd+bwd: torch is not installed; ours only")
    else:
        check(result, theirs())
    times: dict[str, list[float]] = {"ours": [], "torch": []}
    for _ in range(reps):  # alternate, so a slow phase of the machine hits both alike
        times["ours"].append(timed(ours, min_time))
        if theirs is not None:
            times["torch"].append(timed(theirs, min_time))
    o = statistics.median(times["ours"]) * 1e3
    print("conv2d fwd+bwd, x 32x3x32x32, 16 3x3 filters, padding 1, float32, 1 thread")
    print(f"  ours  {o:8.3f} ms")
    if theirs is not None:
        t = statistics.median(times["torch"]) * 1e3
        ratio = o / t
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"  torch {t:8.3f} ms")
        print(f"  ours/torch {ratio:.2f}x (target <= {TARGET:g}x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
