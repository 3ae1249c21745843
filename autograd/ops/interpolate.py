"""interpolate: resize the spatial axes of (N, C, *S) inputs, as torch.nn.functional.interpolate.

A composite, one spatial axis at a time (every mode here is separable): output position j of an
axis reads input positions i0[j], i1[j] with weights w0[j], w1[j] -

- nearest:        i0 = min(floor(j * scale), S - 1)            (w0 = 1)
- nearest-exact:  i0 = min(floor((j + 0.5) * scale), S - 1)    (w0 = 1)
- linear, bilinear, trilinear: the source coordinate
  s = (j + 0.5) * scale - 0.5 clamped at 0 (align_corners=False) or s = j (S - 1) / (L - 1)
  (align_corners=True); i0 = floor(s), i1 = min(i0 + 1, S - 1), w1 = s - i0, w0 = 1 - w1

where scale = S / L, or 1 / scale_factor when a scale_factor is given (PyTorch's rule; nearest
modes compute it in float32, as PyTorch's kernels do, so the same pixels are picked). Each step is
one `Resample` op: a gather along the axis forward, and backward the scatter-add of g times the
weights back to the sources - as segment sums (np.add.reduceat), since the sources never
decrease along the axis.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..function import Op
from ..registry import OpInfo, register, samples

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph

MODES = {"nearest": None, "nearest-exact": None, "linear": 1, "bilinear": 2, "trilinear": 3}


def source_positions(size_in: int, size_out: int, scale_factor: float | None, mode: str,
                     align_corners: bool, dtype: Any = np.float64
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i0, i1, w1) for one axis: output j = x[i0[j]] (1 - w1[j]) + x[i1[j]] w1[j]."""
    j = np.arange(size_out)
    if mode in ("nearest", "nearest-exact"):
        f32 = np.float32
        scale = f32(1.0 / scale_factor) if scale_factor else f32(size_in) / f32(size_out)
        offset = f32(0.5) if mode == "nearest-exact" else f32(0.0)
        i0 = np.minimum(np.floor((j.astype(f32) + offset) * scale).astype(np.int64), size_in - 1)
        return i0, i0, np.zeros(size_out, dtype=dtype)
    ft = np.dtype(dtype).type
    if align_corners:
        scale = ft(size_in - 1) / ft(size_out - 1) if size_out > 1 else ft(0)
        src = j.astype(dtype) * scale
    else:
        scale = ft(1.0 / scale_factor) if scale_factor else ft(size_in) / ft(size_out)
        src = np.maximum(scale * (j.astype(dtype) + ft(0.5)) - ft(0.5), ft(0))
    i0 = np.floor(src).astype(np.int64)
    i0 = np.minimum(i0, size_in - 1)
    i1 = np.minimum(i0 + 1, size_in - 1)
    return i0, i1, (src - i0).astype(dtype)


def _scatter_axis(v: Any, index: np.ndarray, axis: int, shape: tuple[int, ...]) -> Any:
    """zeros(shape) with v[.., j, ..] added at position index[j] of `axis` (the adjoint of
    np.take(x, index, axis))."""
    lead: tuple[Any, ...] = (slice(None),) * axis
    if isinstance(v, function._Tensor):
        return dual.index_add(shape, lead + (index,), v)
    if index.size > 1 and (np.diff(index) < 0).any():  # not sorted: accumulate one by one
        out = np.zeros(shape, dtype=v.dtype)
        np.add.at(out, lead + (index,), v)
        return out
    # Sorted: the outputs reading one source form a run, and each run is one segment sum.
    starts = np.flatnonzero(np.concatenate(([True], index[1:] != index[:-1])))
    out = np.zeros(shape, dtype=v.dtype)
    out[lead + (index[starts],)] = np.add.reduceat(v, starts, axis=axis)
    return out


