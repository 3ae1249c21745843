"""Movement ops: they move or select values without arithmetic.

They come in adjoint pairs - each one's backward is the other's forward:
reshape <-> reshape back, transpose <-> the inverse permutation, broadcast_to <-> sum,
getitem <-> index_add (scatter-add), pad <-> slice, concatenate/stack <-> slices.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..broadcast import broadcast_shapes, unbroadcast
from ..function import Op
from ..registry import OpInfo, register, samples
from .binary import lift
from .operands import alias, axis_or_dim
from .reduce import normalize_axis

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


class Reshape(Op):
    """y = x with a new shape (same elements, same order).  dy/dx = 1.

    Backward: reshape back.
    """

    is_view = True

    @staticmethod
    def forward(ctx: Reshape, x: np.ndarray, shape: tuple[int, ...] = ()) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {tuple(shape)}"
            ) from None

    @staticmethod
    def backward(ctx: Reshape, g: Array) -> Array:
        return g.reshape(ctx.shape)


class Transpose(Op):
    """y = x with axes permuted.  dy/dx = 1.

    Backward: permute back with the inverse permutation.
    """

    is_view = True

    @staticmethod
    def forward(ctx: Transpose, x: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
        if axes is None:
            axes = tuple(reversed(range(x.ndim)))
        in_range = all(-x.ndim <= a < x.ndim for a in axes)
        if not in_range or sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
            raise ValueError(
                f"transpose: axes {tuple(axes)} are not a permutation of the {x.ndim} axes of a "
                f"tensor of shape {x.shape}"
            )
        ctx.inverse = tuple(np.argsort([a % x.ndim for a in axes]))
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx: Transpose, g: Array) -> Array:
        return g.transpose(ctx.inverse)


class BroadcastTo(Op):
    """y = x repeated along new or size-1 axes.  dy/dx = 1.

    Backward: sum over those axes.
    """

    is_view = True

    @staticmethod
    def forward(ctx: BroadcastTo, x: np.ndarray, shape: tuple[int, ...] = ()) -> np.ndarray:
        ctx.shape = x.shape
        target = tuple(shape)
        if broadcast_shapes("broadcast_to", x.shape, target) != target:
            raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {target}")
        return np.broadcast_to(x, target)

    @staticmethod
    def backward(ctx: BroadcastTo, g: Array) -> Array:
        return unbroadcast(g, ctx.shape)

    @classmethod
    def op_name(cls) -> str:
        return "broadcast_to"


def _clean_index(index: Any) -> Any:
    """Tensors and lists in an index become numpy arrays of our own.

    Index arrays are copied: backward scatters through the index, and the caller may change
    their array after the forward pass (`i[:] = 1`); the gradient must follow the index the
    forward pass used. (Ints, slices, None and Ellipsis are immutable.)
    """
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for it in items:
        if isinstance(it, function.Tensor):
            it = it.data.copy()
        elif isinstance(it, list) and not it:
            it = np.array(it, dtype=np.intp)  # `x[[]]`: selects nothing (numpy, torch)
        elif isinstance(it, (list, np.ndarray)):
            it = np.array(it, copy=True)
        if isinstance(it, np.ndarray) and it.dtype.kind not in "biu":
            raise IndexError(f"getitem: index arrays must be integers or booleans, got {it.dtype}")
        out.append(it)
    return tuple(out) if isinstance(index, tuple) else out[0]


class Getitem(Op):
    """y = x[index].  dy/dx = 1 at the selected elements.

    The index: ints, slices, None, Ellipsis, integer arrays, boolean masks.

    Backward: scatter the gradient back into zeros of x's shape; an element selected several
    times (repeated integer indices) receives the sum of its gradients.
    """

    is_view = True
    scatter_backward = True  # the engine adds g into x's gradient at index, in place

    @staticmethod
    def forward(ctx: Getitem, x: np.ndarray, index: Any = None) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return np.asarray(x[index])
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor of shape {x.shape}, index {index!r})") from None

    @staticmethod
    def backward(ctx: Getitem, g: Array) -> Array:
        return dual.index_add(ctx.shape, ctx.kwargs["index"], g)

    def label(self) -> str:
        return f"getitem[{_fmt_index(self.kwargs.get('index'))}]"


class IndexAdd(Op):
    """y = zeros(shape) with x added at index (the adjoint of getitem).  dy/dx = 1.

    Backward: g[index].
    """

    @staticmethod
    def forward(ctx: IndexAdd, x: np.ndarray, shape: tuple[int, ...] = (), index: Any = None) -> np.ndarray:
        ctx.index = index
        try:
            return dual.index_add(shape, index, x)
        except (IndexError, ValueError) as e:
            raise (IndexError if isinstance(e, IndexError) else ValueError)(
                f"index_add: {e} (values of shape {x.shape} into shape {tuple(shape)}, index "
                f"{index!r})"
            ) from None

    @staticmethod
    def backward(ctx: IndexAdd, g: Array) -> Array:
        return g[ctx.index]

    @classmethod
    def op_name(cls) -> str:
        return "index_add"

    def label(self) -> str:
        return f"index_add[{_fmt_index(self.kwargs.get('index'))}]"


def _fmt_index(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    parts = []
    for it in items:
        if isinstance(it, slice):
            s = "" if it.start is None else str(it.start)
            s += ":" + ("" if it.stop is None else str(it.stop))
            s += "" if it.step is None else f":{it.step}"
            parts.append(s)
        elif it is Ellipsis:
            parts.append("...")
        elif isinstance(it, np.ndarray):
            parts.append(f"<{it.dtype} array {it.shape}>")
        else:
            parts.append(repr(it))
    return ", ".join(parts)


def index_add(shape: tuple[int, ...], index: Any, values: Tensor) -> Tensor:
    """zeros(shape) with `values` added at `index` (repeated indices accumulate)."""
    return IndexAdd.apply(values, shape=tuple(shape), index=_clean_index(index))


class Concatenate(Op):
    """y = the inputs joined along axis.  dy/dx = 1.

    Backward: each input gets its slice of g.
    """

    @staticmethod
    def forward(ctx: Concatenate, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        arrays = [np.asarray(x) for x in xs]
        if any(a.ndim == 0 for a in arrays):
            shapes = " and ".join(str(a.shape) for a in arrays)
            raise ValueError(
                f"concatenate: shapes {shapes}: 0-d tensors have no axis to join along; use stack"
            )
        ax = normalize_axis("concatenate", axis, arrays[0].shape)[0]
        ctx.axis = ax
        ctx.sizes = [a.shape[ax] if a.ndim > ax else 0 for a in arrays]
        try:
            return np.concatenate(arrays, axis=ax)
        except ValueError:
            shapes = " and ".join(str(a.shape) for a in arrays)
            raise ValueError(
                f"concatenate: shapes {shapes} must match except along axis {axis}"
            ) from None

    @staticmethod
    def backward(ctx: Concatenate, g: Array) -> tuple[Array, ...]:
        out, start = [], 0
        lead = (slice(None),) * ctx.axis
        for n in ctx.sizes:
            out.append(g[lead + (slice(start, start + n),)])
            start += n
        return tuple(out)


class Stack(Op):
    """y = the inputs stacked along a new axis.  dy/dx = 1.

    Backward: input i gets g[..., i, ...].
    """

    @staticmethod
    def forward(ctx: Stack, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        arrays = [np.asarray(x) for x in xs]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(
                "stack: all inputs must have the same shape, got "
                + " and ".join(str(a.shape) for a in arrays)
            )
        ndim = arrays[0].ndim + 1  # the new axis may go anywhere in the result
        if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
            raise ValueError(
                f"stack: axis {axis!r} is out of bounds for stacking tensors of shape "
                f"{arrays[0].shape} (the result has {ndim} axes)"
            )
        ax = int(axis) % ndim
        ctx.axis, ctx.n = ax, len(arrays)
        return np.stack(arrays, axis=ax)

    @staticmethod
    def backward(ctx: Stack, g: Array) -> tuple[Array, ...]:
        lead = (slice(None),) * ctx.axis
        return tuple(g[lead + (i,)] for i in range(ctx.n))


class Pad(Op):
    """y = x with constant values added around it.  dy/dx = 1.

    Backward: slice the padding off.
    """

    @staticmethod
    def forward(ctx: Pad, x: np.ndarray, pad_width: Any = 0, value: float = 0.0) -> np.ndarray:
        try:
            pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
        except ValueError:
            raise ValueError(
                f"pad: pad_width {pad_width!r} does not fit a tensor of shape {x.shape}; give an "
                "int, a (before, after) pair or one pair per axis"
            ) from None
        if (pw < 0).any():
            raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
        ctx.slices = tuple(slice(int(b), int(b) + n) for (b, _), n in zip(pw, x.shape, strict=True))
        return np.pad(x, pw, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx: Pad, g: Array) -> Array:
        return g[ctx.slices]


def _shape_arg(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


class MovementMixin:
    """Tensor methods for the movement ops."""

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def ndim(self) -> int: ...

    def reshape(self, *shape: Any) -> Tensor:
        """Same elements in a new shape; one dimension may be -1. `reshape(2, 3)` or `((2, 3))`."""
        return Reshape.apply(self, shape=_shape_arg(shape))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Axes start_dim..end_dim merged into one (all: a 1-D tensor, in C order), as torch."""
        if start_dim == 0 and end_dim == -1:
            return Reshape.apply(self, shape=(-1,))
        from .shaping import flatten

        return flatten(self, start_dim, end_dim)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reverse them when none are given), as numpy."""
        ax = _shape_arg(axes) if axes and axes != (None,) else None
        return Transpose.apply(self, axes=ax)

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        """The axes reversed (the matrix transpose for 2-D tensors)."""
        return Transpose.apply(self, axes=None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Exchange two axes."""
        a = normalize_axis("swapaxes", axis1, self.shape)[0]
        b = normalize_axis("swapaxes", axis2, self.shape)[0]
        perm = list(range(self.ndim))
        perm[a], perm[b] = perm[b], perm[a]
        return Transpose.apply(self, axes=tuple(perm))

    def expand_dims(self, axis: int | tuple[int, ...]) -> Tensor:
        """Insert axes of size 1 at `axis`, as numpy.expand_dims."""
        try:
            shape = np.expand_dims(np.empty(self.shape, dtype=np.bool_), axis).shape
        except np.exceptions.AxisError:
            raise ValueError(
                f"expand_dims: axis {axis} is out of bounds for a tensor of shape {self.shape}"
            ) from None
        return Reshape.apply(self, shape=shape)

    def squeeze(self, axis: int | tuple[int, ...] | None = None, *, dim: Any = None) -> Tensor:
        """Remove axes of size 1 (all of them, or those in `axis`, which must have size 1).

        `dim=` is PyTorch's name for `axis`; unlike PyTorch (which leaves such an axis alone),
        naming an axis whose size is not 1 is an error, as in numpy.
        """
        if dim is not None:
            axis = axis_or_dim("squeeze", axis, dim)
        axes = normalize_axis("squeeze", axis, self.shape) if axis is not None else None
        if axes is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            bad = [a for a in axes if self.shape[a] != 1]
            if bad:
                raise ValueError(
                    f"squeeze: axis {bad[0]} of shape {self.shape} has size {self.shape[bad[0]]}, "
                    "not 1"
                )
            shape = tuple(n for i, n in enumerate(self.shape) if i not in axes)
        return Reshape.apply(self, shape=shape)

    def broadcast_to(self, *shape: Any) -> Tensor:
        """Repeat along new leading axes and axes of size 1, as numpy.broadcast_to."""
        return BroadcastTo.apply(self, shape=_shape_arg(shape))

    def __getitem__(self, index: Any) -> Tensor:
        return Getitem.apply(self, index=_clean_index(index))

    def pad(self, pad_width: Any, value: float = 0.0, mode: str = "constant") -> Tensor:
        """Add `value` around the tensor; pad_width as numpy.pad (an int, a pair, or pairs).
        Negative widths and the modes reflect/replicate/circular: see `ag.pad`."""
        if mode == "constant" and np.min(pad_width) >= 0:
            return Pad.apply(self, pad_width=pad_width, value=value)
        from .shaping import pad

        return pad(self, pad_width, mode, value)

    def split(self, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
        """Split into pieces along `axis`, as numpy.split: n equal sections or at indices."""
        ax = normalize_axis("split", axis, self.shape)[0]
        n = self.shape[ax]
        if isinstance(indices_or_sections, (int, np.integer)):
            k = int(indices_or_sections)
            if k <= 0 or n % k:
                raise ValueError(
                    f"split: axis {axis} of shape {self.shape} has size {n}, which cannot be "
                    f"split into {k} equal sections"
                )
            bounds = [i * (n // k) for i in range(k + 1)]
        else:
            bounds = [0, *[int(i) for i in indices_or_sections], n]
        lead = (slice(None),) * ax
        return [self[lead + (slice(a, b),)] for a, b in itertools.pairwise(bounds)]


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis, as numpy.concatenate (`dim=`: as torch.cat)."""
    if dim is not None:
        axis = alias("concatenate", axis, dim, "axis", "dim", 0)
    if len(tensors) == 0:
        raise ValueError("concatenate: need at least one tensor")
    return Concatenate.apply(*[_as_tensor(t) for t in tensors], axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis, as numpy.stack (`dim=`: as torch.stack)."""
    if dim is not None:
        axis = alias("stack", axis, dim, "axis", "dim", 0)
    if len(tensors) == 0:
        raise ValueError("stack: need at least one tensor")
    return Stack.apply(*[_as_tensor(t) for t in tensors], axis=axis)


def _as_tensor(x: Any) -> Any:
    t = lift(x)
    return t if isinstance(t, function.Tensor) else function.Tensor(t)


def _index_inputs(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    return [rng.uniform(-2, 2, size=s) for s in shapes]


def _register() -> None:
    def reg(name: str, fn: Any, call: Any, ref: Any, smp: Any, **extra: Any) -> None:
        # A composite (fn None) is documented by its Tensor method.
        doc = fn.__doc__ if fn is not None else getattr(MovementMixin, name, call).__doc__
        summary = doc or name
        register(OpInfo(name=name, call=call, ref=ref, samples=smp, summary=summary.splitlines()[0],
                        function=fn, **extra))

    reg("reshape", Reshape, lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape),
        samples(((2, 3), {"shape": (3, 2)}), ((6,), {"shape": (2, -1)}), ((), {"shape": (1, 1)})))
    reg("transpose", Transpose, lambda x, axes=None: x.transpose(axes),
        lambda x, axes=None: np.transpose(x, axes),
        samples(((2, 3),), ((2, 3, 4), {"axes": (1, 2, 0)}), ((2, 3, 4), {"axes": (-1, 0, 1)})))
    reg("broadcast_to", BroadcastTo, lambda x, shape: x.broadcast_to(shape), np.broadcast_to,
        samples(((3,), {"shape": (2, 3)}), ((2, 1), {"shape": (2, 4)}), ((), {"shape": (3,)}),
                ((1, 3), {"shape": (2, 2, 3)})))
    index_samples = samples(
        ((4,), {"index": 1}),
        ((2, 3), {"index": (slice(None), slice(1, 3))}),
        ((2, 3), {"index": (None, Ellipsis, 0)}),
        ((5,), {"index": np.array([0, 2, 2, 4, 0])}),
        ((3, 4), {"index": (np.array([0, 2, 0]), np.array([1, 1, 3]))}),
        ((2, 3), {"index": np.array([[True, False, True], [False, True, True]])}),
        ((4, 3), {"index": (slice(None, None, -2), -1)}),
    )
    reg("getitem", Getitem, lambda x, index: x[index], lambda x, index: np.asarray(x[index]),
        index_samples)

    def ref_index_add(x: np.ndarray, shape: Any, index: Any) -> np.ndarray:
        out = np.zeros(shape)
        np.add.at(out, index, x)
        return out

    reg("index_add", IndexAdd, lambda x, shape, index: index_add(shape, index, x), ref_index_add,
        samples(((5,), {"shape": (3,), "index": np.array([0, 2, 2, 1, 0])}),
                ((2,), {"shape": (2, 3), "index": (np.array([0, 1]), np.array([2, 2]))}),
                ((2, 2), {"shape": (3, 4), "index": (slice(1, 3), slice(0, 2))})))
    reg("concatenate", Concatenate, lambda *xs, axis=0: concatenate(xs, axis=axis),
        lambda *xs, axis=0: np.concatenate(xs, axis=axis),
        samples(((2, 3), (1, 3)), (((2, 3), (2, 1), (2, 2)), {"axis": 1}), (((3,), (2,)), {"axis": -1})))
    reg("stack", Stack, lambda *xs, axis=0: stack(xs, axis=axis),
        lambda *xs, axis=0: np.stack(xs, axis=axis),
        samples(((2, 3), (2, 3)), (((3,), (3,), (3,)), {"axis": 1}), (((), ()), {})))
    reg("pad", Pad, lambda x, pad_width, value=0.0: x.pad(pad_width, value),
        lambda x, pad_width, value=0.0: np.pad(x, pad_width, constant_values=value),
        samples(((3,), {"pad_width": 2}), ((2, 3), {"pad_width": ((1, 0), (2, 1)), "value": 1.5})))
    # Composites: built from the primitives above; registered so they are tested too.
    reg("swapaxes", None, lambda x, axis1, axis2: x.swapaxes(axis1, axis2), np.swapaxes,
        samples(((2, 3, 4), {"axis1": 0, "axis2": -1})))
    reg("expand_dims", None, lambda x, axis: x.expand_dims(axis), np.expand_dims,
        samples(((2, 3), {"axis": 1}), ((3,), {"axis": (0, 2)})))
    reg("squeeze", None, lambda x, axis=None: x.squeeze(axis), np.squeeze,
        samples(((1, 3, 1),), ((1, 3, 1), {"axis": 2})))
    reg("flatten", None, lambda x: x.flatten(), lambda x: x.reshape(-1), samples(((2, 3),)))
    reg("split", None, lambda x, sections, axis=0: concatenate(x.split(sections, axis), axis=axis),
        lambda x, sections, axis=0: np.concatenate(np.split(x, sections, axis), axis=axis),
        samples(((4, 3), {"sections": 2}), ((2, 5), {"sections": [1, 3], "axis": 1})))


_register()
