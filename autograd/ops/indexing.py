"""Indexing along an axis with integer index tensors, as PyTorch's `gather` and `scatter` family.

They come in adjoint pairs: `gather` picks x[..., index[i], ...] along `axis`, and its backward
adds the gradient back at the same places (`scatter_add` into zeros); `scatter_add`'s backward
for the source is `gather`. `index_select` is `gather` with one index list for every position,
`masked_fill` keeps x where the mask is false, `masked_select` is boolean indexing.

`index` tensors are integer tensors (no gradient) with as many axes as x; along the other axes
they may be shorter than x (as PyTorch). Indices may be negative (counted from the end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..function import Op
from ..registry import OpInfo, register, samples
from .binary import where
from .operands import as_tensor, axis_or_dim
from .reduce import normalize_axis

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


def _is_tensor(x: Any) -> bool:
    return isinstance(x, function._Tensor)


def index_array(op: str, index: Any) -> np.ndarray:
    """An index tensor/array/list as an integer numpy array, or a TypeError naming the op."""
    a = np.asarray(index.data if _is_tensor(index) else index)
    if a.dtype.kind not in "iu":
        if a.size == 0:
            return a.astype(np.int64)
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {a.dtype}")
    return a


def check_index(op: str, shape: tuple[int, ...], axis: int, index: np.ndarray) -> tuple[int, np.ndarray]:
    """(axis as a non-negative int, index with negative entries counted from the end), or a
    clear error when the index does not fit a tensor of `shape`."""
    ax = normalize_axis(op, axis, shape)[0] if len(shape) else 0
    if index.ndim != len(shape):
        raise ValueError(
            f"{op}: index of shape {index.shape} must have as many axes as the tensor of shape "
            f"{shape}"
        )
    bad = [d for d in range(len(shape)) if d != ax and index.shape[d] > shape[d]]
    if bad:
        raise ValueError(
            f"{op}: index of shape {index.shape} is larger than the tensor of shape {shape} along "
            f"axis {bad[0]} (only axis {ax} may differ)"
        )
    n = shape[ax] if len(shape) else 1
    if index.size and (index.min() < -n or index.max() >= n):
        lo, hi = int(index.min()), int(index.max())
        raise IndexError(
            f"{op}: index values must be in [{-n}, {n}) for axis {ax} of size {n} (shape "
            f"{shape}), got values from {lo} to {hi}"
        )
    return ax, np.where(index < 0, index + n, index) if index.size and index.min() < 0 else index


def _grid(index: np.ndarray, axis: int) -> tuple[Any, ...]:
    """The full numpy index of the elements `index` points at: index along `axis`, the
    element's own position along the other axes."""
    grid: list[Any] = list(np.ix_(*[np.arange(n) for n in index.shape])) if index.ndim else []
    if index.ndim:
        grid[axis] = index
    return tuple(grid) if index.ndim else ()


def _leading(x: Any, shape: tuple[int, ...], axis: int) -> Any:
    """x cut to `shape` along every axis but `axis` (a differentiable slice for Tensors)."""
    cut = tuple(slice(None) if d == axis or n == x.shape[d] else slice(0, n) for d, n in enumerate(shape))
    if all(s == slice(None) for s in cut):
        return x
    return x[cut]


def gather_array(x: Array, axis: int, index: np.ndarray) -> Array:
    """x[..., index, ...] along axis (shapes already checked); Tensors stay in the graph."""
    x = _leading(x, index.shape, axis)
    if _is_tensor(x):
        return Gather.apply(x, axis=axis, index=index)
    return np.take_along_axis(x, index, axis=axis) if index.ndim else x[()]


def scatter_add_zeros(shape: tuple[int, ...], axis: int, index: np.ndarray, src: Array) -> Array:
    """zeros(shape) with src added at the places `index` points to along axis: `dual.index_add`
    at those places' full numpy index (Tensors stay in the graph)."""
    return dual.index_add(shape, _grid(index, axis), src)


