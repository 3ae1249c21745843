"""Scans (running sums, products, maxima along an axis) and the product reduction.

cumsum's adjoint is the reversed running sum: y_i = sum_{j<=i} x_j, so dL/dx_j = sum_{i>=j} g_i.
Products are differentiated without dividing by x, so zeros get exact gradients: the product
of all the others is (product before) * (product after), two running products.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..function import Op
from ..registry import REDUCE, OpInfo, register, samples
from .indexing import scatter_add_zeros
from .operands import as_tensor, axis_or_dim
from .reduce import normalize_axis, reduction

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


def _is_tensor(x: Any) -> bool:
    return isinstance(x, function._Tensor)


def _flip(x: Array, axis: int) -> Array:
    return x.flip(axis) if _is_tensor(x) else np.flip(x, axis)


def _cumsum(x: Array, axis: int) -> Array:
    return Cumsum.apply(x, axis=axis) if _is_tensor(x) else np.cumsum(x, axis=axis)


def _rcumsum(g: Array, axis: int) -> Array:
    """sum_{i>=j} g_i along axis: the running sum from the end."""
    return _flip(_cumsum(_flip(g, axis), axis), axis)


def _cumprod(x: Array, axis: int) -> Array:
    return Cumprod.apply(x, axis=axis) if _is_tensor(x) else np.cumprod(x, axis=axis)


def _scan_axis(op: str, x: np.ndarray, axis: Any) -> int:
    if axis is None:
        raise TypeError(f"{op}: axis is required (flatten first for a scan over all elements)")
    return normalize_axis(op, axis, x.shape)[0] if x.ndim else 0


class Cumsum(Op):
    """y_i = sum_{j<=i} x_j along axis.  dy_i/dx_j = 1 for i>=j.

    Backward: dL/dx_j = sum_{i>=j} g_i, the reversed running sum.
    """

    @staticmethod
    def forward(ctx: Cumsum, x: np.ndarray, axis: int = 0) -> np.ndarray:
        ctx.ax = _scan_axis("cumsum", x, axis)
        return np.cumsum(x, axis=ctx.ax) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx: Cumsum, g: Array) -> Array:
        return _rcumsum(g, ctx.ax) if g.ndim else g


class Cumprod(Op):
    """y_i = prod_{j<=i} x_j along axis.  dy_i/dx_j = prod_{k<=i,k!=j} x_k for i>=j.

    Backward: dL/dx_j = sum_{i>=j} g_i prod_{k<=i, k!=j} x_k, exact at zeros.
    """

    @staticmethod
    def forward(ctx: Cumprod, x: np.ndarray, axis: int = 0) -> np.ndarray:
        ctx.ax = _scan_axis("cumprod", x, axis)
        out = np.asarray(np.cumprod(x, axis=ctx.ax) if x.ndim else x.copy())
        ctx.saved_tensors = (x, out)
        return out

    @staticmethod
    def backward(ctx: Cumprod, g: Array) -> Array:
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return g
        ax = ctx.ax
        xd = x.data if _is_tensor(x) else x
        if not (xd == 0).any():  # no zeros: sum_{i>=j} g_i y_i / x_j
            return _rcumsum(g * out, ax) / x
        # With zeros: dL/dx_j = L_j * S_j with L_j = prod_{k<j} x_k (exclusive running product)
        # and S_j = g_j + x_{j+1} S_{j+1} (the reversed Horner sum), one step per position.
        n = x.shape[ax]
        lead = (slice(None),) * ax

        def at(a: Array, j: int) -> Array:
            return a[lead + (slice(j, j + 1),)]

        ones = np.ones(xd.shape[:ax] + (1,) + xd.shape[ax + 1 :], dtype=xd.dtype)
        shifted = _concat([ones, x[lead + (slice(0, n - 1),)]], ax) if n > 1 else ones
        left = _cumprod(shifted, ax)
        s = [at(g, n - 1)]
        for j in range(n - 2, -1, -1):
            s.append(at(g, j) + at(x, j + 1) * s[-1])
        return left * _concat(s[::-1], ax)


def _concat(parts: list[Array], axis: int) -> Array:
    if any(_is_tensor(p) for p in parts):
        from .movement import concatenate

        return concatenate(parts, axis=axis)
    return np.concatenate(parts, axis=axis)


class Logcumsumexp(Op):
    """y_i = ln sum_{j<=i} e^(x_j) along axis.  dy_i/dx_j = exp(x_j - y_i) for i>=j."""

    @staticmethod
    def forward(ctx: Logcumsumexp, x: np.ndarray, axis: int = 0) -> np.ndarray:
        ctx.ax = _scan_axis("logcumsumexp", x, axis)
        out = np.asarray(np.logaddexp.accumulate(x, axis=ctx.ax) if x.ndim else x.copy())
        ctx.saved_tensors = (x, out)
        return out

    @staticmethod
    def backward(ctx: Logcumsumexp, g: Array) -> Array:
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return g
        # Pairwise over (j, i) with i >= j, where x_j - y_i <= 0: exp never overflows. The
        # scanned axis goes last, j and i become the last two axes.
        ax = ctx.ax
        xm = dual_moveaxis(x, ax)
        ym = dual_moveaxis(out, ax)
        gm = dual_moveaxis(g, ax)
        n = xm.shape[-1]
        upper = np.triu(np.ones((n, n), dtype=bool))  # i >= j
        diff = xm.reshape(xm.shape + (1,)) - ym.reshape(ym.shape[:-1] + (1, n))
        w = dual.where(upper, dual.exp(dual.where(upper, diff, 0.0)), 0.0)
        gx = (w * gm.reshape(gm.shape[:-1] + (1, n))).sum(axis=-1)
        return dual_moveaxis(gx, -1, ax)


def dual_moveaxis(a: Array, src: int, dst: int = -1) -> Array:
    if _is_tensor(a):
        return a.movedim(src, dst)
    return np.moveaxis(a, src, dst)


class Cumextreme(Op):
    """y_i = max (or min) of x_0..x_i along axis.  dy_i/dx_j = 1 where x_j is the running extreme.

    Backward: dL/dx_j = the sum of the g_i where x_j is y_i's source.
    """

    @staticmethod
    def forward(ctx: Cumextreme, x: np.ndarray, axis: int = 0, largest: bool = True) -> np.ndarray:
        ax = _scan_axis("cummax" if largest else "cummin", x, axis)
        ctx.ax = ax
        if x.ndim == 0:
            ctx.index = np.zeros((), dtype=np.int64)
            return x.copy()
        out = (np.maximum if largest else np.minimum).accumulate(x, axis=ax)
        # The index of the running extreme: the last position j <= i where x_j equals it (as
        # PyTorch, ties go to the later element).
        n = x.shape[ax]
        pos = np.arange(n).reshape((n,) + (1,) * (x.ndim - ax - 1))
        hit = np.where(x == out, pos, -1)  # x_i is the running extreme at i: a new (or tied) record
        ctx.index = np.maximum.accumulate(hit, axis=ax).astype(np.int64)
        return np.asarray(out)

    @staticmethod
    def backward(ctx: Cumextreme, g: Array) -> Array:
        if ctx.index.ndim == 0:
            return g
        return scatter_add_zeros(tuple(ctx.index.shape), ctx.ax, ctx.index, g)

    @classmethod
    def op_name(cls) -> str:
        return "cumextreme"

    def label(self) -> str:
        return "cummax" if self.kwargs.get("largest", True) else "cummin"


class Prod(Op):
    """y = product of x over axis (exact with zeros: no division).  dy/dx_j = prod_{k!=j} x_k."""

    @staticmethod
    def forward(ctx: Prod, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        axes, ctx.kshape, _ = reduction("prod", axis, x.shape)
        ctx.axes, ctx.keepdims = axes, keepdims
        out = np.asarray(np.prod(x, axis=axes, keepdims=keepdims))
        ctx.saved_tensors = (x, out)
        return out

    @staticmethod
    def backward(ctx: Prod, g: Array) -> Array:
        x, out = ctx.saved_tensors
        gk = g if ctx.keepdims else g.reshape(ctx.kshape)
        xd = x.data if _is_tensor(x) else x
        if not (xd == 0).any():
            ok = out if ctx.keepdims else out.reshape(ctx.kshape)
            return gk * ok / x
        # Some zeros: flatten the reduced axes into one last axis; the product of the others
        # is (exclusive running product from the left) * (from the right).
        axes = ctx.axes
        keep = [a for a in range(x.ndim) if a not in axes]
        perm = keep + list(axes)
        xt = x.transpose(perm) if perm != list(range(x.ndim)) else x
        lead = tuple(xd.shape[a] for a in keep)
        flat = xt.reshape(lead + (-1,))
        n = flat.shape[-1]
        ones = np.ones(lead + (1,), dtype=xd.dtype)
        left = _cumprod(_concat([ones, flat[..., : n - 1]], -1), -1) if n > 1 else ones
        rflat = _flip(flat, flat.ndim - 1)
        right = ones
        if n > 1:
            right = _flip(_cumprod(_concat([ones, rflat[..., : n - 1]], -1), -1), flat.ndim - 1)
        others = (left * right).reshape(tuple(xd.shape[a] for a in perm))
        if perm != list(range(x.ndim)):
            others = others.transpose(tuple(np.argsort(perm)))
        return gk * others


# -- functions ---------------------------------------------------------------------------------------
def _scan(op: str, fn: Any, x: Any, axis: Any, dim: Any) -> Tensor:
    x = as_tensor(x)
    ax = axis_or_dim(op, axis, dim)
    if ax is None:  # numpy: a scan over the flattened tensor
        x, ax = x.reshape(-1), 0
    return fn.apply(x, axis=ax)


def cumsum(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Running sum along axis (the flattened tensor when None, as numpy)."""
    return _scan("cumsum", Cumsum, x, axis, dim)


