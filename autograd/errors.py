"""Errors the library raises, and the one helper that words shape messages.

Every error a user can cause names the op, the shapes or dtypes involved and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence


class AutogradError(RuntimeError):
    """A misuse of the graph: backward through a released graph, a modified saved tensor, ..."""


class AnomalyError(FloatingPointError):
    """Raised under `detect_anomaly()` when a NaN or inf first appears."""


def fmt_shapes(shapes: Sequence[tuple[int, ...]]) -> str:
    """'(2, 3) and (4,)' - shapes as a user reads them."""
    parts = [str(tuple(s)) for s in shapes]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def shape_error(op: str, shapes: Sequence[tuple[int, ...]], expected: str) -> ValueError:
    """ValueError 'op: shapes (2, 3) and (4,) <expected>'."""
    word = "shape" if len(shapes) == 1 else "shapes"
    return ValueError(f"{op}: {word} {fmt_shapes(shapes)} {expected}")
