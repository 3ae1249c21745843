"""Whole training steps of the demos' models against PyTorch eager, 1 thread, side by side.

    python tests/benchmarks/bench_models.py            # every row
    python tests/benchmarks/bench_models.py --quick    # a few short repetitions (a smoke test)
    python tests/benchmarks/bench_models.py --profile  # also where our time goes (cProfile)

Rows (a ratio is ours / torch, or for lstm_scaling ours / ours, median of alternating repetitions):

- ``cnn_digits``: one training step of the `cnn-digits` demo's CNN (Conv2d 1->16, BatchNorm2d,
  ReLU, MaxPool2d, Conv2d 16->32, BatchNorm2d, ReLU, MaxPool2d, Linear 128->10) on a batch of 64
  8x8 digits, float32: forward, cross-entropy, backward, Adam step. Target: at most 1.5x.
- ``char_mlp``: one training step of the `names` demo's character-level MLP (Embedding 27x16,
  context 8, Linear 128->200, tanh, Linear 200->27) on a batch of 32, float32, Adam. Target:
  at most 1.3x.

- ``lstm_scaling``: forward and backward of an LSTM (32 -> 64, batch 32, float32) over 128
  time steps against the same over 32, per step. The time steps are slices of one projected
  tensor, and each slice's backward must cost the slice, not the whole tensor: linear in the
  sequence's length. Target: per step, at most 1.25x the short sequence's time.

Before timing, both engines start from the same weights (ours loaded into torch by state-dict
key) and the same batch, and one step is checked: the same loss, the same gradients and the
same updated weights; a mismatch stops the benchmark. The timing loop is `harness.time_alternating`.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"  # before numpy and torch load their thread pools

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parents[1]))

from harness import time_alternating  # noqa: E402

import autograd as ag  # noqa: E402
import nn  # noqa: E402
from demos.cnn_digits import make_model  # noqa: E402
from demos.names import CONTEXT, CharMLP, dataset, load_names  # noqa: E402
from nn import functional as F  # noqa: E402, N812 - PyTorch's convention

TARGETS = {"cnn_digits": 1.5, "char_mlp": 1.3}
LR = 0.01


def _batch(name: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    if name == "cnn_digits":
        x, y = nn.load_digits()
        idx = rng.choice(len(x), 64, replace=False)
        return x[idx].astype(np.float32).reshape(-1, 1, 8, 8), y[idx]
    x, y = dataset(load_names())
    idx = rng.choice(len(x), 32, replace=False)
    return x[idx], y[idx]


def _ours(name: str) -> nn.Module:
    return make_model(rng=0) if name == "cnn_digits" else CharMLP(rng=0)


def _torch_model(name: str, torch: Any) -> Any:
    tnn = torch.nn
    if name == "cnn_digits":
        return tnn.Sequential(
            tnn.Conv2d(1, 16, 3, padding=1),
            tnn.BatchNorm2d(16),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
            tnn.Conv2d(16, 32, 3, padding=1),
            tnn.BatchNorm2d(32),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
            tnn.Flatten(),
            tnn.Linear(128, 10),
        )

    class TorchCharMLP(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = tnn.Embedding(27, 16)
            self.hidden = tnn.Linear(CONTEXT * 16, 200)
            self.out = tnn.Linear(200, 27)

        def forward(self, ids: Any) -> Any:
            e = self.emb(ids)
            return self.out(torch.tanh(self.hidden(e.reshape(e.shape[0], -1))))

    return TorchCharMLP()


def build(
    name: str, torch: Any | None
) -> tuple[Callable[[], Any], Callable[[], Any] | None, Callable[[], None]]:
    """(our step, torch's step or None, a check that one step agrees)."""
    x, y = _batch(name)
    model = _ours(name)
    model.train()
    opt = nn.optim.Adam(model.parameters(), lr=LR)

    def ours_step() -> float:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    if torch is None:
        return ours_step, None, lambda: None
    torch.set_num_threads(1)
    tmodel = _torch_model(name, torch)
    tmodel.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()}, strict=True)
    tmodel.train()
    topt = torch.optim.Adam(tmodel.parameters(), lr=LR)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def torch_step() -> float:
        loss = torch.nn.functional.cross_entropy(tmodel(tx), ty)
        topt.zero_grad()
        loss.backward()
        topt.step()
        return float(loss.item())

    def check() -> None:
        a, b = ours_step(), torch_step()
        if not np.isclose(a, b, rtol=1e-4):
            raise SystemExit(f"{name}: loss {a} vs torch's {b}")
        tparams = dict(tmodel.named_parameters())
        for key, p in model.named_parameters():
            tp = tparams[key]
            assert p.grad is not None
            assert tp.grad is not None
            pairs = [("gradient", p.grad.data, tp.grad.numpy())]
            if np.abs(tp.grad.numpy()).max() > 1e-5:  # else Adam's step follows rounding noise
                pairs.append(("updated value", p.data, tp.detach().numpy()))
            for what, mine, theirs in pairs:
                # (a convolution's bias before BatchNorm has a gradient of 0 up to rounding)
                atol = 1e-5 + 1e-4 * float(np.abs(theirs).max())
                if mine.dtype != np.float32 or not np.allclose(mine, theirs, rtol=1e-3, atol=atol):
                    raise SystemExit(
                        f"{name}: the {what} of {key} differs from torch's by "
                        f"{np.abs(mine - theirs).max():.3g}"
                    )
        tbufs = dict(tmodel.named_buffers())
        for key, b in model.named_buffers():
            if not np.allclose(b.data, tbufs[key].numpy(), rtol=1e-4, atol=1e-5):
                raise SystemExit(f"{name}: buffer {key} differs from torch's")

    return ours_step, torch_step, check