class Gather(Op):
    """y[i][j] = x[index[i][j]][j] (axis 0; any axis likewise).  dy/dx = 1 at the gathered elements.

    Backward: scatter-add g into x's shape.
    """

    @staticmethod
    def forward(ctx: Gather, x: np.ndarray, axis: int = 0, index: Any = None) -> np.ndarray:
        ctx.shape = x.shape
        return np.asarray(np.take_along_axis(x, index, axis=axis) if index.ndim else x[()])

    @staticmethod
    def backward(ctx: Gather, g: Array) -> Array:
        return scatter_add_zeros(ctx.shape, ctx.kwargs["axis"], ctx.kwargs["index"], g)

    def label(self) -> str:
        return f"gather(axis={self.kwargs.get('axis')})"


class ScatterAdd(Op):
    """y = x with src[i][j] added at y[index[i][j]][j] (axis 0).  dy/dx = 1, dy/dsrc = 1 at index."""

    @staticmethod
    def forward(
        ctx: ScatterAdd, x: np.ndarray, src: np.ndarray, axis: int = 0, index: Any = None
    ) -> np.ndarray:
        out = np.array(x, dtype=np.result_type(x, src))
        np.add.at(out, _grid(index, axis), src)
        return out

    @staticmethod
    def backward(ctx: ScatterAdd, g: Array) -> tuple[Array, Array]:
        return g, gather_array(g, ctx.kwargs["axis"], ctx.kwargs["index"])

    @classmethod
    def op_name(cls) -> str:
        return "scatter_add"

    def label(self) -> str:
        return f"scatter_add(axis={self.kwargs.get('axis')})"


class Scatter(Op):
    """y = x with y[index[i][j]][j] = src[i][j] (axis 0).
    dy/dx = 1 where not overwritten, dy/dsrc = 1 at index.
    """

    @staticmethod
    def forward(ctx: Scatter, x: np.ndarray, src: np.ndarray, axis: int = 0, index: Any = None) -> np.ndarray:
        out = np.array(x, dtype=np.result_type(x, src))
        grid = _grid(index, axis)
        out[grid] = src
        kept = np.ones(x.shape, dtype=bool)
        kept[grid] = False
        ctx.kept = kept
        return out

    @staticmethod
    def backward(ctx: Scatter, g: Array) -> tuple[Array, Array]:
        return dual.where(ctx.kept, g, 0.0), gather_array(g, ctx.kwargs["axis"], ctx.kwargs["index"])

    def label(self) -> str:
        return f"scatter(axis={self.kwargs.get('axis')})"


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


