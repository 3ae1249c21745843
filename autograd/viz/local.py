"""One op's step of the chain rule, for pictures: the engine's own `backward_step`.

`explain` and `trace_backward` replay the backward pass themselves (so they can show every
intermediate number) instead of hooking into the engine: each node runs the engine's
`backward_step` on numpy arrays. Both check their totals against the engine afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..engine import backward_step, iter_graph, released_error
from ..function import Function
from ..grad_mode import no_grad
from ..tensor import Tensor
from .labels import uses_upstream


@contextmanager
def replayed(output: Tensor, caller: str) -> Iterator[None]:
    """Make every node of output's graph usable for a backward replay, for the block's time.

    After a plain `backward()` each node has dropped the values it saved. The graph still holds
    every op's inputs, so each released node runs its forward again on them to get those values
    back - unless an input was modified in place since, in which case the old values are gone
    and the error says so. On leaving, the restored values are released again, so memory is as
    the engine left it. (A custom op whose forward is random would not replay the same values.)
    """
    restored: list[Function] = []
    try:
        with no_grad(), np.errstate(all="ignore"):
            for t in iter_graph(output):
                ctx = t._ctx
                if ctx is None or ctx.saved_tensors is not None:
                    continue
                if any(isinstance(a, Tensor) and a._modified_after(t._seq) for a in ctx.inputs):
                    raise released_error(ctx, caller)  # the saved values cannot be recomputed
                inputs = ctx.inputs
                if type(ctx).array_forward:  # built-in ops take arrays; custom ops Tensors
                    inputs = tuple(a.data if isinstance(a, Tensor) else a for a in inputs)
                ctx.saved_tensors = ()
                restored.append(ctx)
                type(ctx).forward(ctx, *inputs, **getattr(ctx, "kwargs", {}))
        yield
    finally:
        for ctx in restored:
            ctx.saved_tensors = None


def input_grads(ctx: Function, g: np.ndarray, reduce: bool = True) -> list[np.ndarray | None]:
    """d L / d input for every input of `ctx`, given g = d L / d output: the engine's step
    (`reduce=False` leaves a broadcast input's gradient in the output's shape)."""
    with no_grad():
        return list(backward_step(ctx, g, reduce=reduce))


def local_derivatives(ctx: Function, out_shape: tuple[int, ...], dtype: Any) -> list[np.ndarray | None]:
    """The op's backward applied to an upstream gradient of ones: for an elementwise op, its
    elementwise derivative d out / d input. A broadcast input's value keeps the output's shape
    (one derivative per use; the gradient then sums them), so it matches the formula.

    None for a rule written with the upstream gradient G (matmul's G @ B^T) when the output
    has more than one element: applied to ones it gives column sums that are no derivative a
    reader could check; the gradient it passes down is shown instead."""
    with np.errstate(all="ignore"):  # a display value: inf/nan are shown, not raised
        values = input_grads(ctx, np.ones(out_shape, dtype=dtype), reduce=False)
    if math.prod(out_shape) > 1:
        values = [None if uses_upstream(ctx, i) else v for i, v in enumerate(values)]
    return values
