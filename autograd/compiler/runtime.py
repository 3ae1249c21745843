"""The few helpers that generated code calls: each does what the engine does at that point.

Generated code is straight-line numpy; these cover what is not a one-liner: running an op that
has no numpy template through its own `forward`/`backward` (so every op, custom ones included,
compiles), and finishing a leaf's gradient exactly as `backward()` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import clock
from ..broadcast import unbroadcast
from ..function import Function, _as_array
from ..grad_mode import STATE
from ..tensor import Tensor, to_array

__all__ = ["to_array"]  # also used by generated code: ag.tensor(x) of an input

_new = object.__new__


def node(cls: type[Function], needs: tuple[bool, ...], kwargs: dict[str, Any]) -> Any:
    """A fresh node (ctx) for one run of an op: what its forward saves, its backward reads."""
    ctx = _new(cls)
    ctx.needs_input_grad = needs
    ctx.saved_tensors = ()
    ctx.kwargs = kwargs
    ctx.inputs = ()
    ctx.scope = ()
    return ctx


def out(ctx: Any, data: Any) -> np.ndarray:
    """An op's forward result as an array (ufuncs return numpy scalars for 0-d inputs); a saved
    copy of the result is swapped too, as `Function.apply` does."""
    return data if type(data) is np.ndarray else _as_array(ctx, data)


def custom_forward(
    ctx: Any, args: tuple[Any, ...], is_tensor: tuple[bool, ...], kwargs: dict[str, Any]
) -> np.ndarray:
    """A custom Function's forward: it gets Tensors and runs under no_grad, as in eager mode."""
    wrapped = [Tensor._make(a, None) if t else a for a, t in zip(args, is_tensor, strict=True)]
    prev, STATE.enabled = STATE.enabled, False
    try:
        result = type(ctx).forward(ctx, *wrapped, **kwargs)
    finally:
        STATE.enabled = prev
    return result.data if isinstance(result, Tensor) else np.asarray(result)


def grads(ctx: Any, g: Any, n: int) -> tuple[Any, ...]:
    """An op's backward, as a tuple of one gradient array (or None) per input."""
    if type(ctx).array_forward:
        result = type(ctx).backward(ctx, g)
    else:  # a custom op gets and may return Tensors
        result = type(ctx).backward(ctx, Tensor._make(g, None))
    if type(result) is not tuple:
        result = tuple(result) if isinstance(result, list) else (result,)
    result = tuple(r.data if isinstance(r, Tensor) else r for r in result)
    if len(result) < n:
        result = result + (None,) * (n - len(result))
    return result


def fit(g: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """A gradient summed back to its input's shape and cast to its dtype (the engine's step).

    An op whose backward gave None for an input that needed a gradient contributes zeros."""
    if g is None:
        return np.zeros(shape, dtype=dtype)
    if g.shape != shape:
        g = unbroadcast(g, shape)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


def finish(t: Tensor, g: Any, handed: set[int]) -> None:
    """Add a leaf's finished gradient into `t.grad`, adopting the array when nothing else holds
    it (the engine's rule: a fresh, writeable, unshared array, not given to another leaf)."""
    adopt = (
        type(g) is np.ndarray
        and g.base is None
        and id(g) not in handed
        and g.flags.writeable
        and not np.may_share_memory(g, t.data)
    )
    if adopt:
        handed.add(id(g))
    t._accumulate(g, adopt)


def mutated(t: Tensor) -> None:
    """Record an in-place change of t's values, as `x -= ...` under no_grad does."""
    t._shared_version()[0] = clock.mutation()


def as_tensor(value: Any) -> Tensor:
    """A result of the compiled step as a Tensor (no graph)."""
    return Tensor._make(value if type(value) is np.ndarray else np.asarray(value), None)