def cumprod(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Running product along axis; gradients are exact where x has zeros."""
    return _scan("cumprod", Cumprod, x, axis, dim)


def logcumsumexp(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """ln of the running sum of e^x along axis, without overflow."""
    return _scan("logcumsumexp", Logcumsumexp, x, axis, dim)


def _cumextreme(op: str, x: Any, axis: Any, dim: Any, largest: bool) -> tuple[Tensor, Tensor]:
    x = as_tensor(x)
    ax = axis_or_dim(op, axis, dim)
    if ax is None:
        x, ax = x.reshape(-1), 0
    values = Cumextreme.apply(x, axis=ax, largest=largest)
    index = values._ctx.index if values._ctx is not None else _index_of(x, ax, largest)
    return values, function._make(index, None)


def _index_of(x: Any, ax: int, largest: bool) -> np.ndarray:
    ctx = Cumextreme.__new__(Cumextreme)
    Cumextreme.forward(ctx, x.data, axis=ax, largest=largest)
    index: np.ndarray = ctx.index
    return index


def cummax(x: Any, axis: int | None = None, *, dim: int | None = None) -> tuple[Tensor, Tensor]:
    """(values, indices): the running maximum along axis and where it was reached (the later
    position at ties, as PyTorch). The gradient flows to the elements that are the maximum."""
    return _cumextreme("cummax", x, axis, dim, True)


def cummin(x: Any, axis: int | None = None, *, dim: int | None = None) -> tuple[Tensor, Tensor]:
    """(values, indices): the running minimum along axis (see `cummax`)."""
    return _cumextreme("cummin", x, axis, dim, False)


def prod(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool | None = None) -> Tensor:
    """Product over axis (all axes by default); the gradient is exact where x has zeros."""
    keep = bool(keepdims if keepdim is None else keepdim)
    return Prod.apply(as_tensor(x), axis=axis_or_dim("prod", axis, dim), keepdims=keep)


class ScanMixin:
    """Tensor methods for scans and prod."""

    __slots__ = ()

    def cumsum(self, axis: int | None = None, **kw: Any) -> Tensor:
        """Running sum along axis (`x.cumsum(0)`; flattened when None)."""
        return cumsum(self, axis, **_no_out("cumsum", kw))

    def cumprod(self, axis: int | None = None, **kw: Any) -> Tensor:
        """Running product along axis; exact gradients at zeros."""
        return cumprod(self, axis, **_no_out("cumprod", kw))

    def logcumsumexp(self, axis: int | None = None, **kw: Any) -> Tensor:
        """ln of the running sum of e^x along axis."""
        return logcumsumexp(self, axis, **kw)

    def cummax(self, axis: int | None = None, **kw: Any) -> tuple[Tensor, Tensor]:
        """(values, indices) of the running maximum along axis."""
        return cummax(self, axis, **kw)

    def cummin(self, axis: int | None = None, **kw: Any) -> tuple[Tensor, Tensor]:
        """(values, indices) of the running minimum along axis."""
        return cummin(self, axis, **kw)

    def prod(self, axis: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
        """Product over axis; exact gradients at zeros."""
        return prod(self, axis, keepdims, **_no_out("prod", kw))


def _no_out(op: str, kw: dict[str, Any]) -> dict[str, Any]:
    """kw without the `out=None`, `dtype=None` that numpy's np.prod(t), np.cumsum(t) pass to the
    method (so those stay in the graph, as np.sum(t) does); other values are refused."""
    for k in ("out", "dtype"):
        if k in kw:
            v = kw.pop(k)
            if v is not None:
                raise TypeError(f"{op}: {k}= is not supported on tensors (got {v!r})")
    return kw


# -- registry ---------------------------------------------------------------------------------------
SCAN = samples(((4,), {"axis": 0}), ((2, 3), {"axis": 1}), ((2, 3, 4), {"axis": -2}), ((5,), {}),
               ((2, 3), {}))


def _with_zeros(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    """Values away from 0, with some exact zeros (one or two per row): the hard case for prod."""
    out = []
    for s in shapes:
        x = rng.uniform(0.5, 1.5, size=s) * rng.choice([-1.0, 1.0], size=s)
        flat = x.reshape(-1)
        flat[:: max(len(flat) // 3, 2)] = 0.0
        out.append(x)
    return out


def _distinct(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    s = shapes[0]
    n = int(np.prod(s))
    return [(rng.permutation(n) * 0.2 - 0.1 * n + rng.uniform(-0.05, 0.05, n)).reshape(s)]


def _register() -> None:
    def np_scan(fn: Any) -> Any:
        return lambda x, axis=None: fn(x, axis=axis)

    register(OpInfo(name="cumsum", call=lambda x, **kw: x.cumsum(**kw), ref=np_scan(np.cumsum),
                    samples=SCAN, function=Cumsum))
    register(OpInfo(name="cumprod", call=lambda x, **kw: x.cumprod(**kw), ref=np_scan(np.cumprod),
                    samples=SCAN, function=Cumprod, avoid=(0.0,)))
    register(OpInfo(name="cumprod_zeros", call=lambda x, **kw: x.cumprod(**kw), ref=np_scan(np.cumprod),
                    samples=SCAN[:3], summary="cumprod of values with exact zeros: the gradient is exact",
                    make_inputs=_with_zeros))
    register(OpInfo(name="logcumsumexp", call=lambda x, **kw: x.logcumsumexp(**kw),
                    ref=np_scan(np.logaddexp.accumulate), samples=SCAN[:3] + samples(((3,), {"axis": 0})),
                    function=Logcumsumexp))
    for name, largest in (("cummax", True), ("cummin", False)):
        acc = np.maximum if largest else np.minimum
        register(OpInfo(
            name=name, call=(lambda n: lambda x, **kw: getattr(x, n)(**kw)[0])(name),
            ref=(lambda a: lambda x, axis=None: a.accumulate(x.reshape(-1) if axis is None else x,
                                                             axis=0 if axis is None else axis))(acc),
            samples=SCAN, function=Cumextreme if largest else None, make_inputs=_distinct,
            summary="" if largest else (cummin.__doc__ or "").splitlines()[0]))
    register(OpInfo(name="prod", call=lambda x, **kw: x.prod(**kw), ref=np.prod, samples=REDUCE,
                    function=Prod, avoid=(0.0,)))
    register(OpInfo(name="prod_zeros", call=lambda x, **kw: x.prod(**kw), ref=np.prod,
                    samples=samples(((4,), {}), ((2, 3), {"axis": 1}), ((2, 3, 4), {"axis": (0, 2)}),
                                    ((3, 3), {"axis": 0, "keepdims": True})),
                    summary="prod of values with exact zeros (one or several per product): exact gradient",
                    make_inputs=_with_zeros))


_register()
