"""The library's random generator, for reproducible runs.

Every function that draws random numbers takes an explicit `np.random.Generator`; when none is
given it uses this module's generator, which `manual_seed(n)` resets.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the library's generator: every later default random draw is reproducible."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The generator used when a function is not given one."""
    return _generator


def resolve(rng: np.random.Generator | int | None, where: str = "") -> np.random.Generator:
    """`rng` itself, a new generator seeded with an int (>= 0), or the library's generator for
    None. `where` names the caller in errors."""
    if rng is None:
        return _generator
    if isinstance(rng, np.random.Generator):
        return rng
    prefix = f"{where}: " if where else ""
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{prefix}seed must be >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    what = "seed must be an int, a np.random.Generator or None" if where else (
        "expected an np.random.Generator, an int seed or None"
    )
    raise TypeError(f"{prefix}{what}, got {type(rng).__name__} {rng!r}")
