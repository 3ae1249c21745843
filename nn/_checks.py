"""Checks of hyperparameters and arguments shared by nn's modules, each rule and its message in
one place."""

from __future__ import annotations

import math
import numbers
from typing import TypeGuard


def is_real(value: object) -> TypeGuard[float]:
    """A real number (int, float, numpy scalar); not a bool: `lr=True` is a bug, not 1."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_nonnegative(where: str, **values: object) -> None:
    """A ValueError ``"<where>: <name> must be a finite number >= 0, got <value>"`` for the first
    keyword argument that is not one (NaN and inf are refused: they would poison every step)."""
    for name, v in values.items():
        if not (is_real(v) and math.isfinite(v) and v >= 0):
            raise ValueError(f"{where}: {name} must be a finite number >= 0, got {v!r}")