class ScatterReduce(Op):
    """y = x with src reduced into y[index[i][j]][j] (sum, prod, mean, amax, amin; axis 0).
    dy/dx = d reduce / d x, dy/dsrc = d reduce / d src.

    Backward, for each output element and the group of values reduced into it (x's own value
    when include_self): sum: g; mean: g / count; prod: g times the product of the others
    (exact with zeros); amax/amin: g shared evenly among the values equal to the result.
    """

    @staticmethod
    def forward(
        ctx: ScatterReduce, x: np.ndarray, src: np.ndarray, axis: int = 0, index: Any = None,
        reduce: str = "sum", include_self: bool = True,
    ) -> np.ndarray:
        grid = _grid(index, axis)
        hit = np.zeros(x.shape, dtype=bool)
        hit[grid] = True
        count = np.zeros(x.shape, dtype=x.dtype)
        np.add.at(count, grid, 1)
        # x's own value counts once (always with include_self, else where nothing was scattered)
        count = count + 1 if include_self else np.maximum(count, 1)
        ctx.hit, ctx.count = hit, count
        ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
                 "amin": np.minimum}[reduce]
        out = np.array(x, dtype=np.result_type(x, src))
        if not include_self:  # start from the reduction's identity where something is scattered
            start = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "amax": -np.inf, "amin": np.inf}[reduce]
            out[hit] = start
        ufunc.at(out, grid, src)
        if reduce == "mean":
            out = out / count
        ctx.saved_tensors = (x, src, out)
        return out

    @staticmethod
    def backward(ctx: ScatterReduce, g: Array) -> tuple[Array, Array]:
        x, src, out = ctx.saved_tensors
        axis, index = ctx.kwargs["axis"], ctx.kwargs["index"]
        reduce, include_self = ctx.kwargs.get("reduce", "sum"), ctx.kwargs.get("include_self", True)
        # x's own value takes part where include_self, or where nothing was scattered into it.
        own = np.ones(ctx.hit.shape, dtype=bool) if include_self else ~ctx.hit
        if reduce in ("sum", "mean"):
            gt = g / ctx.count if reduce == "mean" else g
            return dual.where(own, gt, 0.0), gather_array(gt, axis, index)
        if reduce in ("amax", "amin"):
            xd, sd, od = (_data(v) for v in (x, src, out))
            x_is = own & (xd == od)
            s_is = sd == gather_array(od, axis, index)
            ties = x_is.astype(xd.dtype)
            np.add.at(ties, _grid(index, axis), s_is)
            gt = g / np.maximum(ties, 1)
            return dual.where(x_is, gt, 0.0), dual.where(s_is, gather_array(gt, axis, index), 0.0)
        # prod: the product of the others in the group, without dividing by a zero. A nonzero
        # member v gets g * out / v (out, the group's product, is 0 when the group holds a
        # zero, and stays a function of that zero for second derivatives); a zero member gets
        # g times the product of the others when it is the group's only zero, else 0.
        xd, sd = _data(x), _data(src)
        zeros = (own & (xd == 0)).astype(xd.dtype)
        np.add.at(zeros, _grid(index, axis), sd == 0)
        if (zeros > 1).any() and _is_tensor(g):
            raise NotImplementedError(
                "scatter_reduce(reduce='prod'): second derivatives where two or more zeros are "
                "reduced into one element are not supported"
            )
        x_nz = dual.where(own & (xd != 0), x, 1.0)
        s_nz = dual.where(sd != 0, src, 1.0)
        if (zeros == 1).any():
            prod_nz = scatter_reduce(x_nz, axis, index, s_nz, "prod") if _is_tensor(x_nz) else \
                _prod_np(_data(x_nz), axis, index, _data(s_nz))
        else:
            prod_nz = np.zeros(xd.shape, dtype=xd.dtype)  # not used: no group has one zero
        go, gp = g * out, g * prod_nz
        gx = dual.where(own & (xd != 0), go / dual.where(xd != 0, x, 1.0),
                        dual.where(own & (zeros == 1), gp, 0.0))
        zs = gather_array(zeros, axis, index)
        gs = dual.where(sd != 0, gather_array(go, axis, index) / s_nz,
                        dual.where(zs == 1, gather_array(gp, axis, index), 0.0))
        return gx, gs

    @classmethod
    def op_name(cls) -> str:
        return "scatter_reduce"

    def label(self) -> str:
        return f"scatter_reduce(axis={self.kwargs.get('axis')}, reduce={self.kwargs.get('reduce')!r})"


def _prod_np(x: np.ndarray, axis: int, index: np.ndarray, src: np.ndarray) -> np.ndarray:
    out = np.array(x)
    np.multiply.at(out, _grid(index, axis), src)
    return out


def _data(v: Any) -> Any:
    return v.data if _is_tensor(v) else v


class MaskedFill(Op):
    """y = value where mask else x.  dy/dx = 1 where not mask."""

    @staticmethod
    def forward(ctx: MaskedFill, x: np.ndarray, mask: Any = None, value: float = 0.0) -> np.ndarray:
        try:
            keep = ~np.broadcast_to(mask, x.shape)
        except ValueError:
            raise ValueError(
                f"masked_fill: mask of shape {np.shape(mask)} cannot be broadcast to the tensor's "
                f"shape {x.shape}"
            ) from None
        ctx.keep = keep
        return np.where(keep, x, np.asarray(value, dtype=x.dtype))

    @staticmethod
    def backward(ctx: MaskedFill, g: Array) -> Array:
        return dual.where(ctx.keep, g, 0.0)

    @classmethod
    def op_name(cls) -> str:
        return "masked_fill"


# -- functions ----------------------------------------------------------------------------------
def _axis(op: str, axis: Any, dim: Any) -> Any:
    """The axis (axis= or dim=), which these ops require."""
    ax = axis_or_dim(op, axis, dim)
    if ax is None:
        raise TypeError(f"{op}: missing the axis (axis= or dim=)")
    return ax


