"""The default floating dtype for new tensors and parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default = np.dtype(np.float64)


def get_default_dtype() -> np.dtype[Any]:
    """The dtype that Python floats and new parameters get (float64 unless changed)."""
    return _default


def set_default_dtype(dtype: Any) -> None:
    """Make new tensors built from Python numbers, and new parameters, use `dtype`.

    float64 (the default) keeps gradient checks exact; float32 is about 3x faster to train.
    Tensors built from numpy arrays keep the array's dtype.
    """
    global _default
    d = np.dtype(dtype)
    if d not in _FLOATS:
        raise TypeError(f"set_default_dtype: expected float16, float32 or float64, got {d}")
    _default = d


def is_float(dtype: np.dtype[Any]) -> bool:
    """True for floating dtypes: the only ones that can carry gradients."""
    return dtype.kind == "f"
