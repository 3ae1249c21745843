"""A character-level language model in the makemore style, on 5,163 US first names.

Each name is read one letter at a time; the model sees the previous 8 characters ('.' pads the
start and marks the end) and predicts the next one: an Embedding of the 27 characters into 16
numbers each, the 8 embeddings side by side (128 numbers), a hidden layer of 200 tanh units,
and 27 scores for the next character (Bengio et al. 2003, as in Karpathy's makemore part 2).
Trained with Adam on minibatches of 128 with cross-entropy, on 90% of the names; the other 10%
measure the validation loss, which goes under VAL_LOSS_TARGET (uniform guessing gives
ln 27 = 3.30). Then it writes new names: start from '........', draw the next character from
the softmax, shift, repeat until '.'.

Data: demos/data/names.txt (1990 US census first names, public domain; see its README).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from nn import functional as F  # noqa: N812 - PyTorch's convention

from ._common import figure, out_dir, progress, require_extras, save_figure, wrote

TITLE = "A character-level language model (makemore MLP) on US first names: new names"
SEED = 0
DATA = Path(__file__).resolve().parent / "data" / "names.txt"
CONTEXT = 8
CHARS = ".abcdefghijklmnopqrstuvwxyz"  # '.' starts and ends every name
VAL_LOSS_TARGET = 2.0  # the full run's validation loss goes under this
QUICK_VAL_LOSS_TARGET = 2.3  # the quick run's, a looser bound (fewer steps)


def load_names() -> list[str]:
    """The shipped names, lower case a-z."""
    return DATA.read_text().split()


def dataset(names: list[str], context: int = CONTEXT) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y): X[i] the ids of `context` characters, Y[i] the id of the one that follows."""
    xs, ys = [], []
    for name in names:
        window = [0] * context
        for ch in name + ".":
            i = CHARS.index(ch)
            xs.append(window)
            ys.append(i)
            window = [*window[1:], i]
    return np.array(xs, dtype=np.int64), np.array(ys, dtype=np.int64)


class CharMLP(nn.Module):
    """ids (N, context) -> scores (N, 27) for the next character."""

    def __init__(
        self,
        context: int = CONTEXT,
        emb: int = 16,
        hidden: int = 200,
        rng: Any = SEED,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        gen = np.random.default_rng(rng) if isinstance(rng, int) else rng
        self.emb = nn.Embedding(len(CHARS), emb, rng=gen, dtype=dtype)
        self.hidden = nn.Linear(context * emb, hidden, rng=gen, dtype=dtype)
        self.out = nn.Linear(hidden, len(CHARS), rng=gen, dtype=dtype)
        with ag.no_grad():  # a less confident start: the first loss is near ln 27, not far above
            self.out.weight.data *= 0.1
            self.out.bias.data *= 0.0

    def forward(self, ids: Any) -> ag.Tensor:
        e = self.emb(ids)  # (N, context, emb)
        h = self.hidden(e.reshape((e.shape[0], -1))).tanh()
        return self.out(h)


def sample(model: CharMLP, n: int, rng: np.random.Generator, max_len: int = 20) -> list[str]:
    """Draw `n` names from the model, one character at a time."""
    out = []
    with ag.no_grad():
        for _ in range(n):
            window, name = [0] * CONTEXT, ""
            for _ in range(max_len):
                p = F.softmax(model(np.array([window])), axis=-1).data[0].astype(np.float64)
                i = int(rng.choice(len(CHARS), p=p / p.sum()))
                if i == 0:
                    break
                name += CHARS[i]
                window = [*window[1:], i]
            out.append(name)
    return out


def main(out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    require_extras()
    folder = out_dir(out)
    start = time.perf_counter()
    names = load_names()
    order = np.random.default_rng(SEED).permutation(len(names))
    n_train = int(0.9 * len(names))
    train_names = [names[i] for i in order[:n_train]]
    val_names = [names[i] for i in order[n_train:]]
    xtr, ytr = dataset(train_names)
    xva, yva = dataset(val_names)
    print(
        f"seed: {SEED}; {len(names)} names ({len(train_names)} to train, {len(val_names)} to validate), "
        f"{len(xtr)} training examples of {CONTEXT} characters"
    )
    model = CharMLP()
    print(f"model: {model.num_parameters()} parameters, float32\n{model}")
    steps = 800 if quick else 2500
    batch = 128
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    sched = nn.optim.CosineAnnealingLR(opt, T_max=steps, eta_min=5e-4)
    rng = np.random.default_rng(SEED)
    losses = []
    bar = progress(range(steps), desc="training", enabled=not quick)
    t0 = time.perf_counter()
    for step in bar:
        idx = rng.integers(0, len(xtr), size=batch)
        loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % 100 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-100:]):.3f}", refresh=False)
    train_seconds = time.perf_counter() - t0
    with ag.no_grad():
        train_loss = F.cross_entropy(model(xtr), ytr).item()
        val_loss = F.cross_entropy(model(xva), yva).item()
    target = QUICK_VAL_LOSS_TARGET if quick else VAL_LOSS_TARGET
    print(f"trained {steps} steps of {batch} in {train_seconds:.1f} s")
    print(
        f"loss: train {train_loss:.3f}, validation {val_loss:.3f} (target: under {target}; "
        f"uniform guessing {np.log(len(CHARS)):.2f})"
    )
    samples = sample(model, 20, np.random.default_rng(SEED + 1))
    known = set(names)
    print("new names drawn from the model (* = not in the list):")
    print("  " + ", ".join(s + ("" if s in known else "*") for s in samples))
    path = _plot(losses, val_loss, target, samples, folder / "names.png")
    wrote([path])
    return {
        "seed": SEED,
        "steps": steps,
        "losses": losses,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "target": target,
        "samples": samples,
        "novel": sum(s not in known for s in samples),
        "train_seconds": train_seconds,
        "files": [path],
        "seconds": time.perf_counter() - start,
    }


def _plot(losses: list[float], val_loss: float, target: float, samples: list[str], path: Path) -> Path:
    fig = figure(9.0, 4.0)
    ax, right = fig.subplots(1, 2, width_ratios=[1.6, 1])
    k = 50
    smooth = np.convolve(losses, np.ones(k) / k, mode="valid")
    ax.plot(losses, color="#cccccc", lw=0.6, label="minibatch loss")
    ax.plot(np.arange(k - 1, len(losses)), smooth, color="#1f77b4", label=f"mean of {k}")
    ax.axhline(val_loss, color="#2ca02c", ls="--", label=f"validation loss {val_loss:.3f}")
    ax.axhline(target, color="#d62728", ls=":", label=f"target {target}")
    ax.axhline(np.log(len(CHARS)), color="#888888", ls=":", lw=0.8, label="uniform guess ln 27")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_ylim(1.5, 3.6)
    ax.legend(fontsize=8)
    ax.set_title("Training loss", fontsize=10)
    right.axis("off")
    right.set_title("Names drawn from the model", fontsize=10)
    right.text(
        0.05, 0.95, "\n".join(samples), va="top", family="monospace", fontsize=9, transform=right.transAxes
    )
    return save_figure(fig, path)
