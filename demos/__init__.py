"""Runnable walk-throughs: the main demo, the course notebook section by section, and more.

    python -m demos                 # the main demo: an MLP on the two moons, pictures in ./out/
    python -m demos --list          # every demo
    python -m demos NAME [--out DIR] [--quick]
    python -m demos all             # all of them

Each demo module has a `main(out="out", quick=False)` that prints the numbers (the notebook's
next to ours), writes its pictures into `out`, and returns its key numbers as a dict, which the
tests assert. Every random draw is seeded, and the seeds are printed.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

# name -> module, in the order `--list` shows them. "moons" is the main demo.
DEMOS: dict[str, str] = {
    "moons": "moons",
    "sigmoid-softmax": "nb1_softmax",
    "cross-entropy": "nb2_cross_entropy",
    "logistic-lab": "nb3_logistic_lab",
    "combine-models": "nb4_combine",
    "backprop": "nb5_backprop",
    "spirals": "nb6_spirals",
    "digits": "digits",
    "cnn-digits": "cnn_digits",
    "names": "names",
    "gradcheck": "gradcheck_bug",
    "newton": "newton",
}
MAIN = "moons"


def module(name: str) -> ModuleType:
    """The demo's module; `name` may use - or _."""
    key = name.replace("_", "-")
    if key not in DEMOS:
        raise KeyError(f"no demo named {name!r}; the demos are: {', '.join(DEMOS)}")
    return importlib.import_module(f"{__name__}.{DEMOS[key]}")


def run(name: str, out: str | Path = "out", quick: bool = False) -> dict[str, Any]:
    """Run one demo and return its key numbers."""
    result: dict[str, Any] = module(name).main(out=out, quick=quick)
    return result
