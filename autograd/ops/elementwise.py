"""Unary elementwise ops: y = f(x), and dy/dx = f'(x) elementwise.

Each op is a `Function` with forward and backward side by side, its local derivative as text in
`formulas`, its registry entry, and a one-line Tensor method in `ElementwiseMixin` below.

NOTE: an op that saves its output must save the very array it returns: under
`create_graph=True` the engine recognises it by identity and swaps in the output Tensor. numpy
ufuncs return numpy scalars, not 0-d arrays, for 0-d inputs, hence the `np.asarray(...)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..function import Op
from ..registry import UNARY, OpInfo, register, samples

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


class Neg(Op):
    """y = -x.  dy/dx = -1."""

    @staticmethod
    def forward(ctx: Neg, x: np.ndarray) -> np.ndarray:
        return np.negative(x)

    @staticmethod
    def backward(ctx: Neg, g: Array) -> Array:
        return -g


class Exp(Op):
    """y = e^x.  dy/dx = exp(x).

    Backward reuses the output: dy/dx = e^x = y.
    """

    @staticmethod
    def forward(ctx: Exp, x: np.ndarray) -> np.ndarray:
        out = np.asarray(np.exp(x))
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx: Exp, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        return g * out


class Log(Op):
    """y = ln x (natural log).  dy/dx = 1/x."""

    @staticmethod
    def forward(ctx: Log, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return np.log(x)

    @staticmethod
    def backward(ctx: Log, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Op):
    """y = sqrt(x).  dy/dx = 1/(2*sqrt(x)).

    Backward reuses the output: 1 / (2 sqrt(x)) = 1 / (2y).
    """

    @staticmethod
    def forward(ctx: Sqrt, x: np.ndarray) -> np.ndarray:
        out = np.asarray(np.sqrt(x))
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx: Sqrt, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        return g / (2 * out)


class Abs(Op):
    """y = |x|.  dy/dx = sign(x).

    The derivative at x = 0 is taken as 0, as in PyTorch.
    """

    @staticmethod
    def forward(ctx: Abs, x: np.ndarray) -> np.ndarray:
        ctx.sign = np.sign(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Abs, g: Array) -> Array:
        return g * ctx.sign


class Sin(Op):
    """y = sin x.  dy/dx = cos(x)."""

    @staticmethod
    def forward(ctx: Sin, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return np.sin(x)

    @staticmethod
    def backward(ctx: Sin, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * dual.cos(x)


class Cos(Op):
    """y = cos x.  dy/dx = -sin(x)."""

    @staticmethod
    def forward(ctx: Cos, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return np.cos(x)

    @staticmethod
    def backward(ctx: Cos, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return -(g * dual.sin(x))


class Tanh(Op):
    """t = tanh x.  dt/dx = 1-t^2.

    Backward reuses the output: 1 - tanh(x)^2 = 1 - t^2.
    """

    @staticmethod
    def forward(ctx: Tanh, x: np.ndarray) -> np.ndarray:
        out = np.asarray(np.tanh(x))
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx: Tanh, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        return g * (1.0 - out * out)


class Sigmoid(Op):
    """s = 1 / (1 + e^-x).  ds/dx = s*(1-s).

    Computed without overflow for any x (exp is only taken of -|x|), so |x| up to 1e4 and
    beyond gives 0 or 1 with no warnings.
    """

    @staticmethod
    def forward(ctx: Sigmoid, x: np.ndarray) -> np.ndarray:
        out = dual.sigmoid(x)
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx: Sigmoid, g: Array) -> Array:
        (s,) = ctx.saved_tensors
        return g * s * (1.0 - s)


class Relu(Op):
    """y = max(x, 0).  dy/dx = 1 if x>0 else 0.

    The derivative at x = 0 is taken as 0, as in PyTorch.
    """

    @staticmethod
    def forward(ctx: Relu, x: np.ndarray) -> np.ndarray:
        # One pass, and +0.0 for negative inputs (x * (x > 0) would give -0.0 for them).
        out = np.maximum(x, 0.0, dtype=x.dtype) if x.dtype.kind == "f" else np.maximum(x, 0)
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx: Relu, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        return g * (out > 0.0)  # a constant mask: relu's second derivative is 0 almost everywhere


class LeakyRelu(Op):
    """y = x where x > 0, else slope * x.  dy/dx = 1 if x>0 else slope."""

    @staticmethod
    def forward(ctx: LeakyRelu, x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
        factor = np.where(x > 0, 1.0, negative_slope).astype(x.dtype, copy=False)
        ctx.factor = factor
        return x * factor

    @staticmethod
    def backward(ctx: LeakyRelu, g: Array) -> Array:
        return g * ctx.factor

    @classmethod
    def op_name(cls) -> str:
        return "leaky_relu"


class Softplus(Op):
    """y = ln(1 + e^x).  dy/dx = sigmoid(x).

    Computed as logaddexp(0, x), which does not overflow.
    """

    @staticmethod
    def forward(ctx: Softplus, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return np.logaddexp(0, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Softplus, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * dual.sigmoid(x)


class Clip(Op):
    """y = min(max(x, a_min), a_max).  dy/dx = 1 if a_min<=x<=a_max else 0."""

    @staticmethod
    def forward(ctx: Clip, x: np.ndarray, a_min: Any = None, a_max: Any = None) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if a_min is not None:
            inside &= x >= a_min
        if a_max is not None:
            inside &= x <= a_max
        ctx.inside = inside
        return np.clip(x, a_min, a_max)

    @staticmethod
    def backward(ctx: Clip, g: Array) -> Array:
        return g * ctx.inside


class ElementwiseMixin:
    """Tensor methods for the unary elementwise ops."""

    __slots__ = ()

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def exp(self) -> Tensor:
        """e^x elementwise."""
        return Exp.apply(self)

    def log(self) -> Tensor:
        """Natural logarithm elementwise."""
        return Log.apply(self)

    def sqrt(self) -> Tensor:
        """Square root elementwise."""
        return Sqrt.apply(self)

    def abs(self) -> Tensor:
        """|x| elementwise; its gradient at 0 is 0."""
        return Abs.apply(self)

    def __abs__(self) -> Tensor:
        return Abs.apply(self)

    def sin(self) -> Tensor:
        """sin x elementwise."""
        return Sin.apply(self)

    def cos(self) -> Tensor:
        """cos x elementwise."""
        return Cos.apply(self)

    def tanh(self) -> Tensor:
        """tanh x elementwise."""
        return Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x) elementwise, stable for any x."""
        return Sigmoid.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0) elementwise; its gradient at 0 is 0."""
        return Relu.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x where x > 0, else negative_slope * x."""
        return LeakyRelu.apply(self, negative_slope=negative_slope)

    def softplus(self) -> Tensor:
        """ln(1 + e^x), stable for any x."""
        return Softplus.apply(self)

    def clip(self, a_min: Any = None, a_max: Any = None) -> Tensor:
        """Limit values to [a_min, a_max] (either may be None), like numpy.clip."""
        if a_min is None and a_max is None:
            raise ValueError("clip: at least one of a_min and a_max must be given")
        if isinstance(a_min, function.Tensor) or isinstance(a_max, function.Tensor):
            return _clip_by_tensors(self, a_min, a_max)
        return Clip.apply(self, a_min=a_min, a_max=a_max)


