"""sort, argsort and topk: which element goes where is decided by comparing values, and the
values themselves are then gathered - so the gradient of the sorted values flows back to the
elements they came from (gather's backward), and the indices carry no gradient."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import function
from ..function import Op
from ..registry import OpInfo, register, samples
from .indexing import scatter_add_zeros
from .operands import as_tensor
from .reduce import normalize_axis

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


def _axis(op: str, axis: Any, dim: Any) -> Any:
    if dim is not None:
        if axis is not None and axis != -1:
            raise TypeError(f"{op}: give axis= or dim=, not both")
        return dim
    return axis


def _flat_if_none(x: Tensor, axis: Any) -> tuple[Tensor, Any]:
    """axis=None sorts the flattened tensor, as numpy's sort and argsort do."""
    return (x.reshape(-1), 0) if axis is None else (x, axis)


def _order(op: str, x: Any, axis: int, descending: bool) -> tuple[int, np.ndarray]:
    """(axis, the stable ordering of x's values along axis)."""
    if x.ndim == 0:
        return 0, np.zeros((), dtype=np.int64)
    ax = normalize_axis(op, axis, x.shape)[0]
    a = x.data
    if a.dtype.kind == "b":
        a = a.astype(np.int8)
    # Descending and stable: sort the negated values, so equal values keep their order. NaN
    # goes last in ascending order and first in descending order, as in PyTorch.
    if descending:
        key = np.where(np.isnan(a), -np.inf, -a) if a.dtype.kind == "f" else -a.astype(np.int64)
        idx = np.argsort(key, axis=ax, kind="stable")
        if a.dtype.kind == "f" and np.isnan(a).any():  # NaNs first
            nan_first = np.argsort(~np.isnan(np.take_along_axis(a, idx, ax)), axis=ax, kind="stable")
            idx = np.take_along_axis(idx, nan_first, ax)
    else:
        idx = np.argsort(a, axis=ax, kind="stable")
    return ax, idx.astype(np.int64)


class Sort(Op):
    """y = x sorted along axis (or its top k).  dy/dx = 1 at the element each value came from."""

    @staticmethod
    def forward(
        ctx: Sort, x: np.ndarray, axis: int = -1, descending: bool = False, k: int | None = None
    ) -> np.ndarray:
        # The order is found here, inside the op, so that a replayed graph sorts its new values.
        ax, idx = _order("topk" if k is not None else "sort", _Values(x), axis, descending)
        if k is not None and x.ndim:
            n = x.shape[ax]
            if not 0 <= int(k) <= n:
                raise ValueError(f"topk: k={k} is out of range for axis {ax} of size {n} (shape {x.shape})")
            idx = np.ascontiguousarray(np.take(idx, np.arange(int(k)), axis=ax))
        ctx.ax, ctx.index, ctx.shape = ax, idx, x.shape
        return np.take_along_axis(x, idx, axis=ax) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx: Sort, g: Array) -> Array:
        if not ctx.index.ndim:
            return g
        return scatter_add_zeros(ctx.shape, ctx.ax, ctx.index, g)


class _Values:
    """An array seen as a tensor by `_order` (which reads .data and .ndim)."""

    def __init__(self, a: np.ndarray) -> None:
        self.data, self.ndim, self.shape = a, a.ndim, a.shape


def _sorted(x: Any, axis: Any, descending: bool, k: int | None) -> tuple[Tensor, Tensor]:
    out = Sort.apply(x, axis=axis, descending=descending, k=k)
    ctx = out._ctx
    if ctx is None:  # not recorded: find the indices again (no graph keeps them)
        ctx = Sort.__new__(Sort)
        Sort.forward(ctx, x.data, axis=axis, descending=descending, k=k)
    return out, function._make(ctx.index, None)


def sort(x: Any, axis: int = -1, descending: bool = False, stable: bool = True, *,
         dim: int | None = None) -> tuple[Tensor, Tensor]:
    """(values, indices): x sorted along axis (ascending unless descending=True), as torch.sort.
    axis=None sorts the flattened tensor, as numpy. The sort is always stable (equal values keep
    their order). The values' gradient flows back to the elements they came from; the indices
    (int64) have none."""
    x, ax = _flat_if_none(as_tensor(x), _axis("sort", axis, dim))
    return _sorted(x, ax, descending, None)


def argsort(x: Any, axis: int = -1, descending: bool = False, stable: bool = True, *,
            dim: int | None = None) -> Tensor:
    """The indices that sort x along axis (stable): an int64 tensor, no gradient."""
    x, ax = _flat_if_none(as_tensor(x), _axis("argsort", axis, dim))
    return function._make(_order("argsort", x, ax, descending)[1], None)


def topk(x: Any, k: int, axis: int = -1, largest: bool = True, sorted: bool = True, *,
         dim: int | None = None) -> tuple[Tensor, Tensor]:
    """(values, indices) of the k largest (or smallest) elements along axis, largest first, as
    torch.topk. The values' gradient flows back to the elements they came from."""
    x, ax = _flat_if_none(as_tensor(x), _axis("topk", axis, dim))
    return _sorted(x, ax, largest, int(k))


class SortingMixin:
    """Tensor methods for sorting."""

    __slots__ = ()

    def sort(
        self, axis: int = -1, descending: bool = False, stable: bool = True, **kw: Any
    ) -> tuple[Tensor, Tensor]:
        """(values, indices) sorted along axis, as torch.sort; gradient through the values."""
        return sort(self, axis, descending, stable, **kw)

    def argsort(self, axis: int = -1, descending: bool = False, stable: bool = True, **kw: Any) -> Tensor:
        """Indices that sort along axis (int64, no gradient)."""
        return argsort(self, axis, descending, stable, **kw)

    def topk(self, k: int, axis: int = -1, largest: bool = True, sorted: bool = True,
             **kw: Any) -> tuple[Tensor, Tensor]:
        """(values, indices) of the k largest (or smallest) along axis, as torch.topk."""
        return topk(self, k, axis, largest, sorted, **kw)


def _distinct(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    """Values 0.1 apart (no ties: a tie's order is a choice, not a derivative)."""
    s = shapes[0]
    n = int(np.prod(s))
    return [(rng.permutation(n) * 0.1 - 0.05 * n + rng.uniform(-0.02, 0.02, n)).reshape(s)]


def _np_topk(x: np.ndarray, k: int, axis: int = -1, largest: bool = True) -> np.ndarray:
    s = np.sort(x, axis=axis)
    if largest:
        s = np.flip(s, axis)
    return np.take(s, np.arange(k), axis=axis)


def _register() -> None:
    register(OpInfo(
        name="sort", call=lambda x, **kw: x.sort(**kw)[0],
        ref=lambda x, axis=-1, descending=False: np.flip(np.sort(x, axis), axis) if descending
        else np.sort(x, axis),
        samples=samples(((5,), {}), ((2, 3), {"axis": 0}), ((2, 3, 4), {"axis": 1, "descending": True})),
        make_inputs=_distinct, function=Sort))
    register(OpInfo(
        name="topk", call=lambda x, **kw: x.topk(**kw)[0], ref=_np_topk,
        samples=samples(((5,), {"k": 2}), ((2, 4), {"k": 3, "axis": 0 - 1, "largest": False}),
                        ((3, 2, 4), {"k": 2, "axis": 0})),
        make_inputs=_distinct, summary=(topk.__doc__ or "").splitlines()[0]))


_register()
