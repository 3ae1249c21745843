"""Binary elementwise ops, written as if both inputs had the same shape.

NumPy broadcasting happens in the forward pass; the engine sums each gradient back to its
input's shape (see `autograd.broadcast`), so nothing here knows about broadcasting - except how to
say that two shapes do not broadcast, which `broadcast_error` words for every op.
Constants (Python or numpy numbers, arrays) may stand on either side of an operator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..broadcast import broadcast_error
from ..function import Op
from ..registry import BINARY, OpInfo, register, samples

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph


def lift(x: Any) -> Any:
    """A constant operand as ops want it.

    Python numbers pass through: numpy treats them as "weak", so a float32 tensor times 0.5
    stays float32. Numpy scalars become Python numbers for the same reason (numpy would
    otherwise upcast float32 * np.float64(0.5) to float64). Arrays and lists become Tensors.
    """
    if isinstance(x, np.generic):  # first: np.float64 is a subclass of Python's float
        return x.item()
    if isinstance(x, (function.Tensor, int, float)):
        return x
    if isinstance(x, (np.ndarray, list, tuple)):
        return function.Tensor(x)
    raise TypeError(
        f"unsupported operand of type {type(x).__name__}: expected a Tensor, a number or an array"
    )


def promote(x: Any, y: Any) -> tuple[Any, Any]:
    """The two operands of a binary op, a float tensor's dtype winning over an integer or
    bool tensor's (as in PyTorch).

    numpy would widen float32 with an int64 array to float64, so a float32 model's
    `x * mask` or `loss / count` (count an int tensor) silently left float32. Integer and
    bool tensors have no gradient, so converting them loses nothing. Other mixes keep numpy's
    rules (float32 with float64 is float64, as in PyTorch).
    """
    x, y = lift(x), lift(y)
    if not isinstance(x, function.Tensor) or not isinstance(y, function.Tensor):
        return x, y
    dx, dy = x.data.dtype, y.data.dtype
    if dx == dy:
        return x, y
    # Through the astype method, not a new tensor from the values: ag.compile records astype,
    # so the compiled code converts the operand it is given instead of baking in this one.
    if dx.kind == "f" and dy.kind in "biu":
        return x, y.astype(dx)
    if dy.kind == "f" and dx.kind in "biu":
        return x.astype(dy), y
    return x, y


class Add(Op):
    """z = x + y.  dz/dx = 1, dz/dy = 1."""

    @staticmethod
    def forward(ctx: Add, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            return np.add(x, y)
        except ValueError as e:
            raise broadcast_error("add", e, x, y) from None

    @staticmethod
    def backward(ctx: Add, g: Array) -> tuple[Array, Array]:
        return g, g


class Sub(Op):
    """z = x - y.  dz/dx = 1, dz/dy = -1."""

    @staticmethod
    def forward(ctx: Sub, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            return np.subtract(x, y)
        except ValueError as e:
            raise broadcast_error("sub", e, x, y) from None

    @staticmethod
    def backward(ctx: Sub, g: Array) -> tuple[Array, Array]:
        return g, -g


class Mul(Op):
    """z = x * y.  dz/dx = y, dz/dy = x."""

    @staticmethod
    def forward(ctx: Mul, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x, y)
        try:
            return np.multiply(x, y)
        except ValueError as e:
            raise broadcast_error("mul", e, x, y) from None

    @staticmethod
    def backward(ctx: Mul, g: Array) -> tuple[Array, Array]:
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        return (g * y if nx else None), (g * x if ny else None)


class Div(Op):
    """z = x / y.  dz/dx = 1/y, dz/dy = -x/y^2.

    dz/dy is computed as -z/y, reusing the output.
    """

    @staticmethod
    def forward(ctx: Div, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            out = np.asarray(np.true_divide(x, y))  # 0-d: an array, not a scalar (see elementwise.py)
        except ValueError as e:
            raise broadcast_error("div", e, x, y) from None
        ctx.saved_tensors = (y, out)
        return out

    @staticmethod
    def backward(ctx: Div, g: Array) -> tuple[Array, Array]:
        y, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        gx = g / y
        return (gx if nx else None), (-(gx * out) if ny else None)


class Pow(Op):
    """z = x^y.  dz/dx = y*x^(y-1), dz/dy = x^y*ln(x).

    Base 0: dz/dy is taken as 0 for y >= 0 (the limit of x^y ln x as x -> 0+ for y > 0), not
    NaN, and is -inf for y < 0 (as PyTorch).
    Exponent 0: dz/dx is 0 (x^0 = 1 is constant), also at x = 0 where y x^(y-1) is 0 * inf.
    Negative base: x^y is real only for integer y, and then dz/dx is as above; dz/dy needs
    ln x, undefined for x < 0, so it is NaN there (as in PyTorch). A constant exponent
    (`x ** 2`) never computes dz/dy.
    """

    @staticmethod
    def forward(ctx: Pow, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            out = np.asarray(np.power(x, y))  # 0-d: an array, not a scalar (see elementwise.py)
        except ValueError as e:
            raise broadcast_error("pow", e, x, y) from None
        ctx.saved_tensors = (x, y, out)
        return out

    @staticmethod
    def backward(ctx: Pow, g: Array) -> tuple[Array, Array]:
        x, y, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        gx = gy = None
        if nx:
            # NOTE: not getattr(y, "data", y): an ndarray's .data is its memory buffer.
            y0 = np.equal(y.data if isinstance(y, function.Tensor) else y, 0)
            if y0.any():
                with np.errstate(invalid="ignore", divide="ignore"):
                    gx = g * dual.where(y0, 0.0, y * x ** (y - 1))
            else:
                gx = g * y * x ** (y - 1)
        if ny:
            # Base 0 with y < 0: x^y ln x -> inf * -inf = -inf, as PyTorch; only y >= 0 gets 0.
            xd = x.data if isinstance(x, function.Tensor) else x
            yd = y.data if isinstance(y, function.Tensor) else y
            zero = np.equal(xd, 0) & np.greater_equal(yd, 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                safe_x = dual.where(zero, 1.0, x)
                gy = g * dual.where(zero, 0.0, out * dual.log(safe_x))
        return gx, gy


class Maximum(Op):
    """z = max(x, y) elementwise.  dz/dx = 1 if x>y (1/2 at ties), dz/dy = 1 if y>x (1/2 at ties)."""

    @staticmethod
    def forward(ctx: Maximum, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            out = np.asarray(np.maximum(x, y))
        except ValueError as e:
            raise broadcast_error("maximum", e, x, y) from None
        # In the output's dtype: a float32 op must not hand float64 gradients back.
        ctx.share = np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0)).astype(out.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx: Maximum, g: Array) -> tuple[Array, Array]:
        return g * ctx.share, g * (1 - ctx.share)


class Minimum(Op):
    """z = min(x, y) elementwise.  dz/dx = 1 if x<y (1/2 at ties), dz/dy = 1 if y<x (1/2 at ties)."""

    @staticmethod
    def forward(ctx: Minimum, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            out = np.asarray(np.minimum(x, y))
        except ValueError as e:
            raise broadcast_error("minimum", e, x, y) from None
        # In the output's dtype: a float32 op must not hand float64 gradients back.
        ctx.share = np.where(x < y, 1.0, np.where(x == y, 0.5, 0.0)).astype(out.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx: Minimum, g: Array) -> tuple[Array, Array]:
        return g * ctx.share, g * (1 - ctx.share)


class Where(Op):
    """z = x where cond else y.  dz/dx = 1 where cond, dz/dy = 1 where not cond.

    cond is a constant mask (a keyword argument, not an input).
    """

    @staticmethod
    def forward(ctx: Where, x: np.ndarray, y: np.ndarray, cond: Any = None) -> np.ndarray:
        ctx.cond = cond
        try:
            return np.where(cond, x, y)
        except ValueError as e:
            raise broadcast_error("where", e, cond, x, y) from None

    @staticmethod
    def backward(ctx: Where, g: Array) -> tuple[Array, Array]:
        cond = ctx.cond
        return dual.where(cond, g, 0.0), dual.where(cond, 0.0, g)

    def label(self) -> str:
        return "where"


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max(x, y); at ties each input gets half the gradient."""
    return Maximum.apply(*promote(x, y))


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise min(x, y); at ties each input gets half the gradient."""
    return Minimum.apply(*promote(x, y))


def where(cond: Any, x: Any, y: Any) -> Tensor:
    """x where `cond` else y, elementwise with broadcasting; `cond` is a bool Tensor or array."""
    # A copy: backward reads the mask, and the caller may change their array after the forward
    # pass (`m[:] = False`); the gradient must follow the mask the forward pass used.
    c = np.array(cond.data if isinstance(cond, function.Tensor) else cond, copy=True)
    if c.dtype != np.bool_:
        raise TypeError(f"where: cond must be a bool Tensor or array, got dtype {c.dtype}")
    x, y = promote(x, y)
    if not isinstance(x, function.Tensor) and not isinstance(y, function.Tensor):
        return function.Tensor(np.where(c, x, y))
    return Where.apply(x, y, cond=c)


class BinaryMixin:
    """Tensor operators for the binary ops; constants may stand on either side."""

    __slots__ = ()

    def __add__(self, other: Any) -> Tensor:
        kind = type(other)  # the common cases first, at full speed: nothing to promote
        if (kind is type(self) and other.data.dtype is self.data.dtype) or kind is float or kind is int:  # type: ignore[attr-defined]
            return Add.apply(self, other)
        return Add.apply(*promote(self, other))

    def __radd__(self, other: Any) -> Tensor:
        if type(other) is float or type(other) is int:  # numpy's weak-scalar rule keeps the dtype
            return Add.apply(other, self)
        return Add.apply(*promote(other, self))

    def __sub__(self, other: Any) -> Tensor:
        kind = type(other)  # the common cases first, at full speed: nothing to promote
        if (kind is type(self) and other.data.dtype is self.data.dtype) or kind is float or kind is int:  # type: ignore[attr-defined]
            return Sub.apply(self, other)
        return Sub.apply(*promote(self, other))

    def __rsub__(self, other: Any) -> Tensor:
        if type(other) is float or type(other) is int:  # numpy's weak-scalar rule keeps the dtype
            return Sub.apply(other, self)
        return Sub.apply(*promote(other, self))

    def __mul__(self, other: Any) -> Tensor:
        kind = type(other)  # the common cases first, at full speed: nothing to promote
        if (kind is type(self) and other.data.dtype is self.data.dtype) or kind is float or kind is int:  # type: ignore[attr-defined]
            return Mul.apply(self, other)
        return Mul.apply(*promote(self, other))

    def __rmul__(self, other: Any) -> Tensor:
        if type(other) is float or type(other) is int:  # numpy's weak-scalar rule keeps the dtype
            return Mul.apply(other, self)
        return Mul.apply(*promote(other, self))

    def __truediv__(self, other: Any) -> Tensor:
        kind = type(other)  # the common cases first, at full speed: nothing to promote
        if (kind is type(self) and other.data.dtype is self.data.dtype) or kind is float or kind is int:  # type: ignore[attr-defined]
            return Div.apply(self, other)
        return Div.apply(*promote(self, other))

    def __rtruediv__(self, other: Any) -> Tensor:
        if type(other) is float or type(other) is int:  # numpy's weak-scalar rule keeps the dtype
            return Div.apply(other, self)
        return Div.apply(*promote(other, self))

    def __pow__(self, other: Any) -> Tensor:
        kind = type(other)  # the common cases first, at full speed: nothing to promote
        if (kind is type(self) and other.data.dtype is self.data.dtype) or kind is float or kind is int:  # type: ignore[attr-defined]
            return Pow.apply(self, other)
        return Pow.apply(*promote(self, other))

    def __rpow__(self, other: Any) -> Tensor:
        if type(other) is float or type(other) is int:  # numpy's weak-scalar rule keeps the dtype
            return Pow.apply(other, self)
        return Pow.apply(*promote(other, self))

    def pow(self, exponent: Any) -> Tensor:
        """x ** exponent; the exponent may be a Tensor (see `Pow` for base 0 and x < 0)."""
        return Pow.apply(*promote(self, exponent))

    def maximum(self, other: Any) -> Tensor:
        """Elementwise max with `other`."""
        return maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise min with `other`."""
        return minimum(self, other)