class Resample(Op):
    """y = x resized along its spatial axes, one at a time: y[.., j] = x[.., i0_j] (1 - w_j) +
    x[.., i1_j] w_j (nearest modes: x[.., i0_j]).  dy/dx = g (1 - w) scattered to i0 plus g w
    scattered to i1."""

    @staticmethod
    def forward(ctx: Resample, x: np.ndarray, axis: int = 2, i0: Any = None, i1: Any = None,
                w1: Any = None) -> np.ndarray:
        ctx.shape = x.shape
        a = np.take(x, i0, axis=axis)
        if w1 is None:
            return a
        w = ctx.w = w1.reshape((-1,) + (1,) * (x.ndim - 1 - axis))
        return a * (1 - w) + np.take(x, i1, axis=axis) * w

    @staticmethod
    def backward(ctx: Resample, g: Array) -> Array:
        kw = ctx.kwargs
        axis, i0, i1 = kw["axis"], kw["i0"], kw["i1"]
        if kw["w1"] is None:
            return _scatter_axis(g, i0, axis, ctx.shape)
        w = ctx.w
        return _scatter_axis(g * (1 - w), i0, axis, ctx.shape) + _scatter_axis(g * w, i1, axis, ctx.shape)

    @classmethod
    def op_name(cls) -> str:
        return "interpolate"

    def label(self) -> str:
        return f"interpolate(axis={getattr(self, 'kwargs', {}).get('axis')})"


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> Tensor:
    """Resize (N, C, *S) to (N, C, *size) or (N, C, *floor(S * scale_factor)) (see the module
    docstring for each mode's formula). linear needs (N, C, L), bilinear (N, C, H, W), trilinear
    (N, C, D, H, W); nearest modes take any of them."""
    op = "interpolate"
    x = input if isinstance(input, function.Tensor) else function.Tensor(input)
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be one of {', '.join(repr(m) for m in MODES)}, got {mode!r}")
    nd = x.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{op}: expected an input (N, C, L), (N, C, H, W) or (N, C, D, H, W), got "
                         f"shape {x.shape}")
    need = MODES[mode]
    if need is not None and need != nd:
        raise ValueError(f"{op}: mode {mode!r} needs a {need + 2}-d input, got shape {x.shape}")
    if align_corners is not None and need is None:
        raise ValueError(f"{op}: align_corners can only be set with the linear modes, not {mode!r}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    in_size = x.shape[2:]
    scales: tuple[float | None, ...]
    if size is not None:
        out = (int(size),) * nd if isinstance(size, (int, np.integer)) else tuple(int(n) for n in size)
        if len(out) != nd:
            raise ValueError(f"{op}: size {size!r} must be an int or {nd} ints for input {x.shape}")
        scales = (None,) * nd
    else:
        sf = (scale_factor,) * nd if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        if len(sf) != nd:
            raise ValueError(f"{op}: scale_factor {scale_factor!r} must be a number or {nd} numbers")
        if any(s <= 0 for s in sf):
            raise ValueError(f"{op}: scale_factor must be positive, got {scale_factor!r}")
        out = tuple(math.floor(n * float(s)) for n, s in zip(in_size, sf, strict=True))
        # recompute_scale_factor: the coordinates use S / L instead of 1 / scale_factor
        scales = (None,) * nd if recompute_scale_factor else tuple(float(s) for s in sf)
    if any(n < 1 for n in out):
        raise ValueError(f"{op}: the output size {out} must be positive (input {x.shape})")
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    y = x
    for ax, (n_in, n_out, sc) in enumerate(zip(in_size, out, scales, strict=True)):
        if n_in == n_out and sc in (None, 1.0):
            continue  # the identity (every mode maps j to j)
        i0, i1, w1 = source_positions(n_in, n_out, sc, mode, bool(align_corners), dtype)
        linear = need is not None and w1.any()
        y = Resample.apply(y, axis=2 + ax, i0=i0, i1=i1, w1=w1 if linear else None)
    return y


def _ref(x: np.ndarray, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
         align_corners: bool | None = None) -> np.ndarray:
    """One output element at a time, from the formulas (float64)."""
    nd = x.ndim - 2
    if size is not None:
        out = (size,) * nd if isinstance(size, int) else tuple(size)
        sf: tuple[Any, ...] = (None,) * nd
    else:
        sf = (scale_factor,) * nd if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        out = tuple(math.floor(n * s) for n, s in zip(x.shape[2:], sf, strict=True))
    tables = [source_positions(n, m, s, mode, bool(align_corners))
              for n, m, s in zip(x.shape[2:], out, sf, strict=True)]
    y = np.zeros(x.shape[:2] + out)
    for pos in np.ndindex(*out):
        total = np.zeros(x.shape[:2])
        corners = [((t[0][p], 1 - t[2][p]), (t[1][p], t[2][p])) for t, p in zip(tables, pos, strict=True)]
        for choice in np.ndindex(*(2,) * nd):
            idx = tuple(corners[a][c][0] for a, c in enumerate(choice))
            wt = math.prod(corners[a][c][1] for a, c in enumerate(choice))
            total += wt * x[(slice(None), slice(None)) + idx]
        y[(slice(None), slice(None)) + pos] = total
    return y


register(OpInfo(
    name="interpolate",
    call=lambda x, **kw: interpolate(x, **kw),
    ref=_ref,
    samples=samples(
        ((1, 2, 5), {"size": 8, "mode": "nearest"}),
        ((1, 2, 7), {"size": 4, "mode": "nearest-exact"}),
        ((1, 2, 4, 5), {"scale_factor": 2, "mode": "nearest"}),
        ((2, 1, 4), {"size": 7, "mode": "linear"}),
        ((1, 2, 5), {"scale_factor": 1.5, "mode": "linear", "align_corners": True}),
        ((1, 2, 3, 4), {"size": (5, 3), "mode": "bilinear"}),
        ((1, 1, 4, 4), {"scale_factor": (0.5, 1.75), "mode": "bilinear", "align_corners": True}),
        ((1, 1, 2, 3, 2), {"size": (3, 4, 3), "mode": "trilinear"}),
        ((1, 1, 2, 2, 3), {"scale_factor": 2, "mode": "nearest-exact"}),
    ),
    function=Resample,
))
