"""Matrix multiplication, in every case numpy's matmul allows.

2-D @ 2-D: (n, k) @ (k, m) -> (n, m), with dA = G B^T and dB = A^T G.
1-D operands are promoted to matrices for the backward pass (a vector a becomes a (1, k) row,
a vector b a (k, 1) column) and the added axis is dropped again; stacked ("batched") operands
multiply matrix by matrix, and the engine sums gradients over broadcast batch axes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..function import Function
from ..registry import OpInfo, register, samples
from .binary import lift

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


def _mT(x: Array) -> Array:  # noqa: N802 - numpy's name for the matrix transpose
    return x.swapaxes(-1, -2)


class Matmul(Function):
    """C = A @ B.  dC/dA: G B^T,  dC/dB: A^T G (on the last two axes)."""

    formulas = ("G @ B^T", "A^T @ G")

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
        ctx.save_for_backward(a, b)
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
        summary=(Matmul.__doc__ or "").splitlines()[0],
        function=Matmul,
    )
)