LSTM_SCALING_TARGET = 1.25


def lstm_scaling(reps: int, min_time: float) -> None:
    """Print the lstm_scaling row: our time per time step at 128 steps over that at 32."""
    ag.manual_seed(0)
    lstm = nn.LSTM(32, 64)
    rng = np.random.default_rng(0)

    def run(steps: int) -> Callable[[], None]:
        x = ag.tensor(rng.standard_normal((steps, 32, 32)).astype(np.float32), requires_grad=True)

        def step() -> None:
            out, _ = lstm(x)
            (out * out).mean().backward()
            x.grad = None

        return step

    t = time_alternating({"short": run(32), "long": run(128)}, reps, min_time)
    ratio = (t["long"] / 128) / (t["short"] / 32)
    met = "yes" if ratio <= LSTM_SCALING_TARGET else "NO"
    print(
        f"{'lstm_scaling':<10} | {t['long'] * 1e3:9.3f} | {'-':>10} | {ratio:9.2f}x | "
        f"<= {LSTM_SCALING_TARGET}x | {met}   (per step: 128 steps against 32; 32 took "
        f"{t['short'] * 1e3:.1f} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="3 repetitions of 5 ms (a smoke test)")
    p.add_argument("--profile", action="store_true", help="print where our time goes")
    p.add_argument("--only", default="", help="comma-separated rows (default: all)")
    args = p.parse_args(argv)
    reps, min_time = (3, 0.005) if args.quick else (15, 0.2)
    try:
        import torch
    except ImportError:
        torch = None
    ag.manual_seed(0)
    only = args.only.split(",") if args.only else []
    names = [n for n in TARGETS if not only or n in only]
    print("name       | ours (ms) | torch (ms) | ours/torch | target | met?")
    for name in names:
        ours_step, torch_step, check = build(name, torch)
        check()
        fns: dict[str, Callable[[], Any]] = {"ours": ours_step}
        if torch_step is not None:
            fns["torch"] = torch_step
        t = time_alternating(fns, reps, min_time)
        o = t["ours"] * 1e3
        if "torch" in t:
            ratio = t["ours"] / t["torch"]
            met = "yes" if ratio <= TARGETS[name] else "NO"
            print(
                f"{name:<10} | {o:9.3f} | {t['torch'] * 1e3:10.3f} | {ratio:9.2f}x | "
                f"<= {TARGETS[name]}x | {met}"
            )
        else:
            print(f"{name:<10} | {o:9.3f} | {'-':>10} | {'-':>10} | <= {TARGETS[name]}x | -")
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(200):
                ours_step()
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(12)
    if not only or "lstm_scaling" in only:
        lstm_scaling(reps, min_time)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
