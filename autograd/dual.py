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
    return isinstance(x, function.Tensor)


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


def index_add(shape: tuple[int, ...], index: Any, values: Any) -> Any:
    """zeros(shape) with `values` added at `index` (repeated indices accumulate): the adjoint of
    ``x[index]``. The library's one scatter-add: the forward of the op `index_add` (what a
    Tensor of values records) and the backward of getitem, gather, sort and the pools."""
    if _is_tensor(values):
        from .ops.movement import index_add as tensor_index_add

        return tensor_index_add(shape, index, values)
    out = np.zeros(shape, dtype=values.dtype)
    if _is_basic(index):
        out[index] = values  # each position at most once: plain assignment is exact and fast
    else:
        np.add.at(out, index, values)
    return out


def _is_basic(index: Any) -> bool:
    """True when indexing cannot select an element twice: ints, slices, None, Ellipsis and
    boolean masks only (integer arrays and lists may repeat positions)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(it, (int, np.integer, slice, type(None), type(Ellipsis)))
        or (isinstance(it, np.ndarray) and it.dtype == np.bool_)
        for it in items
    )


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x): the Tensor op for a Tensor, else the same numbers on an array."""
    return x.sigmoid() if isinstance(x, function.Tensor) else _sigmoid_array(x)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x), in x's dtype, without overflow.

    It is the textbook formula, computed exactly as the course notebook and PyTorch compute
    it, so the results agree to the last bit. Only where e^-x would overflow (x below about
    -709 in float64, -88 in float32) is s = e^x used instead, which is exact there (1 + e^-x
    rounds to e^-x) and underflows quietly to 0 - no warnings for any x.
    """
    neg = np.negative(x)
    limit = _exp_limit(neg.dtype)
    if neg.size and _largest(neg) > limit:
        out = np.asarray(1 / (1 + np.exp(np.minimum(neg, limit))))
        tail = neg > limit
        out[tail] = np.exp(x[tail])
        return out
    e = np.exp(neg)
    one = _ONES.get(e.dtype)
    if one is None:
        one = _ONES[e.dtype] = np.ones((), e.dtype)
    # The same numbers as 1 / (1 + e); a Python 1 costs numpy a conversion at every call,
    # which on a small tensor takes longer than the arithmetic.
    return one / (one + e)


def _largest(a: np.ndarray) -> Any:
    """The largest element of a non-empty array. For a few elements a Python loop is faster
    than numpy's reduction machinery; NaN gives NaN or a number, never a false overflow."""
    return max(a.flat) if a.size <= 8 else _max(a, axis=None)


_max: Any = np.maximum.reduce
_ONES: dict[Any, np.ndarray] = {}
_EXP_LIMITS: dict[Any, float] = {}


def _exp_limit(dtype: Any) -> float:
    """The largest t with e^t finite in `dtype` (float64 for non-float dtypes), a bit lower."""
    lim = _EXP_LIMITS.get(dtype)
    if lim is None:
        ftype = dtype if np.dtype(dtype).kind == "f" else np.float64
        lim = _EXP_LIMITS[dtype] = float(np.log(np.finfo(ftype).max)) - 1.0
    return lim
