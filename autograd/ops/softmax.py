"""softmax and log_softmax along one axis, stable for any input.

Both subtract the max along the axis first: softmax(x) = softmax(x - c) for any constant c, and
with c = max(x) every exponent is <= 0, so softmax([1000, 1001, 1002]) equals
softmax([0, 1, 2]) with no overflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual
from ..function import Op
from ..registry import OpInfo, register, samples
from .operands import alias
from .reduce import normalize_axis

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph

AXIS_SAMPLES = samples(
    ((4,), {}),
    ((2, 3), {}),
    ((2, 3), {"axis": 0}),
    ((2, 3, 4), {"axis": 1}),
    ((2, 3, 4), {"axis": -1}),
)


class Softmax(Op):
    """s_i = e^(x_i) / sum_j e^(x_j) along axis.  ds_i/dx_j = s_i*(δ_ij - s_j).

    Backward: grad_x = s * (g - sum(g * s)).
    """

    @staticmethod
    def forward(ctx: Softmax, x: np.ndarray, axis: int = -1) -> np.ndarray:
        ctx.axis = axes = normalize_axis("softmax", axis, x.shape)  # () for a 0-d tensor
        e = np.exp(x - np.max(x, axis=axes, keepdims=True))
        out = np.asarray(e / np.sum(e, axis=axes, keepdims=True))
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx: Softmax, g: Array) -> Array:
        (s,) = ctx.saved_tensors
        axis = ctx.axis
        return s * (g - (g * s).sum(axis=axis, keepdims=True))


class LogSoftmax(Op):
    """y_i = x_i - logsumexp(x) along axis.  dy_i/dx_j = δ_ij - softmax(x)_j.

    Backward: grad_x = g - softmax(x) * sum(g).
    """

    @staticmethod
    def forward(ctx: LogSoftmax, x: np.ndarray, axis: int = -1) -> np.ndarray:
        ctx.axis = axes = normalize_axis("log_softmax", axis, x.shape)  # () for a 0-d tensor
        shifted = x - np.max(x, axis=axes, keepdims=True)
        out = np.asarray(shifted - np.log(np.sum(np.exp(shifted), axis=axes, keepdims=True)))
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx: LogSoftmax, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        axis = ctx.axis
        return g - dual.exp(out) * g.sum(axis=axis, keepdims=True)

    @classmethod
    def op_name(cls) -> str:
        return "log_softmax"


class SoftmaxMixin:
    """Tensor methods for softmax and log_softmax."""

    __slots__ = ()

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """e^x / sum e^x along `axis` (or PyTorch's `dim`), stable for any input."""
        if dim is not None:
            axis = alias("softmax", axis, dim, "axis", "dim", -1)
        return Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """x - logsumexp(x) along `axis` (or PyTorch's `dim`), stable for any input."""
        if dim is not None:
            axis = alias("log_softmax", axis, dim, "axis", "dim", -1)
        return LogSoftmax.apply(self, axis=axis)


def _ref_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


register(
    OpInfo(
        name="softmax",
        call=lambda x, **kw: x.softmax(**kw),
        ref=_ref_softmax,
        samples=AXIS_SAMPLES,
        function=Softmax,
    )
)
register(
    OpInfo(
        name="log_softmax",
        call=lambda x, **kw: x.log_softmax(**kw),
        ref=lambda x, axis=-1: np.log(_ref_softmax(x, axis)),
        samples=AXIS_SAMPLES,
        function=LogSoftmax,
    )
)
