"""More movement ops, each the adjoint of another: flip <-> flip, roll by k <-> roll by -k,
tile (PyTorch's `repeat`) <-> summing the copies, and composites of the movement and indexing
ops: `repeat_interleave` and the `reflect`/`replicate`/`circular` pads are `index_select`s
(their backward adds the gradient of every copy into its source), `movedim` a transpose,
`flatten(start, end)`/`unflatten` reshapes, `unfold` a gather of sliding windows, `chunk` slices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import function
from ..function import Op
from ..registry import OpInfo, register, samples
from .indexing import index_select
from .operands import as_tensor
from .reduce import normalize_axis

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


def _axes(op: str, dims: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    """`dims` (an int, ints or None for all) as non-negative axes, keeping the given order."""
    if dims is None:
        return tuple(range(len(shape)))
    items = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    out = [normalize_axis(op, d, shape)[0] for d in items]
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {dims!r} for a tensor of shape {shape}")
    return tuple(out)


class Flip(Op):
    """y = x reversed along axis.  dy/dx = 1.

    Backward: reverse g along the same axes.
    """

    is_view = True

    @staticmethod
    def forward(ctx: Flip, x: np.ndarray, axis: tuple[int, ...] = ()) -> np.ndarray:
        ctx.axes = _axes("flip", axis, x.shape)
        return np.flip(x, ctx.axes) if ctx.axes else x.view()

    @staticmethod
    def backward(ctx: Flip, g: Array) -> Array:
        return _flip(g, ctx.axes)


def _flip(g: Array, axes: tuple[int, ...]) -> Array:
    if isinstance(g, function._Tensor):
        return Flip.apply(g, axis=axes)
    return np.flip(g, axes) if axes else g


class Roll(Op):
    """y = x shifted cyclically by `shifts` along axis.  dy/dx = 1.

    Backward: roll g back by -shifts.
    """

    @staticmethod
    def forward(ctx: Roll, x: np.ndarray, shifts: Any = 0, axis: Any = None) -> np.ndarray:
        if axis is not None:
            axis = _axes("roll", axis, x.shape)
            sh = (shifts,) * len(axis) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
            if len(sh) != len(axis):
                raise ValueError(
                    f"roll: {len(sh)} shifts for {len(axis)} axes (tensor of shape {x.shape})"
                )
            ctx.undo = tuple(-int(s) for s in sh)
        elif not isinstance(shifts, (int, np.integer)):
            raise ValueError("roll: without an axis, shifts must be one int (the tensor is flattened)")
        else:
            ctx.undo = -int(shifts)
        ctx.axis = axis
        return np.roll(x, shifts if axis is None else tuple(int(s) for s in sh), axis)

    @staticmethod
    def backward(ctx: Roll, g: Array) -> Array:
        if isinstance(g, function._Tensor):
            return Roll.apply(g, shifts=ctx.undo, axis=ctx.axis)
        return np.roll(g, ctx.undo, ctx.axis)


class Tile(Op):
    """y = x repeated reps[i] times along axis i (numpy.tile, torch's `repeat`).  dy/dx = 1.

    Backward: sum the copies.
    """

    @staticmethod
    def forward(ctx: Tile, x: np.ndarray, reps: tuple[int, ...] = ()) -> np.ndarray:
        reps = tuple(int(r) for r in reps)
        if any(r < 0 for r in reps):
            raise ValueError(f"repeat: repetitions must be non-negative, got {reps}")
        n = max(len(reps), x.ndim)
        ctx.reps = (1,) * (n - len(reps)) + reps
        ctx.shape = x.shape
        ctx.full = (1,) * (n - x.ndim) + x.shape
        return np.tile(x, ctx.reps)

    @staticmethod
    def backward(ctx: Tile, g: Array) -> Array:
        split = tuple(d for r, s in zip(ctx.reps, ctx.full, strict=True) for d in (r, s))
        summed = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.shape)

    @classmethod
    def op_name(cls) -> str:
        return "tile"


# -- functions ---------------------------------------------------------------------------------------
def _ints(args: Sequence[Any]) -> tuple[int, ...]:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


def flip(x: Any, axis: Any = None, *, dims: Any = None) -> Tensor:
    """x reversed along `axis` (an int or ints; all axes when None, as numpy.flip); PyTorch's
    `dims=` is accepted."""
    ax = dims if dims is not None else axis
    x = as_tensor(x)
    return Flip.apply(x, axis=_axes("flip", ax, x.shape))


def roll(x: Any, shifts: Any, axis: Any = None, *, dims: Any = None) -> Tensor:
    """x shifted cyclically by `shifts` along `axis` (the flattened tensor when None), as
    numpy.roll and torch.roll."""
    return Roll.apply(as_tensor(x), shifts=shifts, axis=dims if dims is not None else axis)


def tile(x: Any, reps: Any) -> Tensor:
    """x repeated reps[i] times along axis i, as numpy.tile (and PyTorch's Tensor.repeat)."""
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    return Tile.apply(as_tensor(x), reps=reps)


def repeat_interleave(x: Any, repeats: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Each element repeated `repeats` times (an int, or one count per element) along axis, as
    torch.repeat_interleave and numpy.repeat; axis None works on the flattened tensor."""
    x = as_tensor(x)
    ax = dim if dim is not None else axis
    if ax is None:
        x, ax = x.reshape(-1), 0
    ax = normalize_axis("repeat_interleave", ax, x.shape)[0]
    r = np.asarray(repeats.data if isinstance(repeats, function._Tensor) else repeats)
    if r.dtype.kind not in "iu":
        raise TypeError(f"repeat_interleave: repeats must be integers, got dtype {r.dtype}")
    n = x.shape[ax]
    if r.ndim > 1 or (r.ndim == 1 and len(r) not in (1, n)):
        raise ValueError(
            f"repeat_interleave: repeats of shape {r.shape} must be one int or one per element "
            f"({n}) along axis {ax} of shape {x.shape}"
        )
    if (r < 0).any():
        raise ValueError("repeat_interleave: repeats must be non-negative")
    return index_select(x, ax, np.repeat(np.arange(n), r.reshape(-1) if r.ndim else int(r)))


def movedim(x: Any, source: Any, destination: Any) -> Tensor:
    """Move axes `source` to positions `destination` (the others keep their order), as
    torch.movedim and numpy.moveaxis."""
    x = as_tensor(x)
    src = _axes("movedim", source, x.shape)
    dst = _axes("movedim", destination, x.shape)
    if len(src) != len(dst):
        raise ValueError(f"movedim: {len(src)} source axes but {len(dst)} destinations")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return x.transpose(tuple(order))


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Axes start_dim..end_dim (inclusive) merged into one, as torch.flatten."""
    x = as_tensor(x)
    if x.ndim == 0:
        return x.reshape(1)
    s = normalize_axis("flatten", start_dim, x.shape)[0]
    e = normalize_axis("flatten", end_dim, x.shape)[0]
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} (shape {x.shape})")
    return x.reshape(x.shape[:s] + (math.prod(x.shape[s : e + 1]),) + x.shape[e + 1 :])


def unflatten(x: Any, axis: int, sizes: Sequence[int]) -> Tensor:
    """Axis `axis` split into `sizes` (one may be -1), as torch.unflatten."""
    x = as_tensor(x)
    ax = normalize_axis("unflatten", axis, x.shape)[0]
    sizes = tuple(int(s) for s in sizes)
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1 or (-1 not in sizes and known != x.shape[ax]) or (
        -1 in sizes and (known == 0 or x.shape[ax] % known)
    ):
        raise ValueError(
            f"unflatten: sizes {sizes} do not split axis {ax} of size {x.shape[ax]} (shape {x.shape})"
        )
    return x.reshape(x.shape[:ax] + sizes + x.shape[ax + 1 :])


def unfold(x: Any, dimension: int, size: int, step: int) -> Tensor:
    """The windows of `size` elements, `step` apart, along `dimension`: that axis becomes the
    window count and a new last axis of `size` holds each window (torch.Tensor.unfold)."""
    x = as_tensor(x)
    ax = normalize_axis("unfold", dimension, x.shape)[0] if x.ndim else 0
    n = x.shape[ax] if x.ndim else 1
    if size <= 0 or step <= 0 or size > n:
        raise ValueError(
            f"unfold: size {size} and step {step} must be positive and size at most {n} (axis "
            f"{ax} of shape {x.shape})"
        )
    count = (n - size) // step + 1
    idx = (np.arange(count)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
    picked = index_select(x if x.ndim else x.reshape(1), ax, idx)
    shape = picked.shape[:ax] + (count, size) + picked.shape[ax + 1 :]
    return movedim(picked.reshape(shape), ax + 1, -1)


def chunk(x: Any, chunks: int, axis: int = 0, *, dim: int | None = None) -> list[Tensor]:
    """Split into `chunks` pieces of ceil(n / chunks) along axis (the last may be smaller, and
    there may be fewer pieces), as torch.chunk."""
    x = as_tensor(x)
    ax = normalize_axis("chunk", dim if dim is not None else axis, x.shape)[0]
    if int(chunks) <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[ax]
    size = max(-(-n // int(chunks)), 1)
    lead = (slice(None),) * ax
    return [x[lead + (slice(i, min(i + size, n)),)] for i in range(0, max(n, 1), size) if i < n or n == 0]


_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap", "edge": "edge", "wrap": "wrap",
          "symmetric": "symmetric"}


def pad(x: Any, pad_width: Any, mode: str = "constant", value: float = 0.0) -> Tensor:
    """x padded by pad_width (as numpy.pad: an int, a (before, after) pair, or one pair per
    axis). Negative widths crop. mode: "constant" (with `value`), "reflect" (mirror without
    repeating the edge), "replicate" (repeat the edge; numpy's "edge"), "circular" (wrap
    around; numpy's "wrap"), or "symmetric". Non-constant modes pick source elements with
    index_select, so each padded element's gradient flows back to the element it copies."""
    x = as_tensor(x)
    try:
        pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit a tensor of shape {x.shape}; give an "
            "int, a (before, after) pair or one pair per axis"
        ) from None
    if mode != "constant" and mode not in _MODES:
        raise ValueError(
            f"pad: mode must be constant, reflect, replicate or circular, got {mode!r}"
        )
    crop = tuple(slice(max(-int(b), 0), n - max(-int(a), 0)) for (b, a), n in zip(pw, x.shape, strict=True))
    if (pw < 0).any():
        if any(s.stop - s.start < 0 for s in crop):
            raise ValueError(f"pad: pad_width {pad_width!r} crops more than the shape {x.shape}")
        x = x[crop]
    pos = np.maximum(pw, 0)
    if not pos.any():
        return x
    if mode == "constant":
        return x.pad(pos, value)
    for ax, (b, a) in enumerate(pos):
        if b == 0 and a == 0:
            continue
        n = x.shape[ax]
        if n == 0 or (_MODES[mode] == "reflect" and n == 1):
            raise ValueError(f"pad: cannot {mode}-pad axis {ax} of size {n} (shape {x.shape})")
        x = index_select(x, ax, np.pad(np.arange(n), (int(b), int(a)), mode=_MODES[mode]))  # type: ignore[call-overload]
    return x


def torch_pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """torch.nn.functional.pad: `pad` lists (before, after) pairs from the LAST axis backwards
    ((left, right) for the last axis, then (top, bottom), ...); negative values crop. mode:
    "constant", "reflect", "replicate" or "circular"."""
    x = as_tensor(input)
    p = [int(v) for v in pad]
    if len(p) % 2 or len(p) // 2 > x.ndim:
        raise ValueError(
            f"pad: {len(p)} padding values do not fit a tensor of shape {x.shape}: give an even "
            "number, two per axis from the last axis backwards"
        )
    widths = [(0, 0)] * x.ndim
    for i in range(len(p) // 2):
        widths[x.ndim - 1 - i] = (p[2 * i], p[2 * i + 1])
    if mode in ("reflect", "circular"):  # torch's limits; numpy's pad would wrap or mirror again
        for ax, (b, a) in enumerate(widths):
            n = x.shape[ax]
            if max(b, a) >= n + (mode == "circular"):
                limit = "less than" if mode == "reflect" else "at most"
                raise ValueError(
                    f"pad: {mode} padding of ({b}, {a}) on axis {ax} of size {n} (shape "
                    f"{x.shape}): each side must be {limit} the axis size, as in PyTorch; "
                    "use mode='replicate', or ag.pad (numpy's rules), for wider padding"
                )
    return globals()["pad"](x, widths, mode, 0.0 if value is None else value)


class ShapingMixin:
    """Tensor methods for these movement ops."""

    __slots__ = ()

    def flip(self, *dims: Any, axis: Any = None, **torch_args: Any) -> Tensor:
        """Reverse along the given axes: `x.flip(0)`, `x.flip(0, 1)`, `x.flip((0, 1))`,
        `x.flip(dims=(0, 1))` (PyTorch's keyword)."""
        if torch_args:
            if set(torch_args) != {"dims"} or dims or axis is not None:
                raise TypeError(
                    f"flip: give the axes once, as positions, axis= or dims= (got {sorted(torch_args)})"
                )
            return flip(self, dims=torch_args["dims"])
        if dims:
            ax: Any = _ints(dims)
        else:
            ax = axis
        return flip(self, ax)

    def roll(self, shifts: Any, axis: Any = None, **kw: Any) -> Tensor:
        """Shift cyclically along axis (torch.roll, numpy.roll)."""
        return roll(self, shifts, axis, **kw)

    def repeat(self, *sizes: Any) -> Tensor:
        """Repeat the whole tensor sizes[i] times along axis i (PyTorch's repeat, numpy's tile)."""
        return tile(self, _ints(sizes))

    def tile(self, *reps: Any) -> Tensor:
        """numpy.tile."""
        return tile(self, _ints(reps))

    def repeat_interleave(self, repeats: Any, axis: int | None = None, **kw: Any) -> Tensor:
        """Repeat each element along axis (torch.repeat_interleave, numpy.repeat)."""
        return repeat_interleave(self, repeats, axis, **kw)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        """Move axes to new positions (torch.movedim)."""
        return movedim(self, source, destination)

    moveaxis = movedim

    def unflatten(self, axis: int, sizes: Sequence[int]) -> Tensor:
        """Split one axis into several (torch.unflatten)."""
        return unflatten(self, axis, sizes)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        """Sliding windows along an axis (torch.Tensor.unfold)."""
        return unfold(self, dimension, size, step)

    def chunk(self, chunks: int, axis: int = 0, **kw: Any) -> list[Tensor]:
        """Split into pieces of equal size (the last may be smaller), as torch.chunk."""
        return chunk(self, chunks, axis, **kw)


# -- registry ---------------------------------------------------------------------------------------
def _register() -> None:
    def reg(name: str, fn: Any, call: Any, ref: Any, smp: Any, summary: str = "") -> None:
        register(OpInfo(name=name, call=call, ref=ref, samples=smp, function=fn, summary=summary))

    def doc(f: Any) -> str:
        return (f.__doc__ or "").splitlines()[0]

    reg("flip", Flip, lambda x, **kw: flip(x, **kw), lambda x, axis=None: np.flip(x, axis),
        samples(((2, 3), {"axis": 0}), ((2, 3, 4), {"axis": (0, -1)}), ((4,), {})))
    reg("roll", Roll, lambda x, **kw: roll(x, **kw), lambda x, shifts, axis=None: np.roll(x, shifts, axis),
        samples(((5,), {"shifts": 2}), ((2, 3), {"shifts": -1, "axis": 1}),
                ((2, 3, 4), {"shifts": (1, 3), "axis": (0, 2)}), ((2, 3), {"shifts": 4})))
    reg("tile", Tile, lambda x, reps: tile(x, reps), np.tile,
        samples(((2, 3), {"reps": (2, 1)}), ((3,), {"reps": (2, 2)}), ((2, 1, 2), {"reps": 3})))
    reg("repeat_interleave", None, lambda x, **kw: repeat_interleave(x, **kw),
        lambda x, repeats, axis=None: np.repeat(x, repeats, axis),
        samples(((2, 3), {"repeats": 2}), ((2, 3), {"repeats": np.array([1, 0, 3]), "axis": 1}),
                ((3, 2), {"repeats": 2, "axis": 0})), doc(repeat_interleave))
    reg("movedim", None, lambda x, **kw: movedim(x, **kw), np.moveaxis,
        samples(((2, 3, 4), {"source": 0, "destination": -1}),
                ((2, 3, 4, 1), {"source": (0, 1), "destination": (3, 0)})), doc(movedim))
    reg("flatten_range", None, lambda x, **kw: x.flatten(**kw),
        lambda x, start_dim=0, end_dim=-1: x.reshape(
            x.shape[:start_dim] + (-1,) + (x.shape[end_dim % x.ndim + 1:])),
        samples(((2, 3, 4), {"start_dim": 1}), ((2, 3, 4, 2), {"start_dim": 1, "end_dim": 2})),
        doc(flatten))
    reg("unflatten", None, lambda x, **kw: unflatten(x, **kw),
        lambda x, axis, sizes: x.reshape(x.shape[:axis] + tuple(sizes) + x.shape[axis + 1 :]),
        samples(((2, 6), {"axis": 1, "sizes": (2, 3)}), ((6, 2), {"axis": 0, "sizes": (-1, 2)})),
        doc(unflatten))

    def ref_unfold(x: np.ndarray, dimension: int, size: int, step: int) -> np.ndarray:
        w = np.lib.stride_tricks.sliding_window_view(x, size, axis=dimension)
        return np.take(w, np.arange(0, w.shape[dimension], step), axis=dimension)

    reg("unfold", None, lambda x, **kw: unfold(x, **kw), ref_unfold,
        samples(((7,), {"dimension": 0, "size": 3, "step": 2}),
                ((2, 5, 3), {"dimension": 1, "size": 2, "step": 1})), doc(unfold))
    reg("chunk", None, lambda x, **kw: _cat(chunk(x, **kw), kw),
        lambda x, chunks, axis=0: x, samples(((5, 2), {"chunks": 2}), ((2, 7), {"chunks": 3, "axis": 1})),
        doc(chunk) + " (tested joined back)")

    def ref_pad(x: np.ndarray, pad_width: Any, mode: str = "constant", value: float = 0.0) -> np.ndarray:
        pw = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
        x = x[tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(pw, x.shape, strict=True))]
        pos = np.maximum(pw, 0)
        if mode == "constant":
            return np.pad(x, pos, constant_values=value)
        return np.pad(x, pos, mode=_MODES[mode])  # type: ignore[call-overload]

    reg("pad_modes", None, lambda x, **kw: pad(x, **kw), ref_pad,
        samples(((2, 4), {"pad_width": ((0, 0), (2, 1)), "mode": "reflect"}),
                ((3, 3), {"pad_width": ((1, 2), (0, 1)), "mode": "replicate"}),
                ((2, 3), {"pad_width": ((1, 0), (2, 3)), "mode": "circular"}),
                ((3, 4), {"pad_width": ((-1, 1), (2, -2)), "value": 0.5}),
                ((2, 5), {"pad_width": ((0, 0), (-1, 2)), "mode": "reflect"})),
        doc(pad))


def _cat(pieces: list[Any], kw: dict[str, Any]) -> Any:
    from .movement import concatenate

    return concatenate(pieces, axis=kw.get("axis", 0))


_register()
