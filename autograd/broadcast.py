"""NumPy broadcasting, in the one place that knows its rules.

Ops are written as if their inputs had equal shapes. When the forward pass broadcast an input,
the gradient that reaches it has the broadcast shape; `unbroadcast` sums it back to the input's
shape. The engine calls it for every input of every op, so no op contains broadcasting code.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .errors import shape_error


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape of `shapes`, or a ValueError that names `op` and the shapes."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise shape_error(op, shapes, "cannot be broadcast together") from None


def broadcast_error(op: str, error: ValueError, *arrays: Any) -> ValueError:
    """The error to raise after numpy's `error` on `arrays` in `op`.

    When the shapes cannot be broadcast, an error naming the op and the shapes
    ("add: shapes (2, 3) and (4,) cannot be broadcast together"); otherwise numpy's message
    after the op's name. Ops call it only once numpy has failed, so the success path pays
    nothing.
    """
    shapes = [np.shape(a) for a in arrays]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return shape_error(op, shapes, "cannot be broadcast together")
    return ValueError(f"{op}: {error}")


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum `grad` (an array or a Tensor) down to `shape`, undoing NumPy broadcasting.

    Broadcasting prepends axes and stretches axes of size 1; its adjoint sums over the
    prepended axes and over the stretched ones (keeping them, with size 1).

    (2, 3) -> (3,): sum over axis 0.    (2, 3) -> (2, 1): sum over axis 1, keepdims.
    """
    gshape = grad.shape
    if gshape == shape:
        return grad
    axes, lead = _plan(gshape, shape)
    if type(grad) is np.ndarray and axes == _LEADING[lead]:  # the common case, a bias: one call
        return _add_reduce(grad, axes)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


_add_reduce = np.add.reduce  # ndarray.sum without its Python wrapper
_LEADING = [tuple(range(n)) for n in range(64)]  # the first n axes; numpy allows 64 dimensions


@functools.lru_cache(maxsize=4096)
def _plan(gshape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """(axes to sum, number of leading axes to drop) to take `gshape` down to `shape`.

    Cached: a training loop unbroadcasts the same pairs of shapes at every step.
    """
    lead = len(gshape) - len(shape)
    # Only shapes that `shape` broadcasts to: the trailing axes match, or `shape` has 1 there.
    # (Checked first: the reshape would also accept other shapes of the same size.)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, gshape[lead:], strict=True)):
        raise ValueError(f"unbroadcast: gradient of shape {gshape} cannot be summed to shape {shape}")
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1
    )
    return axes, lead