def gather(x: Any, axis: int | None = None, index: Any = None, *, dim: int | None = None) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for axis 0 (any axis likewise), as torch.gather.

    `index` is an integer tensor with as many axes as x; the output has its shape.
    """
    x = as_tensor(x)
    ax = _axis("gather", axis, dim)
    idx = index_array("gather", index)
    ax, idx = check_index("gather", x.shape, ax, idx)
    return Gather.apply(_leading(x, idx.shape, ax), axis=ax, index=idx)


def take_along_axis(x: Any, indices: Any, axis: int) -> Tensor:
    """numpy.take_along_axis: gather with an index that broadcasts against x."""
    x = as_tensor(x)
    idx = index_array("take_along_axis", indices)
    if idx.ndim != x.ndim:
        raise ValueError(
            f"take_along_axis: indices of shape {idx.shape} must have as many axes as the tensor "
            f"of shape {x.shape}"
        )
    ax = normalize_axis("take_along_axis", axis, x.shape)[0]
    try:
        shape = np.broadcast_shapes(
            tuple(1 if d == ax else n for d, n in enumerate(x.shape)),
            tuple(1 if d == ax else n for d, n in enumerate(idx.shape)),
        )
    except ValueError:
        raise ValueError(
            f"take_along_axis: indices of shape {idx.shape} do not broadcast against the tensor "
            f"of shape {x.shape} (outside axis {ax})"
        ) from None
    xs = tuple(x.shape[ax] if d == ax else n for d, n in enumerate(shape))
    ids = tuple(idx.shape[ax] if d == ax else n for d, n in enumerate(shape))
    xb = x if x.shape == xs else x.broadcast_to(xs)
    return gather(xb, ax, np.broadcast_to(idx, ids))


def index_select(x: Any, axis: int | None = None, index: Any = None, *, dim: int | None = None) -> Tensor:
    """The entries `index` (a 1-D integer tensor) along axis, as torch.index_select."""
    x = as_tensor(x)
    ax = normalize_axis("index_select", _axis("index_select", axis, dim), x.shape)[0]
    idx = index_array("index_select", index)
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-D, got shape {idx.shape}")
    idx = idx.reshape(-1)
    shape = tuple(len(idx) if d == ax else 1 for d in range(x.ndim))
    full = tuple(len(idx) if d == ax else n for d, n in enumerate(x.shape))
    ax, idx = check_index("index_select", x.shape, ax, np.broadcast_to(idx.reshape(shape), full))
    return Gather.apply(x, axis=ax, index=np.ascontiguousarray(idx))


def _src(op: str, x: Any, src: Any, idx: np.ndarray, ax: int) -> Any:
    if not _is_tensor(src) and np.ndim(src) == 0:  # a number: the same value everywhere
        return function._Tensor(np.full(idx.shape, src, dtype=x.dtype))
    src = as_tensor(src)
    if src.ndim != idx.ndim or any(s < i for s, i in zip(src.shape, idx.shape, strict=True)):
        raise ValueError(
            f"{op}: src of shape {src.shape} must have as many axes as the index of shape "
            f"{idx.shape} and be at least as large along each"
        )
    return _leading(src, idx.shape, -1) if src.shape != idx.shape else src


def scatter_add(x: Any, axis: int | None = None, index: Any = None, src: Any = None, *,
                dim: int | None = None) -> Tensor:
    """x with src added at the places index points to along axis (repeats accumulate), as
    torch.scatter_add: out[index[i][j]][j] += src[i][j] for axis 0."""
    x = as_tensor(x)
    idx = index_array("scatter_add", index)
    ax, idx = check_index("scatter_add", x.shape, _axis("scatter_add", axis, dim), idx)
    return ScatterAdd.apply(x, _src("scatter_add", x, src, idx, ax), axis=ax, index=idx)


def scatter(x: Any, axis: int | None = None, index: Any = None, src: Any = None, *,
            dim: int | None = None, value: Any = None, reduce: str | None = None) -> Tensor:
    """x with src (or a number, `value`) written at the places index points to along axis, as
    torch.scatter: out[index[i][j]][j] = src[i][j] for axis 0. Where an index repeats, one of
    the values wins (which one is unspecified, as in PyTorch). `reduce="add"`/`"multiply"` are
    scatter_reduce's sum and prod."""
    if reduce is not None:
        kinds = {"add": "sum", "multiply": "prod"}
        if reduce not in kinds:
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        return scatter_reduce(x, axis, index, src if value is None else value, kinds[reduce], dim=dim)
    x = as_tensor(x)
    idx = index_array("scatter", index)
    ax, idx = check_index("scatter", x.shape, _axis("scatter", axis, dim), idx)
    if (src is None) == (value is None):
        raise TypeError("scatter: give src= or value=, one of them")
    return Scatter.apply(x, _src("scatter", x, src if value is None else value, idx, ax), axis=ax, index=idx)


