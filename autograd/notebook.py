"""How a `Tensor` shows in Jupyter: a small card instead of a wall of numbers.

Jupyter calls `_repr_html_` on the last expression of a cell. The card gives what a learner
looks for first: the tensor's name, shape and dtype, a few of its values, the op that made it
(or "leaf"), whether it collects a gradient, and a few values of `.grad` once backward ran.
Every piece of text that comes from the user (names, values, op labels with their keyword
arguments) is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

EDGE_ITEMS = 3  # values shown at each end of every axis of a big array
THRESHOLD = 24  # arrays with more elements than this are summarised with "..."


def values(a: np.ndarray) -> str:
    """A few values of `a`: all of them when small, the first and last few otherwise."""
    return np.array2string(
        np.asarray(a), separator=", ", threshold=THRESHOLD, edgeitems=EDGE_ITEMS, precision=4
    )


def _row(key: str, value: str, code: bool = False) -> str:
    v = f"<code>{html.escape(value)}</code>" if code else html.escape(value)
    return (
        f"<tr><th style='text-align:left;padding:1px 8px 1px 0'>{key}</th>"
        f"<td style='text-align:left'>{v}</td></tr>"
    )


def repr_html(self: Tensor) -> str:
    """`Tensor._repr_html_`: the tensor as an HTML table for notebooks."""
    ctx = self._ctx
    title = f"Tensor {self.name!r}" if self.name else "Tensor"
    rows = [
        _row("shape", str(tuple(self.shape))),
        _row("dtype", str(self.dtype)),
        _row("values", values(self.data), code=True),
        _row("made by", ctx.label() if ctx is not None else "leaf (not made by an op)", code=ctx is not None),
        _row("requires_grad", str(self.requires_grad)),
    ]
    if self.grad is not None:
        rows.append(_row("grad", values(self.grad.data), code=True))
    elif ctx is not None:
        rows.append(_row("grad", "None (only leaves keep .grad, unless retain_grad() is called)"))
    elif self.requires_grad:
        rows.append(_row("grad", "None (call backward() on a result)"))
    return (
        "<div class='seegrad-tensor'>"
        f"<b>{html.escape(title)}</b>"
        f"<table style='border-collapse:collapse;font-size:90%'>{''.join(rows)}</table></div>"
    )

