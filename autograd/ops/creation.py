"""Tensors from nothing or from another tensor's shape: linspace, meshgrid, full_like, and
clone (a copy that stays in the graph)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import function
from ..dtypes import get_default_dtype
from ..function import Op
from ..registry import OpInfo, register, samples
from .binary import lift
from .movement import stack

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


class Clone(Op):
    """y = x, a copy with its own memory.  dy/dx = 1."""

    @staticmethod
    def forward(ctx: Clone, x: np.ndarray) -> np.ndarray:
        return np.array(x, copy=True)

    @staticmethod
    def backward(ctx: Clone, g: Array) -> Array:
        return g


def clone(x: Any) -> Tensor:
    """A copy of x with its own memory, in the graph (its gradient is the copy's), as torch.clone."""
    x = lift(x)
    return Clone.apply(x if isinstance(x, function._Tensor) else function._Tensor(x))


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included (torch.linspace, numpy.linspace)."""
    if int(steps) < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    dtype = dtype if dtype is not None else get_default_dtype()
    a = np.linspace(float(start), float(end), int(steps), dtype=dtype)
    return function._Tensor(a, requires_grad=requires_grad)


def full_like(x: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of x's shape (and dtype, unless given) filled with fill_value."""
    a = x.data if isinstance(x, function._Tensor) else np.asarray(x)
    return function._Tensor(np.full_like(a, fill_value, dtype=dtype), requires_grad=requires_grad)


def meshgrid(*tensors: Any, indexing: str = "ij") -> list[Tensor]:
    """Coordinate grids from 1-D tensors, as torch.meshgrid: indexing "ij" (PyTorch's default:
    output i varies along axis i) or "xy" (numpy's default: the first two axes swapped). Each
    grid is its vector broadcast, so gradients sum back over the copies."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [t if isinstance(t, function._Tensor) else function._Tensor(lift(t)) for t in tensors]
    bad = [t.shape for t in ts if t.ndim > 1]
    if bad:
        raise ValueError(f"meshgrid: expected 0-d or 1-D tensors, got shape {bad[0]}")
    ts = [t.reshape(-1) for t in ts]
    sizes = [t.shape[0] for t in ts]
    n = len(ts)
    order = list(range(n))
    if indexing == "xy" and n >= 2:
        order[0], order[1] = 1, 0
    shape = tuple(sizes[order[d]] for d in range(n))
    out = []
    for i, t in enumerate(ts):
        pos = order.index(i)
        out.append(t.reshape(tuple(-1 if d == pos else 1 for d in range(n))).broadcast_to(shape))
    return out


class CreationMixin:
    """Tensor methods: clone."""

    __slots__ = ()

    def clone(self) -> Tensor:
        """A copy with its own memory, in the graph."""
        return clone(self)


def _register() -> None:
    register(OpInfo(name="clone", call=lambda x: x.clone(), ref=lambda x: np.array(x),
                    samples=samples(((2, 3),), ((),)),
                    function=Clone))

    def stacked(*xs: Any, indexing: str = "ij") -> Any:
        return stack(meshgrid(*xs, indexing=indexing))

    register(OpInfo(
        name="meshgrid", call=stacked,
        ref=lambda *xs, indexing="ij": np.stack(np.meshgrid(*xs, indexing=indexing)),
        samples=samples(((2,), (3,)), (((2,), (3,), (4,)), {"indexing": "xy"})),
        summary=(meshgrid.__doc__ or "").splitlines()[0] + " (tested stacked)"))


_register()