def scatter_reduce(x: Any, axis: int | None = None, index: Any = None, src: Any = None,
                   reduce: str = "sum", include_self: bool = True, *, dim: int | None = None) -> Tensor:
    """x with src reduced into the places index points to along axis, as torch.scatter_reduce;
    reduce is "sum", "prod", "mean", "amax" or "amin"; with include_self=False x's own value
    takes no part where something is scattered."""
    if reduce not in _REDUCES:
        raise ValueError(f"scatter_reduce: reduce must be one of {', '.join(_REDUCES)}; got {reduce!r}")
    x = as_tensor(x)
    idx = index_array("scatter_reduce", index)
    ax, idx = check_index("scatter_reduce", x.shape, _axis("scatter_reduce", axis, dim), idx)
    return ScatterReduce.apply(x, _src("scatter_reduce", x, src, idx, ax), axis=ax, index=idx,
                               reduce=reduce, include_self=bool(include_self))


def _mask(op: str, mask: Any) -> np.ndarray:
    m = np.asarray(mask.data if _is_tensor(mask) else mask)
    if m.dtype != np.bool_:
        raise TypeError(f"{op}: mask must be a bool tensor, got dtype {m.dtype}")
    return m


def masked_fill(x: Any, mask: Any, value: Any) -> Tensor:
    """x with `value` (a number or a 0-d tensor) where mask (a bool tensor broadcasting to x) is true."""
    if _is_tensor(value):
        if value.ndim != 0:
            raise ValueError(
                f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
            )
        x = as_tensor(x)
        return where(_mask("masked_fill", mask), value.broadcast_to(x.shape), x)
    return MaskedFill.apply(as_tensor(x), mask=_mask("masked_fill", mask), value=float(value))


def masked_select(x: Any, mask: Any) -> Tensor:
    """The elements of x where mask is true, as a 1-D tensor (mask and x broadcast together)."""
    x = as_tensor(x)
    m = _mask("masked_select", mask)
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise ValueError(
            f"masked_select: mask of shape {m.shape} and tensor of shape {x.shape} cannot be "
            "broadcast together"
        ) from None
    xb = x if x.shape == shape else x.broadcast_to(shape)
    return xb[np.broadcast_to(m, shape)]


def nonzero(x: Any, as_tuple: bool = False) -> Any:
    """The indices of the nonzero elements: an int64 tensor (n, ndim) as torch.nonzero, or with
    as_tuple=True one 1-D tensor per axis (numpy.nonzero). No gradient."""
    a = x.data if _is_tensor(x) else np.asarray(x)
    idx = np.nonzero(np.atleast_1d(a) if a.ndim == 0 and as_tuple else a)
    if as_tuple:
        return tuple(function._make(np.asarray(i, dtype=np.int64), None) for i in idx)
    return function._make(np.stack(idx, axis=-1).astype(np.int64).reshape(-1, a.ndim), None)


