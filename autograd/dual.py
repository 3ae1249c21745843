"""Functions that take a numpy array or a Tensor and return the same kind.

Backward formulas are written with operators (``+ - * / ** @``), the methods ndarrays and
Tensors share (``sum``, ``reshape``, ``transpose``, ``swapaxes``) and these functions. Fed arrays,
a formula runs at numpy speed and records nothing; fed Tensors (``create_graph=True``), the same
formula is recorded and can be differentiated again. One formula per op, two uses.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import function


def _is_tensor(x: Any) -> bool:
    return isinstance(x, function._Tensor)


def exp(x: Any) -> Any:
    return x.exp() if _is_tensor(x) else np.exp(x)


def log(x: Any) -> Any:
    return x.log() if _is_tensor(x) else np.log(x)


def sin(x: Any) -> Any:
    return x.sin() if _is_tensor(x) else np.sin(x)


def cos(x: Any) -> Any:
    return x.cos() if _is_tensor(x) else np.cos(x)


def where(cond: Any, a: Any, b: Any) -> Any:
    """where(cond, a, b) with `cond` a constant mask; a or b may be scalars."""
    if _is_tensor(a) or _is_tensor(b):
        from .ops.binary import where as tensor_where

        return tensor_where(cond, a, b)
    return np.where(cond, a, b)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    if _is_tensor(x):
        return x.broadcast_to(shape)
    if math.prod(shape) <= 65536:
        # Small: filling a new array is several times cheaper than np.broadcast_to, whose
        # Python-level view setup costs more than copying a few thousand numbers.
        out = np.empty(shape, dtype=x.dtype)
        out[...] = x
        return out
    return np.broadcast_to(x, shape)


def expand_dims(x: Any, axis: Any) -> Any:
    if _is_tensor(x):
        return x.expand_dims(axis)
    return np.expand_dims(x, axis)


def index_add(shape: tuple[int, ...], index: Any, values: Any) -> Any:
    """zeros(shape) with `values` added at `index` (repeated indices accumulate)."""
    if _is_tensor(values):
        from .ops.movement import index_add as tensor_index_add

        return tensor_index_add(shape, index, values)
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, index, values)
    return out


def pad(x: Any, pad_width: Any) -> Any:
    if _is_tensor(x):
        return x.pad(pad_width)
    return np.pad(x, pad_width)