def _clip_by_tensors(x: Any, a_min: Any, a_max: Any) -> Tensor:
    """clip with tensor bounds, which broadcast and get gradients too (as torch.clamp):
    y = min(max(x, a_min), a_max), the gradient going to whichever value was kept (x at a
    tie; a_max where a_min > a_max). NaN in x stays NaN."""
    from .binary import where

    y = x
    if a_min is not None:
        lo = a_min.data if isinstance(a_min, function.Tensor) else np.asarray(a_min)
        y = where(np.logical_not(y.data < lo), y, a_min)
    if a_max is not None:
        hi = a_max.data if isinstance(a_max, function.Tensor) else np.asarray(a_max)
        y = where(np.logical_not(y.data > hi), y, a_max)
    return y


def _register() -> None:
    unary: list[tuple[str, Any, Any, type, dict[str, Any]]] = [
        ("neg", lambda x: -x, np.negative, Neg, {}),
        ("exp", lambda x: x.exp(), np.exp, Exp, {}),
        ("log", lambda x: x.log(), np.log, Log, {"domain": (0.2, 3.0)}),
        ("sqrt", lambda x: x.sqrt(), np.sqrt, Sqrt, {"domain": (0.2, 3.0)}),
        ("abs", lambda x: x.abs(), np.abs, Abs, {"avoid": (0.0,)}),
        ("sin", lambda x: x.sin(), np.sin, Sin, {}),
        ("cos", lambda x: x.cos(), np.cos, Cos, {}),
        ("tanh", lambda x: x.tanh(), np.tanh, Tanh, {}),
        ("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), Sigmoid, {}),
        ("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), Relu, {"avoid": (0.0,)}),
        ("softplus", lambda x: x.softplus(), lambda x: np.log1p(np.exp(x)), Softplus, {}),
    ]
    for name, call, ref, fn, extra in unary:
        register(
            OpInfo(
                name=name,
                call=call,
                ref=ref,
                samples=UNARY,
                function=fn,
                **extra,
            )
        )
    register(
        OpInfo(
            name="leaky_relu",
            call=lambda x, **kw: x.leaky_relu(**kw),
            ref=lambda x, negative_slope=0.01: np.where(x > 0, x, negative_slope * x),
            samples=UNARY + samples(((2, 3), {"negative_slope": 0.2})),
            function=LeakyRelu,
            avoid=(0.0,),
        )
    )
    register(
        OpInfo(
            name="clip",
            call=lambda x, **kw: x.clip(**kw),
            ref=lambda x, a_min=None, a_max=None: np.clip(x, a_min, a_max),
            samples=samples(
                ((2, 3), {"a_min": -0.5, "a_max": 0.5}),
                ((4,), {"a_min": 0.0}),
                ((4,), {"a_max": 0.3}),
            ),
            function=Clip,
            avoid=(-0.5, 0.5, 0.0, 0.3),
        )
    )


_register()