def _register() -> None:
    binary: list[tuple[str, Any, Any, type, dict[str, Any]]] = [
        ("add", lambda x, y: x + y, np.add, Add, {}),
        ("sub", lambda x, y: x - y, np.subtract, Sub, {}),
        ("mul", lambda x, y: x * y, np.multiply, Mul, {}),
        ("div", lambda x, y: x / y, np.true_divide, Div, {"domain": (0.5, 2.0)}),
        ("pow", lambda x, y: x**y, np.power, Pow, {"domain": (0.5, 2.0)}),
    ]
    for name, call, ref, fn, extra in binary:
        register(
            OpInfo(
                name=name,
                call=call,
                ref=ref,
                samples=BINARY,
                function=fn,
                **extra,
            )
        )
    for name, call, ref, fn in (
        ("maximum", maximum, np.maximum, Maximum),
        ("minimum", minimum, np.minimum, Minimum),
    ):
        register(
            OpInfo(
                name=name,
                call=call,
                ref=ref,
                samples=BINARY,
                function=fn,
                make_inputs=_apart,
            )
        )
    cond = np.array([[True, False, True], [False, False, True]])
    register(
        OpInfo(
            name="where",
            call=lambda x, y: where(cond, x, y),
            ref=lambda x, y: np.where(cond, x, y),
            samples=samples(((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 1))),
            function=Where,
        )
    )


def _apart(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    """Inputs for max/min whose values never tie: x on a grid, y on the grid shifted by 0.4,
    so every broadcast pair differs by at least 0.3 (finite differences never cross the kink).
    """
    grid = np.array([-1.8, -1.0, -0.2, 0.6, 1.4])
    x = rng.choice(grid, size=shapes[0]) + rng.uniform(-0.05, 0.05, size=shapes[0])
    y = rng.choice(grid + 0.4, size=shapes[1]) + rng.uniform(-0.05, 0.05, size=shapes[1])
    return [np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)]


_register()
