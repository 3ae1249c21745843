"""Pooling over 1, 2 or 3 spatial axes (NCL, NCHW, NCDHW), with PyTorch's arguments.

A window of K taps (spaced `dilation` apart) moves by `stride` over the input, padded by
`padding` on both sides; with `ceil_mode` a last, partial window is kept when it starts inside
the input or its left padding. Everything works one kernel offset at a time: offset k reads the
strided slice x_pad[.., l*s + k*d] for all output positions l at once, so the loops run over the
K offsets of the window, never over pixels.

- max pooling: y = the largest value in the window (padding counts as -inf). Its gradient goes
  to that one element (the first, on ties): g is scattered back through the argmax positions,
  which are also the `return_indices` (flat positions in each input plane, as PyTorch's).
- average pooling: y = the window's sum / its divisor (the window size, or the number of
  elements inside the input when `count_include_pad` is False). Its gradient spreads g / divisor
  evenly over the window.
- adaptive pooling: output position i of an axis of size S -> L covers the input rows
  floor(i S / L) .. ceil((i + 1) S / L) - 1.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..function import Op
from ..registry import OpInfo, register, samples
from .conv import (
    Ints,
    Pads,
    batched,
    check_input,
    col2im,
    geometry_label,
    ntuple,
    offset_slices,
    pad_spatial,
    unbatch,
)
from .operands import as_tensor

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


# -- geometry ---------------------------------------------------------------------------------
def pool_geometry(op: str, size: Ints, ksize: Ints, stride: Ints, padding: Ints, dilation: Ints,
                  ceil_mode: bool) -> tuple[Ints, Pads]:
    """Output size and (before, after) padding; after grows to fit ceil_mode's last window."""
    out, pads = [], []
    for n, k, s, p, d in zip(size, ksize, stride, padding, dilation, strict=True):
        span = d * (k - 1) + 1
        if p > span // 2:
            raise ValueError(
                f"{op}: padding {padding} must be at most half of the kernel's extent "
                f"(kernel_size {ksize}, dilation {dilation})"
            )
        room = n + 2 * p - span
        if room < 0:
            raise ValueError(
                f"{op}: the window (kernel_size {ksize}, dilation {dilation}) is larger than the "
                f"padded input {tuple(m + 2 * q for m, q in zip(size, padding, strict=True))} "
                f"(input spatial size {tuple(size)}, padding {padding})"
            )
        m = (-(-room // s) if ceil_mode else room // s) + 1
        if ceil_mode and (m - 1) * s >= n + p:  # the last window must start inside the input
            m -= 1
        out.append(m)
        pads.append((p, max(0, (m - 1) * s + span - n - 2 * p) + p))
    return tuple(out), tuple(pads)


def _offsets(ksize: Ints) -> list[Ints]:
    return list(itertools.product(*(range(k) for k in ksize)))


# -- scattering back through argmax positions -------------------------------------------------
def scatter_planes(g: Array, index: np.ndarray, shape: Ints) -> Array:
    """zeros(shape) with g added at `index` (flat positions in each (n, c) plane of `shape`)."""
    rows = shape[0] * shape[1]
    plane = math.prod(shape[2:])
    if isinstance(g, function.Tensor):
        idx = (np.arange(rows)[:, None], index.reshape(rows, -1))
        return dual.index_add((rows, plane), idx, g.reshape(rows, -1)).reshape(shape)
    flat = (index.reshape(rows, -1) + (np.arange(rows) * plane)[:, None]).ravel()
    out = np.bincount(flat, weights=g.ravel(), minlength=rows * plane)  # repeats accumulate
    return out.astype(g.dtype, copy=False).reshape(shape)


def gather_planes(x: Array, index: np.ndarray) -> Array:
    """x[n, c].flat[index[n, c]]: the adjoint of scatter_planes."""
    rows = x.shape[0] * x.shape[1]
    out = x.reshape(rows, -1)[np.arange(rows)[:, None], index.reshape(rows, -1)]
    return out.reshape(index.shape)


def _flat_index(positions: list[np.ndarray], size: Ints) -> np.ndarray:
    """Per-axis positions (broadcastable) -> flat positions in a plane of `size`."""
    flat = positions[0]
    for pos, n in zip(positions[1:], size[1:], strict=True):
        flat = flat * n + pos
    return flat


# -- max pooling ------------------------------------------------------------------------------
_Tiles = tuple[np.ndarray, np.ndarray, np.ndarray]
_TILES: dict[tuple[Ints, Ints], _Tiles] = {}  # (shape, kernel) -> tiles


def _tiles(shape: Ints, ksize: Ints) -> _Tiles:
    """For windows that tile the input (stride = kernel, no padding): the flat input position
    of each window's first element (M,), each kernel offset's distance from it (K,), in window
    order, and their sum (K, M): where each offset of each window reads. Cached per shape: a
    training loop asks for the same few again and again."""
    key = (tuple(shape), tuple(ksize))
    hit = _TILES.get(key)
    if hit is not None:
        return hit
    size = shape[2:]
    steps = [math.prod(size[ax + 1:]) for ax in range(len(size))]  # flat step of each axis
    origin = (np.arange(shape[0] * shape[1]) * math.prod(size)).reshape((-1,) + (1,) * len(size))
    offs = np.zeros((1,) * len(size), dtype=np.intp)
    for ax, (n, k, step) in enumerate(zip(size, ksize, steps, strict=True)):
        along = [1] * len(size)
        along[ax] = -1
        origin = origin + (np.arange(n // k) * (k * step)).reshape([1] + along)
        offs = offs + (np.arange(k) * step).reshape(along)
    hit = (origin.ravel(), offs.ravel(), offs.reshape(-1, 1) + origin.ravel())
    if len(_TILES) >= 16:
        _TILES.clear()
    _TILES[key] = hit
    return hit


class MaxPool(Op):
    """y = max of x over each window (padding is -inf).  dy/dx = 1 at the argmax of each window.

    PyTorch's argmax: the first maximum on ties, the last NaN if the window holds one; elsewhere
    0: g is scattered back to the argmax positions.
    """

    @staticmethod
    def forward(ctx: MaxPool, x: np.ndarray, kernel_size: Ints = (1,), stride: Ints = (1,),
                padding: Ints = (0,), dilation: Ints = (1,), ceil_mode: bool = False) -> np.ndarray:
        nd = len(kernel_size)
        op = f"max_pool{nd}d"
        check_input(op, x, nd)
        out, pads = pool_geometry(op, x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode)
        ctx.shape = x.shape
        ctx.sel = None
        if (tuple(stride) == tuple(kernel_size) and not any(padding) and all(d == 1 for d in dilation)
                and all(m * k <= n for m, k, n in zip(out, kernel_size, x.shape[2:], strict=True))):
            return MaxPool._tiled(ctx, x, kernel_size, out)
        xp = pad_spatial(x, pads, -np.inf)
        offsets = _offsets(kernel_size)
        y = np.array(xp[offset_slices(offsets[0], stride, dilation, out)])
        arg = np.zeros(y.shape, dtype=np.intp)
        for i, k in enumerate(offsets[1:], 1):  # one strided slice per kernel offset
            v = xp[offset_slices(k, stride, dilation, out)]
            better = (v > y) | np.isnan(v)  # PyTorch's rule, so NaN propagates as there
            np.copyto(y, v, where=better)
            arg[better] = i
        # argmax offset -> flat position in the input plane (l*s + k*d - pad on each axis)
        ks = np.unravel_index(arg, kernel_size)
        positions = []
        for ax, (ki, s, d, (lo, _)) in enumerate(zip(ks, stride, dilation, pads, strict=True)):
            shape = [1] * y.ndim
            shape[2 + ax] = out[ax]
            positions.append(np.arange(out[ax]).reshape(shape) * s + ki * d - lo)
        ctx.index = _flat_index(positions, x.shape[2:])
        return y

    @staticmethod
    def _tiled(ctx: MaxPool, x: np.ndarray, kernel_size: Ints, out: Ints) -> np.ndarray:
        """Windows that tile the input (the usual MaxPool2d(k)): one gather puts the K kernel
        offsets in K contiguous planes (M,), then K - 1 elementwise passes over whole planes.
        (Strided slices of a small image, or a reduction over a short last axis, run numpy's
        inner loop a few elements at a time: several times slower at these sizes.)"""
        origin, offs, where = _tiles(x.shape, kernel_size)
        planes = np.ravel(x).take(where)  # (K, M)
        y = planes[0].copy()
        for p in planes[1:]:
            np.maximum(y, p, out=y)
        # The first offset holding the maximum: arg counts the planes before the first hit.
        arg = np.zeros(y.shape, dtype=np.uint8 if len(offs) < 256 else np.intp)
        missed = planes[0] != y
        for p in planes[1:]:
            arg += missed
            missed &= p != y
        if np.isnan(y).any():  # a window with NaN: its last NaN, as PyTorch
            rows = np.flatnonzero(np.isnan(y))
            nan = np.isnan(planes[::-1, rows])
            arg[rows] = len(offs) - 1 - nan.argmax(axis=0)
        ctx.sel = origin + offs[arg]  # flat positions of the argmaxes in x (M,)
        ctx.out = tuple(out)
        return y.reshape(x.shape[:2] + tuple(out))

    @property
    def index(self) -> np.ndarray:
        """The argmax positions, flat in each (n, c) plane: PyTorch's `return_indices`."""
        got = self.__dict__.get("index")
        if got is None:
            sel, shape = self.sel, self.shape
            got = (sel % math.prod(shape[2:])).reshape(shape[:2] + self.out)
            self.__dict__["index"] = got
        return got

    @index.setter
    def index(self, value: np.ndarray) -> None:
        self.__dict__["index"] = value

    @staticmethod
    def backward(ctx: MaxPool, g: Array) -> Array:
        if ctx.sel is not None and not isinstance(g, function.Tensor):
            gx = np.zeros(math.prod(ctx.shape), dtype=g.dtype)
            gx[ctx.sel] = np.ravel(g)  # the windows do not overlap: one value per position
            return gx.reshape(ctx.shape)
        return scatter_planes(g, ctx.index, ctx.shape)

    @classmethod
    def op_name(cls) -> str:
        return "max_pool"

    def label(self) -> str:
        kw = getattr(self, "kwargs", None) or {}
        return geometry_label(f"max_pool{len(kw.get('kernel_size', ''))}d", kw)


class AdaptiveMaxPool(Op):
    """y = max of x over adaptive windows.  dy/dx = 1 at the argmax of each window.

    Output i of an axis S -> L covers rows floor(iS/L) .. ceil((i+1)S/L) - 1; elsewhere the
    derivative is 0.
    """

    @staticmethod
    def forward(ctx: AdaptiveMaxPool, x: np.ndarray, output_size: Ints = (1,)) -> np.ndarray:
        nd = len(output_size)
        check_input(f"adaptive_max_pool{nd}d", x, nd)
        size = x.shape[2:]
        # Each axis: a (L, Kmax) table of input rows; short windows repeat their last row,
        # which changes neither the max nor (first on ties) the argmax.
        tables = [adaptive_windows(n, m) for n, m in zip(size, output_size, strict=True)]
        grids = []
        for ax, t in enumerate(tables):
            shape = [1] * (2 * nd)
            shape[2 * ax], shape[2 * ax + 1] = t.shape
            grids.append(t.reshape(shape))
        flat = _flat_index(grids, size)  # (L1, K1, L2, K2, ...)
        perm = tuple(range(0, 2 * nd, 2)) + tuple(range(1, 2 * nd, 2))
        flat = np.ascontiguousarray(flat.transpose(perm)).reshape(tuple(output_size) + (-1,))
        rows = x.shape[0] * x.shape[1]
        vals = x.reshape(rows, -1)[:, flat]  # (N*C, *L, K)
        arg = np.argmax(vals, axis=-1)
        y = np.take_along_axis(vals, arg[..., None], axis=-1)[..., 0]
        index = np.take_along_axis(np.broadcast_to(flat, vals.shape), arg[..., None], axis=-1)[..., 0]
        ctx.index = index.reshape(x.shape[:2] + tuple(output_size))
        ctx.shape = x.shape
        return y.reshape(x.shape[:2] + tuple(output_size))

    @staticmethod
    def backward(ctx: AdaptiveMaxPool, g: Array) -> Array:
        return scatter_planes(g, ctx.index, ctx.shape)

    @classmethod
    def op_name(cls) -> str:
        return "adaptive_max_pool"


def adaptive_windows(n: int, m: int) -> np.ndarray:
    """(m, Kmax) input rows of the m adaptive windows over n rows (last row repeated)."""
    i = np.arange(m)
    start = (i * n) // m
    end = -((-(i + 1) * n) // m)
    kmax = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1)


class MaxUnpool(Op):
    """y = zeros(output_size) with x placed at `indices`.  dy/dx = 1 at the indices.

    `indices` are flat positions in each plane (the inverse of max pooling); backward reads g
    back at the same indices.
    """

    @staticmethod
    def forward(ctx: MaxUnpool, x: np.ndarray, indices: np.ndarray | None = None,
                output_size: Ints = (1,)) -> np.ndarray:
        nd = len(output_size)
        op = f"max_unpool{nd}d"
        check_input(op, x, nd)
        idx = np.asarray(indices)
        plane = math.prod(output_size)
        if idx.shape != x.shape or idx.dtype.kind not in "iu":
            raise ValueError(f"{op}: indices must be integers of the input's shape {x.shape}, got "
                             f"{idx.dtype} of shape {idx.shape}")
        if idx.size and (idx.min() < 0 or idx.max() >= plane):
            raise ValueError(f"{op}: indices must be in [0, {plane}) for an output of spatial size "
                             f"{tuple(output_size)}, got values from {idx.min()} to {idx.max()}")
        rows = x.shape[0] * x.shape[1]
        y = np.zeros((rows, plane), dtype=x.dtype)
        y[np.arange(rows)[:, None], idx.reshape(rows, -1)] = x.reshape(rows, -1)
        return y.reshape(x.shape[:2] + tuple(output_size))

    @staticmethod
    def backward(ctx: MaxUnpool, g: Array) -> Array:
        return gather_planes(g, np.asarray(ctx.kwargs["indices"]))

    @classmethod
    def op_name(cls) -> str:
        return "max_unpool"


# -- average pooling --------------------------------------------------------------------------
def avg_divisor(size: Ints, out: Ints, ksize: Ints, stride: Ints, padding: Ints,
                count_include_pad: bool) -> np.ndarray:
    """The divisor of each window, (*L): a product of one factor per axis, as PyTorch's."""
    div = np.ones((), dtype=np.float64)
    for ax, (n, m, k, s, p) in enumerate(zip(size, out, ksize, stride, padding, strict=True)):
        start = np.arange(m) * s - p
        end = np.minimum(start + k, n + p)  # ceil_mode's extra padding never counts
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        shape = [1] * len(size)
        shape[ax] = m
        div = div * (end - start).reshape(shape)
    return div


class AvgPool(Op):
    """y = sum of x over each window / divisor.  dy/dx = 1/divisor in each window.

    Each element gets g / divisor from every window it is in.
    """

    @staticmethod
    def forward(ctx: AvgPool, x: np.ndarray, kernel_size: Ints = (1,), stride: Ints = (1,),
                padding: Ints = (0,), ceil_mode: bool = False, count_include_pad: bool = True,
                divisor_override: int | None = None) -> np.ndarray:
        nd = len(kernel_size)
        op = f"avg_pool{nd}d"
        check_input(op, x, nd)
        ones = (1,) * nd
        out, pads = pool_geometry(op, x.shape[2:], kernel_size, stride, padding, ones, ceil_mode)
        xp = pad_spatial(x, pads)
        offsets = _offsets(kernel_size)
        acc = np.array(xp[offset_slices(offsets[0], stride, ones, out)])
        for k in offsets[1:]:  # one strided slice-add per kernel offset
            acc += xp[offset_slices(k, stride, ones, out)]
        if divisor_override is not None:
            div: Any = float(divisor_override)
        else:
            div = avg_divisor(x.shape[2:], out, kernel_size, stride, padding, count_include_pad)
            div = div.astype(x.dtype) if x.dtype.kind == "f" else div
        ctx.div, ctx.pads, ctx.shape, ctx.out = div, pads, x.shape, out
        return acc / div

    @staticmethod
    def backward(ctx: AvgPool, g: Array) -> Array:
        kw = ctx.kwargs
        ksize, stride = kw["kernel_size"], kw["stride"]
        ones = (1,) * len(ksize)
        gs = g / ctx.div
        if isinstance(gs, function.Tensor):  # the adjoint of a depthwise all-ones convolution
            from .conv import ConvTranspose

            c = ctx.shape[1]
            w = function.Tensor(np.ones((c, 1) + tuple(ksize), dtype=gs.dtype))
            return ConvTranspose.apply(gs, w, None, stride=stride, padding=ctx.pads,
                                       output_size=ctx.shape[2:], dilation=ones, groups=c)
        lead = gs[(slice(None), slice(None)) + (None,) * len(ksize)]
        cols = np.broadcast_to(lead, gs.shape[:2] + tuple(ksize) + gs.shape[2:])
        return col2im(cols, ctx.shape, ksize, stride, ctx.pads, ones, ctx.out)

    @classmethod
    def op_name(cls) -> str:
        return "avg_pool"

    def label(self) -> str:
        kw = getattr(self, "kwargs", None) or {}
        return geometry_label(f"avg_pool{len(kw.get('kernel_size', ''))}d", kw)


# -- entry points (nn.functional re-exports them under PyTorch's names) ------------------------
def max_pool(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
             ceil_mode: bool = False, return_indices: bool = False, nd: int = 2) -> Any:
    """N-d max pooling with PyTorch's arguments; stride defaults to kernel_size."""
    op = f"max_pool{nd}d"
    ks = ntuple(op, "kernel_size", kernel_size, nd)
    st = ks if stride is None else ntuple(op, "stride", stride, nd)
    x, single = batched(op, as_tensor(x), nd)
    y = MaxPool.apply(x, kernel_size=ks, stride=st, padding=ntuple(op, "padding", padding, nd, 0),
                      dilation=ntuple(op, "dilation", dilation, nd), ceil_mode=bool(ceil_mode))
    if not return_indices:
        return unbatch(y, single)
    ctx = y._ctx
    if ctx is None:  # not recorded: compute the indices on their own
        ctx = object.__new__(MaxPool)
        MaxPool.forward(ctx, x.data, ks, st, ntuple(op, "padding", padding, nd, 0),
                        ntuple(op, "dilation", dilation, nd), bool(ceil_mode))
    indices = function.Tensor(ctx.index.astype(np.int64))
    return unbatch(y, single), unbatch(indices, single)


def avg_pool(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
             count_include_pad: bool = True, divisor_override: int | None = None, nd: int = 2) -> Tensor:
    """N-d average pooling with PyTorch's arguments; stride defaults to kernel_size."""
    op = f"avg_pool{nd}d"
    ks = ntuple(op, "kernel_size", kernel_size, nd)
    st = ks if stride is None else ntuple(op, "stride", stride, nd)
    if divisor_override is not None and int(divisor_override) < 1:
        raise ValueError(f"{op}: divisor_override must be a positive int, got {divisor_override!r}")
    x, single = batched(op, as_tensor(x), nd)
    y = AvgPool.apply(x, kernel_size=ks, stride=st, padding=ntuple(op, "padding", padding, nd, 0),
                      ceil_mode=bool(ceil_mode), count_include_pad=bool(count_include_pad),
                      divisor_override=None if divisor_override is None else int(divisor_override))
    return unbatch(y, single)


def _adaptive_size(op: str, x: Tensor, output_size: Any, nd: int) -> Ints:
    """PyTorch's output_size: an int, or nd ints where None keeps the input's size."""
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    sizes = tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"{op}: output_size must be an int or {nd} values, got {output_size!r}")
    out = tuple(n if m is None else int(m) for m, n in zip(sizes, x.shape[2:], strict=True))
    if any(m < 1 for m in out):
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    return out


def adaptive_avg_pool(x: Any, output_size: Any, nd: int = 2) -> Tensor:
    """Average over adaptive windows (a composite: each axis is one matmul by a constant
    (L, S) averaging matrix, whose rows hold 1/window size; exact also for overlapping windows).
    When S is a multiple of L, it is avg_pool with kernel = stride = S / L."""
    op = f"adaptive_avg_pool{nd}d"
    x, single = batched(op, as_tensor(x), nd)
    out = _adaptive_size(op, x, output_size, nd)
    size = x.shape[2:]
    if all(n % m == 0 for n, m in zip(size, out, strict=True)):
        ks = tuple(n // m for n, m in zip(size, out, strict=True))
        if ks == (1,) * nd:
            return unbatch(x, single)
        return unbatch(AvgPool.apply(x, kernel_size=ks, stride=ks, padding=(0,) * nd), single)
    y = x
    for ax, (n, m) in enumerate(zip(size, out, strict=True)):
        if n == m:
            continue
        table = adaptive_windows(n, m)
        mat = np.zeros((m, n), dtype=x.dtype if x.dtype.kind == "f" else np.float64)
        for i, row in enumerate(table):
            rows = np.unique(row)
            mat[i, rows] = 1.0 / len(rows)
        y = (y.swapaxes(2 + ax, -1) @ function.Tensor(mat.T)).swapaxes(2 + ax, -1)
    return unbatch(y, single)


def adaptive_max_pool(x: Any, output_size: Any, return_indices: bool = False, nd: int = 2) -> Any:
    """Max over adaptive windows (see `AdaptiveMaxPool`), optionally with the argmax indices."""
    op = f"adaptive_max_pool{nd}d"
    x, single = batched(op, as_tensor(x), nd)
    out = _adaptive_size(op, x, output_size, nd)
    y = AdaptiveMaxPool.apply(x, output_size=out)
    if not return_indices:
        return unbatch(y, single)
    ctx = y._ctx
    if ctx is None:
        ctx = object.__new__(AdaptiveMaxPool)
        AdaptiveMaxPool.forward(ctx, x.data, out)
    return unbatch(y, single), unbatch(function.Tensor(ctx.index.astype(np.int64)), single)


def max_unpool(x: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               output_size: Any = None, nd: int = 2) -> Tensor:
    """The inverse of max_pool: x placed at `indices` in zeros; the output's spatial size is
    (L - 1) s - 2p + K unless `output_size` says otherwise."""
    op = f"max_unpool{nd}d"
    ks = ntuple(op, "kernel_size", kernel_size, nd)
    st = ks if stride is None else ntuple(op, "stride", stride, nd)
    pd = ntuple(op, "padding", padding, nd, 0)
    x, single = batched(op, as_tensor(x), nd)
    # A copy: backward reads the indices after the caller may have changed their array.
    idx = np.array(indices.data if isinstance(indices, function.Tensor) else indices, copy=True)
    if single:
        idx = idx.reshape((1,) + idx.shape)
    if output_size is None:
        size = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[2:], st, pd, ks, strict=True))
    else:
        size = tuple(int(n) for n in tuple(output_size)[-nd:])
    return unbatch(MaxUnpool.apply(x, indices=idx, output_size=size), single)


# -- references (one window at a time) and registration ---------------------------------------
def _ref_windows(x: np.ndarray, out: Ints, ksize: Ints, stride: Ints, pads: Pads, dilation: Ints,
                 value: float) -> Any:
    xp = np.pad(x, ((0, 0), (0, 0)) + pads, constant_values=value)
    for pos in itertools.product(*(range(m) for m in out)):
        idx = tuple(slice(p * s, p * s + d * (k - 1) + 1, d)
                    for p, s, d, k in zip(pos, stride, dilation, ksize, strict=True))
        yield pos, xp[(slice(None), slice(None)) + idx]


def ref_max_pool(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 ceil_mode: bool = False) -> np.ndarray:
    nd = x.ndim - 2
    ks = ntuple("ref", "k", kernel_size, nd)
    st = ks if stride is None else ntuple("ref", "s", stride, nd)
    pd, dl = ntuple("ref", "p", padding, nd, 0), ntuple("ref", "d", dilation, nd)
    out, pads = pool_geometry("ref", x.shape[2:], ks, st, pd, dl, ceil_mode)
    y = np.zeros(x.shape[:2] + out)
    for pos, win in _ref_windows(x, out, ks, st, pads, dl, -np.inf):
        y[(slice(None), slice(None)) + pos] = win.reshape(x.shape[:2] + (-1,)).max(axis=-1)
    return y


def ref_avg_pool(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> np.ndarray:
    nd = x.ndim - 2
    ks = ntuple("ref", "k", kernel_size, nd)
    st = ks if stride is None else ntuple("ref", "s", stride, nd)
    pd = ntuple("ref", "p", padding, nd, 0)
    out, pads = pool_geometry("ref", x.shape[2:], ks, st, pd, (1,) * nd, ceil_mode)
    edge = 1.0 if count_include_pad else 0.0
    inside = np.pad(np.ones(x.shape[2:]), [(p, p) for p in pd], constant_values=edge)
    inside = np.pad(inside, [(0, hi - lo) for lo, hi in pads])  # ceil_mode's extra never counts
    y = np.zeros(x.shape[:2] + out)
    wins = _ref_windows(x, out, ks, st, pads, (1,) * nd, 0.0)
    counts = _ref_windows(inside[None, None], out, ks, st, tuple((0, 0) for _ in pads), (1,) * nd, 0.0)
    for (pos, win), (_, cnt) in zip(wins, counts, strict=True):
        div = divisor_override or cnt.sum()
        y[(slice(None), slice(None)) + pos] = win.reshape(x.shape[:2] + (-1,)).sum(axis=-1) / div
    return y


def ref_adaptive(x: np.ndarray, output_size: Any, reduce: Any) -> np.ndarray:
    """`reduce` over each adaptive window; output_size as PyTorch's (None keeps an axis)."""
    nd = x.ndim - 2
    sizes = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    out = tuple(n if m is None else m for m, n in zip(sizes, x.shape[2:], strict=True))
    y = np.zeros(x.shape[:2] + out)
    for pos in itertools.product(*(range(m) for m in out)):
        idx = tuple(slice((i * n) // m, -((-(i + 1) * n) // m))
                    for i, n, m in zip(pos, x.shape[2:], out, strict=True))
        win = x[(slice(None), slice(None)) + idx]
        y[(slice(None), slice(None)) + pos] = reduce(win.reshape(x.shape[:2] + (-1,)), axis=-1)
    return y


def _distinct(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    """Distinct values at least 0.05 apart, so max pooling has no near-ties for finite
    differences to trip on."""
    n = math.prod(shapes[0])
    vals = (rng.permutation(n) - n / 2) * 0.1 + rng.uniform(-0.02, 0.02, size=n)
    return [vals.reshape(shapes[0])]


def _unpool_sample(shape: Ints, ks: int) -> dict[str, Any]:
    """Indices from max pooling a fixed array, as max_unpool gets them."""
    nd = len(shape) - 2
    x = np.random.default_rng(7).permutation(math.prod(shape)).reshape(shape).astype(np.float64)
    ctx = object.__new__(MaxPool)  # the op's forward on arrays: Tensor does not exist yet
    MaxPool.forward(ctx, x, (ks,) * nd, (ks,) * nd, (0,) * nd, (1,) * nd, False)
    return {"indices": ctx.index.astype(np.int64), "kernel_size": ks, "output_size": shape[2:]}


def _register() -> None:
    pool_samples = {
        1: samples(((2, 2, 7), {"kernel_size": 3}),
                   ((1, 2, 8), {"kernel_size": 2, "stride": 1, "padding": 1, "dilation": 2}),
                   ((1, 1, 8), {"kernel_size": 3, "stride": 2, "ceil_mode": True})),
        2: samples(((2, 2, 5, 5), {"kernel_size": 2}),
                   ((1, 2, 6, 5), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1)}),
                   ((1, 1, 7, 7), {"kernel_size": 2, "stride": 2, "dilation": 2, "padding": 1}),
                   ((1, 1, 6, 6), {"kernel_size": 3, "stride": 2, "ceil_mode": True})),
        3: samples(((1, 2, 4, 4, 4), {"kernel_size": 2}),
                   ((1, 1, 5, 4, 5), {"kernel_size": (3, 2, 2), "stride": (2, 1, 2), "padding": 1,
                                      "ceil_mode": True})),
    }
    avg_samples = {
        1: samples(((2, 2, 7), {"kernel_size": 3}),
                   ((1, 2, 8), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
                   ((1, 1, 8), {"kernel_size": 3, "stride": 2, "ceil_mode": True, "padding": 1})),
        2: samples(((2, 2, 4, 4), {"kernel_size": 2}),
                   ((1, 2, 6, 5), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1)}),
                   ((1, 1, 5, 5), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                   "count_include_pad": False}),
                   ((1, 1, 6, 6), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
                   ((1, 1, 4, 4), {"kernel_size": 2, "stride": 1, "divisor_override": 3})),
        3: samples(((1, 2, 4, 4, 4), {"kernel_size": 2}),
                   ((1, 1, 5, 4, 5), {"kernel_size": (3, 2, 2), "stride": 2, "padding": 1,
                                      "ceil_mode": True, "count_include_pad": False})),
    }
    adaptive_samples = {
        1: samples(((2, 2, 7), {"output_size": 3}), ((1, 2, 8), {"output_size": 4})),
        2: samples(((2, 2, 5, 7), {"output_size": (3, 3)}), ((1, 2, 6, 6), {"output_size": 1}),
                   ((1, 1, 5, 4), {"output_size": (2, None)}), ((1, 1, 4, 4), {"output_size": 2})),
        3: samples(((1, 2, 5, 4, 3), {"output_size": (2, 3, 2)}), ((1, 1, 4, 4, 4), {"output_size": 2})),
    }
    for nd in (1, 2, 3):
        register(OpInfo(
            name=f"max_pool{nd}d",
            call=lambda x, _nd=nd, **kw: max_pool(x, nd=_nd, **kw),
            ref=ref_max_pool,
            samples=pool_samples[nd],
            function=MaxPool,
            make_inputs=_distinct,
            gradgrad=False,  # the gradient is a fixed selection: second derivatives are 0
        ))
        register(OpInfo(
            name=f"avg_pool{nd}d",
            call=lambda x, _nd=nd, **kw: avg_pool(x, nd=_nd, **kw),
            ref=ref_avg_pool,
            samples=avg_samples[nd],
            function=AvgPool,
        ))
        register(OpInfo(
            name=f"adaptive_avg_pool{nd}d",
            call=lambda x, _nd=nd, **kw: adaptive_avg_pool(x, nd=_nd, **kw),
            ref=lambda x, output_size: ref_adaptive(x, output_size, np.mean),
            samples=adaptive_samples[nd],
            summary="y = mean of x over adaptive windows (rows floor(iS/L) .. ceil((i+1)S/L) - 1); "
                    "a composite of one averaging matmul per axis.",
        ))
        register(OpInfo(
            name=f"adaptive_max_pool{nd}d",
            call=lambda x, _nd=nd, **kw: adaptive_max_pool(x, nd=_nd, **kw),
            ref=lambda x, output_size: ref_adaptive(x, output_size, np.max),
            samples=adaptive_samples[nd],
            function=AdaptiveMaxPool,
            make_inputs=_distinct,
            gradgrad=False,
        ))
    unpool = {1: (2, 2, 6), 2: (1, 2, 4, 6), 3: (1, 1, 4, 4, 2)}
    for nd, shape in unpool.items():
        kw = _unpool_sample(shape, 2)
        register(OpInfo(
            name=f"max_unpool{nd}d",
            call=lambda x, _nd=nd, **kw: max_unpool(x, nd=_nd, **kw),
            ref=lambda x, indices, kernel_size, output_size: _ref_unpool(x, indices, output_size),
            samples=samples((kw["indices"].shape, kw)),
            function=MaxUnpool,
        ))


def _ref_unpool(x: np.ndarray, indices: np.ndarray, output_size: Ints) -> np.ndarray:
    y = np.zeros(x.shape[:2] + tuple(output_size))
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        y[n, c].flat[indices[n, c].ravel()] = x[n, c].ravel()
    return y


_register()