def one_hot(index: Any, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape index.shape + (num_classes,) with 1 at each index, as
    torch.nn.functional.one_hot (num_classes=-1: one more than the largest index). No gradient."""
    idx = index_array("one_hot", index)
    if idx.size and idx.min() < 0:
        raise IndexError(f"one_hot: indices must be non-negative, got {int(idx.min())}")
    n = int(idx.max()) + 1 if num_classes == -1 and idx.size else int(num_classes)
    if num_classes == -1 and not idx.size:
        raise ValueError("one_hot: cannot infer num_classes from an empty index; pass it")
    if idx.size and idx.max() >= n:
        raise IndexError(f"one_hot: index {int(idx.max())} is out of range for num_classes={n}")
    out = np.zeros((*idx.shape, n), dtype=np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return function._make(out, None)


class IndexingMixin:
    """Tensor methods for indexing along an axis."""

    __slots__ = ()

    def gather(self, axis: int | None = None, index: Any = None, **kw: Any) -> Tensor:
        """out[i][j] = self[index[i][j]][j] along axis (torch.gather)."""
        return gather(self, axis, index, **kw)

    def take_along_axis(self, indices: Any, axis: int) -> Tensor:
        """numpy.take_along_axis."""
        return take_along_axis(self, indices, axis)

    def index_select(self, axis: int | None = None, index: Any = None, **kw: Any) -> Tensor:
        """The entries `index` along axis (torch.index_select)."""
        return index_select(self, axis, index, **kw)

    def scatter(self, axis: int | None = None, index: Any = None, src: Any = None, **kw: Any) -> Tensor:
        """A copy with src written at index along axis (torch.scatter)."""
        return scatter(self, axis, index, src, **kw)

    def scatter_add(self, axis: int | None = None, index: Any = None, src: Any = None, **kw: Any) -> Tensor:
        """A copy with src added at index along axis (torch.scatter_add)."""
        return scatter_add(self, axis, index, src, **kw)

    def scatter_reduce(self, axis: int | None = None, index: Any = None, src: Any = None,
                       reduce: str = "sum", include_self: bool = True, **kw: Any) -> Tensor:
        """A copy with src reduced into index along axis (torch.scatter_reduce)."""
        return scatter_reduce(self, axis, index, src, reduce, include_self, **kw)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """A copy with `value` where mask is true."""
        return masked_fill(self, mask, value)

    def masked_select(self, mask: Any) -> Tensor:
        """The elements where mask is true, as a 1-D tensor."""
        return masked_select(self, mask)

    def nonzero(self, as_tuple: bool = False) -> Any:
        """Indices of the nonzero elements (torch.nonzero); no gradient."""
        return nonzero(self, as_tuple)


# -- registry -------------------------------------------------------------------------------------
_RNG = np.random.default_rng(7)


def _idx(high: int, shape: tuple[int, ...]) -> np.ndarray:
    return _RNG.integers(0, high, size=shape)


def _distinct(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    """Values with no ties (amax/amin pick one element): a shuffled grid, 0.1 apart."""
    out = []
    for s in shapes:
        n = int(np.prod(s))
        out.append((rng.permutation(n) * 0.1 - 0.05 * n + rng.uniform(-0.02, 0.02, n)).reshape(s))
    return out


def _nonzero_inputs(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    return [rng.uniform(0.5, 1.5, size=s) * rng.choice([-1, 1], size=s) for s in shapes]


def _np_scatter_reduce(x: np.ndarray, src: np.ndarray, axis: int, index: np.ndarray, reduce: str,
                       include_self: bool = True) -> np.ndarray:
    """A plain loop over the index: the reference for scatter_reduce."""
    out = np.array(x)
    groups: dict[tuple[int, ...], list[float]] = {}
    for pos in np.ndindex(*index.shape):
        tgt = tuple(int(index[pos]) if d == axis else p for d, p in enumerate(pos))
        groups.setdefault(tgt, []).append(float(src[pos]))
    fn: Any = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    for tgt, vals in groups.items():
        out[tgt] = fn([float(x[tgt]), *vals] if include_self else vals)
    return out


def _register() -> None:
    i23 = np.array([[1, 0, 1], [0, 0, 2]])
    register(OpInfo(
        name="gather", call=lambda x, **kw: gather(x, **kw),
        ref=lambda x, axis, index: np.take_along_axis(
            x[tuple(slice(0, n) if d != axis % x.ndim else slice(None) for d, n in enumerate(index.shape))],
            index, axis=axis),
        samples=samples(((3, 3), {"axis": 0, "index": i23}), ((2, 4), {"axis": 1, "index": _idx(4, (2, 5))}),
                        ((2, 3, 4), {"axis": -1, "index": np.array([[[3, -1]], [[0, 0]]])}),
                        ((4,), {"axis": 0, "index": np.array([3, 3, 0])})),
        function=Gather))
    register(OpInfo(
        name="take_along_axis", call=lambda x, **kw: take_along_axis(x, **kw),
        ref=lambda x, indices, axis: np.take_along_axis(x, indices, axis),
        samples=samples(((2, 3), {"indices": np.array([[2, 0, 0, 1]]), "axis": 1}),
                        ((3, 2), {"indices": np.array([[0], [2]]), "axis": 0})),
        summary=(take_along_axis.__doc__ or "").splitlines()[0]))
    register(OpInfo(
        name="index_select", call=lambda x, **kw: index_select(x, **kw),
        ref=lambda x, axis, index: np.take(x, index, axis=axis),
        samples=samples(((3, 4), {"axis": 0, "index": np.array([2, 0, 2])}),
                        ((2, 3, 4), {"axis": -1, "index": np.array([1, 3])})),
        summary=(index_select.__doc__ or "").splitlines()[0]))

    def ref_scatter_add(x: np.ndarray, src: np.ndarray, axis: int, index: np.ndarray) -> np.ndarray:
        return _np_scatter_reduce(x, src, axis % x.ndim, index, "sum")

    register(OpInfo(
        name="scatter_add", call=lambda x, src, **kw: scatter_add(x, src=src, **kw), ref=ref_scatter_add,
        samples=samples((((3, 3), (2, 3)), {"axis": 0, "index": i23}),
                        (((2, 4), (2, 5)), {"axis": 1, "index": _idx(4, (2, 5))}),
                        (((2, 3, 4), (2, 2, 3)), {"axis": -1, "index": _idx(4, (2, 2, 3))})),
        function=ScatterAdd))
    perm = np.array([[1, 0, 2], [2, 1, 0]])  # distinct per column: no two writes to one place

    def ref_scatter(x: np.ndarray, src: np.ndarray, axis: int, index: np.ndarray) -> np.ndarray:
        out = np.array(x)
        np.put_along_axis(out, index, src[tuple(slice(0, n) for n in index.shape)], axis=axis)
        return out

    register(OpInfo(
        name="scatter", call=lambda x, src, **kw: scatter(x, src=src, **kw), ref=ref_scatter,
        samples=samples((((3, 3), (2, 3)), {"axis": 0, "index": perm}),
                        (((3, 3), (3, 2)), {"axis": 1, "index": perm.T[:3, :2]})),
        function=Scatter))
    reduce_samples = []
    for reduce in _REDUCES:
        reduce_samples += [
            (((3, 3), (2, 3)), {"axis": 0, "index": np.array([[1, 0, 1], [1, 0, 2]]), "reduce": reduce}),
            (((2, 4), (2, 5)), {"axis": 1, "index": np.array([[0, 3, 0, 1, 0], [2, 2, 1, 2, 2]]),
                                "reduce": reduce, "include_self": False}),
        ]
    register(OpInfo(
        name="scatter_reduce", call=lambda x, src, **kw: scatter_reduce(x, src=src, **kw),
        ref=lambda x, src, axis, index, reduce, include_self=True: _np_scatter_reduce(
            x, src, axis, index, reduce, include_self),
        samples=samples(*reduce_samples), function=ScatterReduce, make_inputs=_distinct))
    register(OpInfo(
        name="scatter_reduce_prod_zeros",
        call=lambda x, src, **kw: scatter_reduce(x, src=src, reduce="prod", **kw),
        ref=lambda x, src, axis, index, include_self=True: _np_scatter_reduce(
            x, src, axis, index, "prod", include_self),
        summary="scatter_reduce(reduce='prod') with zeros among the values: the gradient is exact",
        samples=samples((((4,), (5,)), {"axis": 0, "index": np.array([0, 0, 1, 1, 2])})),
        make_inputs=lambda rng, shapes: [np.array([0.0, 1.5, -0.7, 0.0]),
                                         np.array([0.8, -1.2, 0.0, 0.9, 1.3])]))
    mask23 = np.array([[True, False, True], [False, False, True]])
    register(OpInfo(
        name="masked_fill", call=lambda x, **kw: x.masked_fill(**kw),
        ref=lambda x, mask, value: np.where(mask, value, x),
        samples=samples(((2, 3), {"mask": mask23, "value": -1.5}),
                        ((2, 3), {"mask": np.array([False, True, False]), "value": 0.0})),
        function=MaskedFill))
    register(OpInfo(
        name="masked_select", call=lambda x, **kw: x.masked_select(**kw),
        ref=lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
            np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))],
        samples=samples(((2, 3), {"mask": mask23}), ((3,), {"mask": mask23})),
        summary=(masked_select.__doc__ or "").splitlines()[0]))
    _ = _nonzero_inputs


_register()
