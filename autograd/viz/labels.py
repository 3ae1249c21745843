"""Short text for values, shapes, ops and edges, shared by pictures, text trees and reports.

Nothing here knows any particular op: op labels come from `Function.label()`, local derivative
formulas from `Function.formulas`, and broadcasting is detected from shapes (or by running the
op's backward once), so a new op needs no code here.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor

SMALL = 6  # arrays with at most this many elements are shown in full


def fmt_number(x: Any) -> str:
    """A number in at most ~6 significant digits: 0.731059, -1.2e-08, 3."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    v = float(x)
    if v == 0:
        return "0"
    return f"{v:.6g}"


def fmt_shape(shape: tuple[int, ...]) -> str:
    """(2, 3) -> '(2,3)', (3,) -> '(3,)'; a scalar's () stays '()'."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ",".join(str(n) for n in shape) + ")"


def fmt_array(a: Any, small: int = SMALL) -> str:
    """The values when there are few (`small` or fewer), else 'min … mean … max …'."""
    arr = np.asarray(a)
    if arr.size == 0:
        return "[]"
    if arr.ndim == 0:
        return fmt_number(arr.item())
    if arr.size <= small:
        text = np.array2string(
            arr, separator=", ", formatter={"all": fmt_number}, max_line_width=10**6, threshold=small
        )
        return " ".join(text.split())  # nested rows on one line: [[1, 2], [3, 4]]
    if arr.dtype.kind not in "biuf":
        return f"<{arr.dtype}>"
    with np.errstate(all="ignore"):
        finite = np.isfinite(arr) if arr.dtype.kind == "f" else np.ones(arr.shape, bool)
        parts = []
        if not finite.all():
            bad = arr.size - int(finite.sum())
            parts.append(f"{bad} non-finite")
            arr = arr[finite]
        if arr.size:
            parts.insert(0, f"min {fmt_number(arr.min())} mean {fmt_number(arr.mean())} "
                            f"max {fmt_number(arr.max())}")
    return ", ".join(parts)


def fmt_const(v: Any) -> str:
    """A constant operand (a Python number, or something else an op accepted)."""
    if isinstance(v, (int, float, np.number, bool)):
        short = fmt_number(v)
        # A constant is part of the op's definition: never show a rounded one (1.0000001 is not 1).
        if isinstance(v, (float, np.floating)) and float(short) != float(v):
            return repr(float(v))
        return short
    if isinstance(v, np.ndarray):
        return fmt_array(v)
    text = repr(v)
    return text if len(text) <= 30 else text[:27] + "..."


def tensor_grad(t: Tensor) -> Any:
    """The gradient stored on `t` (`.grad` of a leaf or a retained one), as an array, or None."""
    g = t.grad
    if g is None:
        return None
    return g.data if isinstance(g, Tensor) else np.asarray(g)


def formula(ctx: Function, i: int) -> str:
    """The op's local derivative with respect to input i, as declared next to its backward."""
    f = type(ctx).formulas
    return f[i] if i < len(f) else "?"


def formula_vars(ctx: Function) -> list[str]:
    """The names the op's formulas use for its inputs: its forward's parameter names
    (`x, y` for add, `a, b` for matmul, `p, y` for binary cross-entropy), or x0, x1, ... for an
    op with a variable number of inputs."""
    n = len(ctx.inputs)
    names = _forward_params(type(ctx))
    if len(names) >= n:
        return list(names[:n])
    return ["x"] if n == 1 else [f"x{i}" for i in range(n)]


_PARAMS: dict[type, tuple[str, ...]] = {}


def _forward_params(cls: type) -> tuple[str, ...]:
    """The positional parameter names of cls.forward after ctx (cached per op class)."""
    if cls not in _PARAMS:
        try:
            params = list(inspect.signature(cls.forward).parameters.values())[1:]  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            params = []
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        _PARAMS[cls] = tuple(p.name for p in params if p.kind in kinds)
    return _PARAMS[cls]


def backward_name(ctx: Function) -> str:
    """'SigmoidBackward': the name of the op's gradient function in the backward picture."""
    return f"{type(ctx).__name__}Backward"


def broadcast_note(ctx: Function, i: int, out_shape: tuple[int, ...]) -> str | None:
    """'sum over broadcast (2,3)->(3,)' when the gradient of input i gets summed to its shape.

    The engine sums an input's gradient whenever the op's backward returns it with another
    shape (numpy broadcasting in the forward pass). We ask the op itself: its backward is run
    once on ones (cheap, and exact). If its saved values were released by backward(), we fall
    back on shapes: an input that broadcasts to a different output shape.
    """
    a = ctx.inputs[i]
    if not isinstance(a, Tensor) or not a.requires_grad:
        return None
    in_shape = a.shape
    if in_shape == out_shape:
        return None
    g_shape: tuple[int, ...] | None = None
    if ctx.saved is not None:
        try:
            with np.errstate(all="ignore"):
                res = type(ctx).backward(ctx, np.ones(out_shape, dtype=a.data.dtype))
            if not isinstance(res, tuple):
                res = (res,)
            gi = res[i] if i < len(res) else None
            g_shape = tuple(np.shape(gi)) if gi is not None else None
        except Exception:  # a probe: any failure means "fall back on shapes"
            g_shape = None
    if g_shape is None:
        # Only broadcasting ops have an output with the broadcast shape of their inputs.
        shapes = [np.shape(x.data if isinstance(x, Tensor) else x) for x in ctx.inputs]
        try:
            full = tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            return None
        if len(shapes) < 2 or full != out_shape:
            return None
        g_shape = out_shape
    if g_shape == in_shape:
        return None
    return f"sum over broadcast {fmt_shape(g_shape)}->{fmt_shape(in_shape)}"
