"""Matrix multiplication, in every case numpy's matmul allows.

2-D @ 2-D: (n, k) @ (k, m) -> (n, m), with dA = G B^T and dB = A^T G.
1-D operands are promoted to matrices for the backward pass (a vector a becomes a (1, k) row,
a vector b a (k, 1) column) and the added axis is dropped again; stacked ("batched") operands
multiply matrix by matrix, and the engine sums gradients over broadcast batch axes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..function import Op
from ..registry import OpInfo, register, samples
from .binary import lift

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


def _mT(x: Array) -> Array:  # noqa: N802 - numpy's name for the matrix transpose
    return x.swapaxes(-1, -2)


class Matmul(Op):
    """C = A @ B.  dC/dA = G @ B^T, dC/dB = A^T @ G.

    G is the upstream gradient; the transposes are on the last two axes.
    """

    @staticmethod
    def forward(ctx: Matmul, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            raise ValueError(
                f"matmul: shapes {np.shape(a)} and {np.shape(b)}: matmul needs at least 1-D "
                "operands; use * to multiply by a scalar"
            )
        try:
            out = np.matmul(a, b)
        except ValueError:
            k1 = a.shape[-1]
            k2 = b.shape[-2] if b.ndim > 1 else b.shape[0]
            if k1 != k2:
                raise ValueError(
                    f"matmul: shapes {a.shape} and {b.shape} are not aligned: the first has "
                    f"{k1} columns but the second has {k2} rows"
                ) from None
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape}: the batch axes {a.shape[:-2]} and "
                f"{b.shape[:-2]} cannot be broadcast together"
            ) from None
        ctx.saved_tensors = (a, b)
        return np.asarray(out)

    @staticmethod
    def backward(ctx: Matmul, g: Array) -> tuple[Array, Array]:
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case, without any reshaping
            return (g @ b.T if na else None), (a.T @ g if nb else None)
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2.reshape((*g2.shape[:-1], 1, g2.shape[-1])) if b.ndim > 1 else g2.reshape((1, 1))
        if b.ndim == 1:
            g2 = g2.reshape((*g2.shape, 1)) if a.ndim > 1 else g2.reshape((1, 1))
        ga = gb = None
        if na:
            ga = g2 @ _mT(b2)
            ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if a.ndim == 1 else ga
        if nb:
            gb = _mT(a2) @ g2
            gb = gb.reshape(gb.shape[:-1]) if b.ndim == 1 else gb
        return ga, gb


class Linear(Op):
    """y = x @ W^T + b.  dy/dx = G @ W, dy/dW = G^T @ x, dy/db = sum of G over the batch.

    One op for a dense layer.
    x: (..., in), W: (out, in), b: (out,) or None -> y: (..., out). The weight and bias
    gradients sum over all leading axes of x (the batch). Fusing the three steps into one node
    makes a dense layer one op in the graph and in pictures, and saves the engine two nodes.
    """

    @staticmethod
    def forward(ctx: Linear, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        if np.ndim(w) != 2 or np.ndim(x) == 0 or x.shape[-1] != w.shape[1]:
            raise ValueError(
                f"linear: input of shape {np.shape(x)} does not fit a weight of shape "
                f"{np.shape(w)}: expected a weight (out, in) and an input (..., in)"
            )
        if b is not None and np.shape(b) != (w.shape[0],):
            raise ValueError(
                f"linear: bias of shape {np.shape(b)} does not fit a weight of shape {w.shape}: "
                f"expected ({w.shape[0]},)"
            )
        out = x @ w.T
        if b is not None:
            if np.result_type(out, b) == out.dtype:
                np.add(out, b, out=out)  # out is a fresh array: adding in place saves a temporary
            else:
                out = out + b
        ctx.saved_tensors = (x, w)
        return out

    @staticmethod
    def backward(ctx: Linear, g: Array) -> tuple[Array, Array, Array]:
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        g2 = g if g.ndim == 2 else g.reshape((-1, w.shape[0]))
        gx = g @ w if nx else None
        gw = g2.T @ (x if x.ndim == 2 else x.reshape((-1, w.shape[1]))) if nw else None
        gb = g2.sum(axis=0) if nb else None
        return gx, gw, gb


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """x @ weight^T + bias as one op; weight (out, in), bias (out,) or None, as PyTorch's."""
    return Linear.apply(lift(x), lift(weight), None if bias is None else lift(bias))


class LinalgMixin:
    """Tensor operators for matmul."""

    __slots__ = ()

    def __matmul__(self, other: Any) -> Tensor:
        return Matmul.apply(self, lift(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return Matmul.apply(lift(other), self)

    def matmul(self, other: Any) -> Tensor:
        """self @ other, as numpy.matmul."""
        return Matmul.apply(self, lift(other))

    def dot(self, other: Any) -> Tensor:
        """Inner product of two vectors (and matmul otherwise), like np.dot for 1-D/2-D."""
        return Matmul.apply(self, lift(other))


register(
    OpInfo(
        name="matmul",
        call=lambda a, b: a @ b,
        ref=np.matmul,
        samples=samples(
            ((2, 3), (3, 4)),
            ((3,), (3, 4)),
            ((2, 3), (3,)),
            ((3,), (3,)),
            ((2, 2, 3), (3, 4)),
            ((3,), (2, 3, 4)),
            ((2, 1, 2, 3), (3, 3, 2)),
            ((2, 3, 4), (4,)),
        ),
        function=Matmul,
    )
)

register(
    OpInfo(
        name="linear",
        call=lambda x, w, b=None: linear(x, w, b),
        ref=lambda x, w, b=None: x @ w.T + (0 if b is None else b),
        samples=samples(
            ((4, 3), (2, 3), (2,)),
            ((3,), (2, 3), (2,)),
            ((2, 4, 3), (5, 3), (5,)),
            ((4, 3), (2, 3)),
        ),
        function=Linear,
    )
)
