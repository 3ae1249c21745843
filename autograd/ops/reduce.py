"""Reductions over `axis` (None, an int or a tuple; negative axes count from the end).

With `keepdims=False` the reduced axes disappear. Every backward first restores them with
size 1 (the "keepdims shape"), then spreads the gradient over the reduced elements.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual
from ..function import Op
from ..registry import REDUCE, OpInfo, register, samples
from .operands import alias, axis_or_dim

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph
Axis = int | tuple[int, ...] | None


def normalize_axis(op: str, axis: Axis, shape: tuple[int, ...]) -> tuple[int, ...]:
    """`axis` as a sorted tuple of non-negative ints, or a ValueError naming op and shape."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    try:
        items = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r}") from None
    out = []
    for a in items:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r}")
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of bounds for a tensor of shape {shape}")
        out.append(int(a) % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    if ndim == 0:  # a 0-d tensor accepts axis 0 and -1, as in PyTorch: nothing to reduce
        return ()
    return tuple(sorted(out))


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced `axes` set to 1 (what keepdims=True gives)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


@functools.lru_cache(maxsize=4096, typed=True)  # typed: axis=1.0 must not hit axis=1
def _reduction(op: str, axis: Axis, shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    axes = normalize_axis(op, axis, shape)
    return axes, kept_shape(shape, axes), math.prod(shape[a] for a in axes)


def reduction(op: str, axis: Axis, shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """(axes, keepdims shape, number of elements reduced into each output) for a reduction.

    Cached: training reduces the same shapes over the same axes at every step, and checking
    an axis in Python costs more than summing a small array.
    """
    if isinstance(axis, list):
        axis = tuple(axis)
    try:
        return _reduction(op, axis, shape)
    except TypeError:  # an unhashable axis: let normalize_axis word the error
        normalize_axis(op, axis, shape)
        raise


# np.add.reduce is what np.sum calls; numpy's stubs only accept literal keepdims values.
_add_reduce: Any = np.add.reduce


def _spread(ctx: Any, g: Array) -> Array:
    """Reshape g to the keepdims shape; broadcasting then spreads it over the input."""
    return g if ctx.keepdims else g.reshape(ctx.kshape)


class Sum(Op):
    """y = sum of x over axis.  dy/dx_i = 1.

    Every reduced element gets the upstream gradient.
    """

    @staticmethod
    def forward(ctx: Sum, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        axes, ctx.kshape, _ = reduction("sum", axis, x.shape)
        ctx.shape, ctx.keepdims = x.shape, keepdims
        return _add_reduce(x, axis=axes, keepdims=keepdims)  # np.sum without its wrapper

    @staticmethod
    def backward(ctx: Sum, g: Array) -> Array:
        return dual.broadcast_to(_spread(ctx, g), ctx.shape)


class Mean(Op):
    """y = mean of x over axis (n elements each).  dy/dx_i = 1/n."""

    @staticmethod
    def forward(ctx: Mean, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        axes, ctx.kshape, n = reduction("mean", axis, x.shape)
        ctx.shape, ctx.keepdims = x.shape, keepdims
        if n == 0:
            raise ValueError(f"mean: cannot take the mean over an empty axis of shape {x.shape}")
        ctx.n = float(n)  # exact; numpy converts a Python int operand at every call, slowly
        if x.dtype == np.float64 or x.dtype == np.float32:
            return _add_reduce(x, axis=axes, keepdims=keepdims) / ctx.n  # as np.mean does
        return np.asarray(np.mean(x, axis=axes, keepdims=keepdims))

    @staticmethod
    def backward(ctx: Mean, g: Array) -> Array:
        return dual.broadcast_to(_spread(ctx, g) / ctx.n, ctx.shape)


class Max(Op):
    """y = max of x over axis.  dy/dx_i = 1/k at the k maxima.

    Elements below the max get 0.

    Ties split the gradient evenly among the tied elements, so the sum of the gradient is
    always the upstream gradient (PyTorch's amax does the same).
    """

    @staticmethod
    def forward(ctx: Max, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        return _extreme(ctx, "max", np.max, x, axis, keepdims)

    @staticmethod
    def backward(ctx: Max, g: Array) -> Array:
        return _spread(ctx, g) * ctx.share


class Min(Op):
    """y = min of x over axis.  dy/dx_i = 1/k at the k minima.

    Elements above the min get 0.
    """

    @staticmethod
    def forward(ctx: Min, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        return _extreme(ctx, "min", np.min, x, axis, keepdims)

    @staticmethod
    def backward(ctx: Min, g: Array) -> Array:
        return _spread(ctx, g) * ctx.share


def _extreme(ctx: Any, name: str, fn: Any, x: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
    """max or min: the value, and each element's share of the gradient (1/k at k ties)."""
    axes, ctx.kshape, n = reduction(name, axis, x.shape)
    _not_empty(name, x, n)
    ctx.keepdims = keepdims
    m = fn(x, axis=axes, keepdims=True)
    hit = x == m
    share = hit / hit.sum(axis=axes, keepdims=True)
    ctx.share = share.astype(x.dtype, copy=False) if x.dtype.kind == "f" else share  # no upcast
    return np.asarray(m if keepdims else m.reshape(_drop(m.shape, axes)))


def _not_empty(name: str, x: np.ndarray, n: int) -> None:
    """max, min and logsumexp of nothing have no value (PyTorch raises too)."""
    if n == 0:
        raise ValueError(f"{name}: cannot reduce an empty tensor of shape {x.shape}")


class LogSumExp(Op):
    """y = ln sum exp(x) over axis.  dy/dx = softmax(x).

    Computed as m + ln sum exp(x - m) with m = max(x).

    Subtracting the max makes every exponent <= 0, so nothing overflows.
    dy/dx_i = exp(x_i - y) = softmax(x)_i.
    """

    @staticmethod
    def forward(ctx: LogSumExp, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        axes, ctx.kshape, n = reduction("logsumexp", axis, x.shape)
        _not_empty("logsumexp", x, n)
        ctx.keepdims = keepdims
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf rows: avoid inf - inf
        out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        res = np.asarray(out if keepdims else out.reshape(_drop(out.shape, axes)))
        # Save the very array returned: the engine then knows it is the output (its in-place
        # changes are caught, and under create_graph it stands for the output tensor).
        ctx.saved_tensors = (x, res)
        return res

    @staticmethod
    def backward(ctx: LogSumExp, g: Array) -> Array:
        x, out = ctx.saved_tensors
        return _spread(ctx, g) * dual.exp(x - _spread(ctx, out))


def _drop(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class ReduceMixin:
    """Tensor methods for the reductions."""

    __slots__ = ()

    def sum(self, axis: Axis = None, keepdims: bool = False, **numpy_args: Any) -> Tensor:
        """Sum over `axis` (all axes by default); `dim=`/`keepdim=` are PyTorch's names."""
        if numpy_args:
            axis, keepdims = _numpy_args("sum", numpy_args, axis, keepdims)
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False, **numpy_args: Any) -> Tensor:
        """Mean over `axis` (all axes by default); `dim=`/`keepdim=` are PyTorch's names."""
        if numpy_args:
            axis, keepdims = _numpy_args("mean", numpy_args, axis, keepdims)
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False, **numpy_args: Any) -> Tensor:
        """Max over `axis`; tied maxima share the gradient evenly."""
        if numpy_args:
            axis, keepdims = _numpy_args("max", numpy_args, axis, keepdims)
        return Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False, **numpy_args: Any) -> Tensor:
        """Min over `axis`; tied minima share the gradient evenly."""
        if numpy_args:
            axis, keepdims = _numpy_args("min", numpy_args, axis, keepdims)
        return Min.apply(self, axis=axis, keepdims=keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, **torch_args: Any) -> Tensor:
        """ln sum exp(x) over `axis`, without overflow; `dim=`/`keepdim=` are PyTorch's names."""
        if torch_args:
            axis, keepdims = _numpy_args("logsumexp", torch_args, axis, keepdims)
        return LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def var(
        self, axis: Axis = None, keepdims: bool = False, ddof: int = 0, **numpy_args: Any
    ) -> Tensor:
        """Variance over `axis`: sum (x - mean)^2 / (n - ddof), as numpy (ddof=0 default).

        PyTorch's `dim=`, `keepdim=` and `correction=` (for ddof) are accepted too; note that
        PyTorch's default is correction=1, this method's ddof=0.
        """
        if numpy_args:
            ddof = _correction("var", numpy_args, ddof)
            axis, keepdims = _numpy_args("var", numpy_args, axis, keepdims)
        shape = self.shape  # type: ignore[attr-defined]
        axes = normalize_axis("var", axis, shape)
        n = int(np.prod([shape[a] for a in axes]))
        if n - ddof <= 0:
            raise ValueError(f"var: ddof={ddof} leaves no degrees of freedom for {n} elements")
        d = self - self.mean(axis=axes, keepdims=True)
        return (d * d).sum(axis=axes, keepdims=keepdims) / (n - ddof)

    def std(
        self, axis: Axis = None, keepdims: bool = False, ddof: int = 0, **numpy_args: Any
    ) -> Tensor:
        """Standard deviation: sqrt(var(axis, ddof)); `dim=`, `keepdim=`, `correction=` as `var`."""
        if numpy_args:
            ddof = _correction("std", numpy_args, ddof)
            axis, keepdims = _numpy_args("std", numpy_args, axis, keepdims)
        return sqrt_of_variance(self.var(axis=axis, keepdims=keepdims, ddof=ddof))

    def argmax(self, axis: int | None = None, keepdims: bool = False, **torch_args: Any) -> Tensor:
        """Index of the max along `axis` (flat index when None); an int tensor, no gradient."""
        if torch_args:
            axis, keepdims = _numpy_args("argmax", torch_args, axis, keepdims)
        return _arg(self, np.argmax, "argmax", axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False, **torch_args: Any) -> Tensor:
        """Index of the min along `axis`; an int tensor, no gradient."""
        if torch_args:
            axis, keepdims = _numpy_args("argmin", torch_args, axis, keepdims)
        return _arg(self, np.argmin, "argmin", axis, keepdims)


def sqrt_of_variance(v: Tensor) -> Tensor:
    """sqrt(v) for a variance v, with gradient 0 where v = 0 (as PyTorch's std).

    Where all the values are equal, v = 0 and d sqrt(v)/dv = 1/(2 sqrt(v)) is infinite, while
    dv/dx = 2 (x - mean) / (n - ddof) is 0: the chain rule would give inf * 0 = NaN for every
    element. The standard deviation has no derivative there (|x| at 0, in n dimensions); 0 is
    the subgradient PyTorch picks, and it keeps a NaN from spreading through training.
    """
    from .binary import where

    zero = v.data == 0
    if not zero.any():
        return v.sqrt()
    return where(zero, 0.0, where(zero, 1.0, v).sqrt())


def _numpy_args(op: str, numpy_args: dict[str, Any], axis: Any, keepdims: bool) -> tuple[Any, bool]:
    """(axis, keepdims) from PyTorch's `dim=`/`keepdim=` when given (not both spellings), and
    accept the arguments numpy adds when `np.sum(t)`, `np.mean(t)`, ... call the method
    (`out=None`, `dtype=None`), so numpy's functions work on tensors (and stay in the graph)."""
    for k, v in numpy_args.items():
        if k == "dim":
            if op in ("max", "min"):
                raise TypeError(
                    f"{op}: dim= is PyTorch's spelling, whose {op}(dim=...) returns (values, "
                    f"indices); here {op}(axis=...) returns the values and arg{op}(axis=...) "
                    "the indices"
                )
            axis = axis_or_dim(op, axis, v)
        elif k == "keepdim":
            keepdims = bool(alias(op, keepdims, v, "keepdims", "keepdim", False))
        elif k not in ("out", "dtype"):
            raise TypeError(f"{op}() got an unexpected keyword argument {k!r}")
        elif v is not None:
            raise TypeError(f"{op}: {k}= is not supported on tensors (got {v!r})")
    return axis, keepdims


def _correction(op: str, kwargs: dict[str, Any], ddof: int) -> int:
    """PyTorch's `correction=` (popped from kwargs) in place of ddof, not both."""
    if "correction" not in kwargs:
        return ddof
    c = kwargs.pop("correction")
    if ddof != 0:
        raise TypeError(f"{op}: give ddof= or correction=, not both")
    return 1 if c is None else int(c)


def _arg(t: Any, fn: Any, name: str, axis: int | None, keepdims: bool) -> Tensor:
    from ..tensor import Tensor

    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be None or an int, got {axis!r}")
    if axis is not None and not normalize_axis(name, axis, t.shape):
        axis = None  # a 0-d tensor: axis 0 or -1 is the whole (one-element) tensor
    if t.data.size == 0:
        raise ValueError(f"{name}: cannot take {name} of an empty tensor of shape {t.shape}")
    return Tensor(fn(t.data, axis=axis, keepdims=keepdims))


def _register() -> None:
    for name, fn, ref in (
        ("sum", Sum, np.sum),
        ("mean", Mean, np.mean),
        ("max", Max, np.max),
        ("min", Min, np.min),
        ("logsumexp", LogSumExp, lambda x, axis=None, keepdims=False: _np_logsumexp(x, axis, keepdims)),
    ):
        register(
            OpInfo(
                name=name,
                call=(lambda n: lambda x, **kw: getattr(x, n)(**kw))(name),
                ref=ref,
                samples=REDUCE,
                function=fn,
            )
        )
    ddof = samples(((2, 3), {"axis": 1, "ddof": 1}), ((5,), {"ddof": 1}))
    var_std: tuple[tuple[str, Any], ...] = (("var", np.var), ("std", np.std))
    for name, ref in var_std:
        register(
            OpInfo(
                name=name,
                call=(lambda n: lambda x, **kw: getattr(x, n)(**kw))(name),
                ref=ref,
                samples=REDUCE[:-1] + ddof,  # no 0-d sample: the variance of one value is 0
                summary=(getattr(ReduceMixin, name).__doc__ or "").splitlines()[0],
                function=None,
            )
        )


def _np_logsumexp(x: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


_register()
