"""More elementwise math: logs and exponentials in other bases, trigonometric and hyperbolic
functions and their inverses, erf, rounding, remainders, and the ops without a gradient
(tests such as `isnan`, logical operators).

Each differentiable op is a `Function` with forward and backward side by side and its local
derivative written once, in the first line of its docstring, as in `elementwise.py`. Backward
formulas call `_f("name", x)`, which runs numpy's function on arrays and the Tensor method on
Tensors (under `create_graph=True`), so the same line gives first and second derivatives.

Rounding (`floor`, `ceil`, `round`, `trunc`), `sign` and `//` are piecewise constant: their
derivative is 0 wherever it exists, and 0 is what they pass back (as PyTorch). The tests
(`isnan`, `isclose`, ...) and logical operators return bool tensors that carry no gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .. import dual, function
from ..broadcast import broadcast_error
from ..function import Op
from ..registry import BINARY, REDUCE, UNARY, OpInfo, register, samples
from .binary import lift, promote
from .movement import stack
from .operands import alias, as_tensor, axis_or_dim
from .reduce import reduction, sqrt_of_variance

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _f(name: str, x: Array) -> Array:
    """numpy's `name` on an array, the Tensor method `name` on a Tensor."""
    if isinstance(x, function._Tensor):
        return getattr(x, name)()
    return np.asarray(getattr(np, name)(x))


def _zero(g: Array) -> Array:
    """A zero gradient of g's shape and dtype (a Tensor in the graph under create_graph)."""
    return g * 0


# -- erf (numpy has none): W. J. Cody's rational approximations, about 1e-16 relative ----------
# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969), with the coefficients of his later CALERF routine. Three ranges of |x|: erf by a
# rational function below 0.5, erfc = exp(-x^2) R(x) on [0.5, 4] and an asymptotic form above.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_ONE_OVER_SQRT_PI = 5.6418958354775628695e-1


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf(x) on a numpy array, in float64 (the caller casts), accurate to about 1e-16."""
    x64 = np.asarray(x, dtype=np.float64)
    y = np.abs(x64)
    out = np.empty_like(x64)
    small = y <= 0.46875
    if small.any():
        ys = y[small]
        z = ys * ys
        num, den = _ERF_A[4] * z, z
        for i in range(3):
            num, den = (num + _ERF_A[i]) * z, (den + _ERF_B[i]) * z
        out[small] = x64[small] * (num + _ERF_A[3]) / (den + _ERF_B[3])
    mid = ~small & (y <= 4.0)
    big = y > 4.0
    for mask, is_mid in ((mid, True), (big, False)):
        if not mask.any():
            continue
        ym = y[mask]
        if is_mid:
            num, den = _ERF_C[8] * ym, ym
            for i in range(7):
                num, den = (num + _ERF_C[i]) * ym, (den + _ERF_D[i]) * ym
            erfc = (num + _ERF_C[7]) / (den + _ERF_D[7])
        else:
            with np.errstate(over="ignore", divide="ignore"):
                z = 1.0 / (ym * ym)
            num, den = _ERF_P[5] * z, z
            for i in range(4):
                num, den = (num + _ERF_P[i]) * z, (den + _ERF_Q[i]) * z
            erfc = z * (num + _ERF_P[4]) / (den + _ERF_Q[4])
            erfc = (_ONE_OVER_SQRT_PI - erfc) / ym
        # exp(-y^2) split as exp(-s^2) exp(-(y-s)(y+s)) with s = y rounded down to 1/16: the
        # product y*y would lose the low bits that exp amplifies.
        s = np.trunc(ym * 16.0) / 16.0
        with np.errstate(under="ignore", invalid="ignore"):
            erfc = np.exp(-s * s) * np.exp(-(ym - s) * (ym + s)) * erfc
        out[mask] = np.copysign(1.0 - erfc, x64[mask])
    odd = ~np.isfinite(x64)
    if odd.any():
        out[odd] = np.sign(x64[odd])  # erf(+-inf) = +-1, erf(NaN) = NaN
    return out


# -- unary ops with a derivative ----------------------------------------------------------------
# Each op below is y = fn(x), its derivative in the docstring and its backward next to `fn`. The
# forward they share is `_Unary.forward`: apply fn, keep x for backward (or y, with
# `saves_output`, where the derivative is cheaper in terms of the output: 2^x ln 2 = y ln 2).
class _Unary(Op):
    """Base of the unary math ops: forward is y = fn(x), keeping x (or y) for backward."""

    fn: ClassVar[Any]  # numpy's function (a ufunc) or a staticmethod, of the input's array
    saves_output: ClassVar[bool] = False

    @staticmethod
    def forward(ctx: _Unary, x: np.ndarray) -> np.ndarray:
        out = np.asarray(type(ctx).fn(x))
        ctx.saved_tensors = (out if ctx.saves_output else x,)
        return out


class Log2(_Unary):
    """y = log2 x.  dy/dx = 1/(x*ln(2))."""

    fn = np.log2

    @staticmethod
    def backward(ctx: Log2, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / (x * _LN2)


class Log10(_Unary):
    """y = log10 x.  dy/dx = 1/(x*ln(10))."""

    fn = np.log10

    @staticmethod
    def backward(ctx: Log10, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / (x * _LN10)


class Log1p(_Unary):
    """y = ln(1 + x), exact for tiny x.  dy/dx = 1/(1+x)."""

    fn = np.log1p

    @staticmethod
    def backward(ctx: Log1p, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / (1 + x)


class Exp2(_Unary):
    """y = 2^x.  dy/dx = 2^x*ln(2)."""

    fn = np.exp2
    saves_output = True

    @staticmethod
    def backward(ctx: Exp2, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        return g * out * _LN2  # 2^x ln 2 = y ln 2


class Expm1(_Unary):
    """y = e^x - 1, exact for tiny x.  dy/dx = exp(x)."""

    fn = np.expm1
    saves_output = True

    @staticmethod
    def backward(ctx: Expm1, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        return g * (out + 1)  # e^x = y + 1


class Rsqrt(_Unary):
    """y = 1 / sqrt(x).  dy/dx = -1/(2*x^(3/2))."""

    saves_output = True

    @staticmethod
    def fn(x: np.ndarray) -> np.ndarray:
        return np.asarray(1 / np.sqrt(x))

    @staticmethod
    def backward(ctx: Rsqrt, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        return g * (out * out * out) * -0.5  # -1/(2 x^(3/2)) = -y^3 / 2


class Erf(_Unary):
    """y = erf x = (2/sqrt(pi)) ∫_0^x e^(-t^2) dt.  dy/dx = 2/sqrt(pi)*exp(-x^2)."""

    @staticmethod
    def fn(x: np.ndarray) -> np.ndarray:
        return erf_array(x).astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)

    @staticmethod
    def backward(ctx: Erf, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * _f("exp", -(x * x)) * _TWO_OVER_SQRT_PI


class Tan(_Unary):
    """y = tan x.  dy/dx = 1+tan(x)^2."""

    fn = np.tan
    saves_output = True

    @staticmethod
    def backward(ctx: Tan, g: Array) -> Array:
        (out,) = ctx.saved_tensors
        return g * (1 + out * out)  # 1 + tan(x)^2 = 1 + y^2


class Asin(_Unary):
    """y = arcsin x (x in [-1, 1]).  dy/dx = 1/sqrt(1-x^2)."""

    fn = np.arcsin

    @staticmethod
    def backward(ctx: Asin, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / _f("sqrt", 1 - x * x)


class Acos(_Unary):
    """y = arccos x (x in [-1, 1]).  dy/dx = -1/sqrt(1-x^2)."""

    fn = np.arccos

    @staticmethod
    def backward(ctx: Acos, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return -(g / _f("sqrt", 1 - x * x))


class Atan(_Unary):
    """y = arctan x.  dy/dx = 1/(1+x^2)."""

    fn = np.arctan

    @staticmethod
    def backward(ctx: Atan, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / (1 + x * x)


class Sinh(_Unary):
    """y = sinh x.  dy/dx = cosh(x)."""

    fn = np.sinh

    @staticmethod
    def backward(ctx: Sinh, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * _f("cosh", x)


class Cosh(_Unary):
    """y = cosh x.  dy/dx = sinh(x)."""

    fn = np.cosh

    @staticmethod
    def backward(ctx: Cosh, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * _f("sinh", x)


class Asinh(_Unary):
    """y = arsinh x.  dy/dx = 1/sqrt(x^2+1)."""

    fn = np.arcsinh

    @staticmethod
    def backward(ctx: Asinh, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / _f("sqrt", x * x + 1)


class Acosh(_Unary):
    """y = arcosh x (x >= 1).  dy/dx = 1/sqrt(x^2-1)."""

    fn = np.arccosh

    @staticmethod
    def backward(ctx: Acosh, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / _f("sqrt", x * x - 1)


class Atanh(_Unary):
    """y = artanh x (|x| < 1).  dy/dx = 1/(1-x^2)."""

    fn = np.arctanh

    @staticmethod
    def backward(ctx: Atanh, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / (1 - x * x)


# -- piecewise constant: zero gradient --------------------------------------------------------
class _Step(Op):
    """Base of the step functions: y = fn(x); the derivative is 0 wherever it exists, and 0 is
    what backward passes back (as PyTorch)."""

    fn: ClassVar[Any]  # numpy's function (a ufunc) of the input's array

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        return np.asarray(type(ctx).fn(x))

    @staticmethod
    def backward(ctx: _Step, g: Array) -> Array:
        return _zero(g)


class Sign(_Step):
    """y = sign x (-1, 0 or 1).  dy/dx = 0."""

    fn = np.sign


class Floor(_Step):
    """y = floor x (the largest integer <= x).  dy/dx = 0."""

    fn = np.floor


class Ceil(_Step):
    """y = ceil x (the smallest integer >= x).  dy/dx = 0."""

    fn = np.ceil


class Trunc(_Step):
    """y = x rounded toward zero.  dy/dx = 0."""

    fn = np.trunc


class Round(_Step):
    """y = x rounded to `decimals` places, halves to even (as numpy and PyTorch).  dy/dx = 0."""

    @staticmethod
    def forward(ctx: Round, x: np.ndarray, decimals: int = 0) -> np.ndarray:
        return np.asarray(np.round(x, decimals))


# -- binary ops ---------------------------------------------------------------------------------
def _broadcasting(op: str, fn: Callable[..., Any], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """numpy's `fn(x, y)`, or the error naming the op and both shapes when they do not broadcast."""
    try:
        return np.asarray(fn(x, y))
    except ValueError as e:
        raise broadcast_error(op, e, x, y) from None


class Atan2(Op):
    """z = atan2(y, x), the angle of the point (x, y).  dz/dy = x/(x^2+y^2), dz/dx = -y/(x^2+y^2)."""

    @staticmethod
    def forward(ctx: Atan2, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        out = _broadcasting("atan2", np.arctan2, y, x)
        ctx.saved_tensors = (y, x)
        return out

    @staticmethod
    def backward(ctx: Atan2, g: Array) -> tuple[Array, Array]:
        y, x = ctx.saved_tensors
        gr = g / (x * x + y * y)
        ny, nx = ctx.needs_input_grad
        return (gr * x if ny else None), (-(gr * y) if nx else None)


class Logaddexp(Op):
    """z = ln(e^x + e^y), without overflow.  dz/dx = exp(x-z), dz/dy = exp(y-z)."""

    @staticmethod
    def forward(ctx: Logaddexp, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = _broadcasting("logaddexp", np.logaddexp, x, y)
        ctx.saved_tensors = (x, y, out)
        return out

    @staticmethod
    def backward(ctx: Logaddexp, g: Array) -> tuple[Array, Array]:
        x, y, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        return (g * _f("exp", x - out) if nx else None), (g * _f("exp", y - out) if ny else None)


class Remainder(Op):
    """z = x mod y with the sign of y (Python's and PyTorch's `%`).  dz/dx = 1, dz/dy = -floor(x/y)."""

    @staticmethod
    def forward(ctx: Remainder, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = _broadcasting("remainder", np.remainder, x, y)
        if ctx.needs_input_grad[1]:  # the quotient is a constant: its derivative is 0
            ctx.q = np.asarray(np.floor_divide(x, y))
        return out

    @staticmethod
    def backward(ctx: Remainder, g: Array) -> tuple[Array, Array]:
        return g, (-(g * ctx.q) if ctx.needs_input_grad[1] else None)


class Fmod(Op):
    """z = x mod y with the sign of x (C's fmod).  dz/dx = 1, dz/dy = -trunc(x/y)."""

    @staticmethod
    def forward(ctx: Fmod, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = _broadcasting("fmod", np.fmod, x, y)
        if ctx.needs_input_grad[1]:
            ctx.q = np.asarray(np.round((x - out) / y))  # x = q*y + out with q an integer
        return out

    @staticmethod
    def backward(ctx: Fmod, g: Array) -> tuple[Array, Array]:
        return g, (-(g * ctx.q) if ctx.needs_input_grad[1] else None)


class FloorDivide(Op):
    """z = floor(x / y) (Python's and PyTorch's `//`), a step function.  dz/dx = 0, dz/dy = 0."""

    @staticmethod
    def forward(ctx: FloorDivide, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _broadcasting("floor_divide", np.floor_divide, x, y)

    @staticmethod
    def backward(ctx: FloorDivide, g: Array) -> tuple[Array, Array]:
        return _zero(g), _zero(g)

    @classmethod
    def op_name(cls) -> str:
        return "floor_divide"


class Copysign(Op):
    """z = |x| with the sign of y (gradients as PyTorch).  dz/dx = sign(x)*sign(y), dz/dy = 0."""

    @staticmethod
    def forward(ctx: Copysign, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = _broadcasting("copysign", np.copysign, x, y)
        # d|x|/dx = sign(x) (0 at 0), times the sign given to the result
        ctx.factor = (np.sign(x) * np.copysign(1.0, y)).astype(out.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx: Copysign, g: Array) -> tuple[Array, Array]:
        return g * ctx.factor, _zero(g)


class Lerp(Op):
    """z = start + weight (end - start).  dz/dstart = 1-weight, dz/dend = weight, dz/dweight = end-start."""

    @staticmethod
    def forward(ctx: Lerp, start: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
        try:
            out = np.asarray(start + weight * (end - start))
        except ValueError:
            raise ValueError(
                f"lerp: shapes {np.shape(start)}, {np.shape(end)} and {np.shape(weight)} "
                "cannot be broadcast together"
            ) from None
        ctx.saved_tensors = (start, end, weight)
        return out

    @staticmethod
    def backward(ctx: Lerp, g: Array) -> tuple[Array, Array, Array]:
        start, end, weight = ctx.saved_tensors
        ns, ne, nw = ctx.needs_input_grad
        gw = g * weight if (ns or ne) else None
        return (g - gw if ns else None), (gw if ne else None), (g * (end - start) if nw else None)


class Norm(Op):
    """y = (sum |x|^p)^(1/p) over axis (gradient 0 at y = 0).  dy/dx = sign(x)*|x|^(p-1)/y^(p-1)."""

    @staticmethod
    def forward(
        ctx: Norm, x: np.ndarray, p: float = 2.0, axis: Any = None, keepdims: bool = False
    ) -> np.ndarray:
        axes, ctx.kshape, _ = reduction("norm", axis, x.shape)
        if not (isinstance(p, (int, float)) and 0 < p < math.inf):
            raise ValueError(f"norm: p must be a positive finite number, got {p!r} (use max() for p=inf)")
        ctx.p, ctx.keepdims = float(p), keepdims
        if p == 2:
            out = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdims))
        else:
            out = np.sum(np.abs(x) ** p, axis=axes, keepdims=keepdims) ** (1.0 / p)
        out = np.asarray(out)
        ctx.saved_tensors = (x, out)
        return out

    @staticmethod
    def backward(ctx: Norm, g: Array) -> Array:
        x, out = ctx.saved_tensors
        if not ctx.keepdims:
            g, out = g.reshape(ctx.kshape), out.reshape(ctx.kshape)
        # A zero norm has no derivative; 0 is passed back there (as PyTorch), not 0/0.
        zero = np.equal(_data(out), 0)
        safe = dual.where(zero, 1.0, out) if zero.any() else out
        p = ctx.p
        if p == 2:
            return g * x / safe
        ax = _f("abs", x)
        if p < 1:
            # |x|^(p-1) is infinite at x = 0 and sign(0) = 0: 0 * inf would be NaN. The norm
            # has no derivative there; 0 is passed back (as PyTorch), like at a zero norm.
            xz = np.equal(_data(x), 0)
            if xz.any():
                ax = dual.where(xz, 1.0, ax)
        return g * _f("sign", x) * ax ** (p - 1) / safe ** (p - 1)


# -- no gradient: bool results --------------------------------------------------------------------
def _data(x: Any) -> Any:
    return x.data if isinstance(x, function._Tensor) else x


def _bool(op: str, fn: Any, *args: Any, **kwargs: Any) -> Tensor:
    """A bool tensor (no gradient) from numpy's `fn` on the inputs' values."""
    arrays = [_data(a) for a in args]
    try:
        out = fn(*arrays, **kwargs)
    except ValueError:
        shapes = " and ".join(str(np.shape(a)) for a in arrays)
        raise ValueError(f"{op}: shapes {shapes} cannot be broadcast together") from None
    except TypeError as e:
        dtypes = " and ".join(str(np.asarray(a).dtype) for a in arrays)
        raise TypeError(f"{op}: not defined for dtypes {dtypes} ({e})") from None
    return function._make(np.asarray(out), None)


def isnan(x: Any) -> Tensor:
    """True where x is NaN: a bool tensor, no gradient."""
    return _bool("isnan", np.isnan, x)


def isinf(x: Any) -> Tensor:
    """True where x is +inf or -inf: a bool tensor, no gradient."""
    return _bool("isinf", np.isinf, x)


def isfinite(x: Any) -> Tensor:
    """True where x is neither NaN nor infinite: a bool tensor, no gradient."""
    return _bool("isfinite", np.isfinite, x)


def isclose(x: Any, y: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|x - y| <= atol + rtol |y| elementwise (as numpy and PyTorch): a bool tensor, no gradient."""
    return _bool("isclose", np.isclose, x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)


def logical_and(x: Any, y: Any) -> Tensor:
    """x and y elementwise (nonzero is true): a bool tensor, no gradient."""
    return _bool("logical_and", np.logical_and, x, y)


def logical_or(x: Any, y: Any) -> Tensor:
    """x or y elementwise (nonzero is true): a bool tensor, no gradient."""
    return _bool("logical_or", np.logical_or, x, y)


def logical_xor(x: Any, y: Any) -> Tensor:
    """x xor y elementwise (nonzero is true): a bool tensor, no gradient."""
    return _bool("logical_xor", np.logical_xor, x, y)


def logical_not(x: Any) -> Tensor:
    """not x elementwise (zero is false): a bool tensor, no gradient."""
    return _bool("logical_not", np.logical_not, x)


# -- functions ----------------------------------------------------------------------------------
def atan2(y: Any, x: Any) -> Tensor:
    """The angle of the point (x, y) in (-pi, pi], elementwise with broadcasting (torch.atan2)."""
    return Atan2.apply(as_tensor(y), lift(x))


def arctan2(y: Any, x: Any) -> Tensor:
    """numpy's name for `atan2`."""
    return atan2(y, x)


def logaddexp(x: Any, y: Any) -> Tensor:
    """ln(e^x + e^y) elementwise, without overflow."""
    return Logaddexp.apply(as_tensor(x), lift(y))


def remainder(x: Any, y: Any) -> Tensor:
    """x mod y with the sign of y (Python's `%`, torch.remainder, numpy.mod)."""
    return Remainder.apply(as_tensor(x), lift(y))


def fmod(x: Any, y: Any) -> Tensor:
    """x mod y with the sign of x (C's fmod, torch.fmod, numpy.fmod)."""
    return Fmod.apply(as_tensor(x), lift(y))


def floor_divide(x: Any, y: Any) -> Tensor:
    """floor(x / y) (Python's `//`); its gradient is 0."""
    return FloorDivide.apply(as_tensor(x), lift(y))


def copysign(x: Any, y: Any) -> Tensor:
    """|x| with the sign of y; y gets no gradient (0)."""
    return Copysign.apply(as_tensor(x), lift(y))


def lerp(start: Any, end: Any, weight: Any) -> Tensor:
    """start + weight * (end - start); weight is a number or a tensor (torch.lerp)."""
    return Lerp.apply(as_tensor(start), lift(end), lift(weight))


def var_mean(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    ddof: int | None = None,
    *,
    dim: Any = None,
    keepdim: bool | None = None,
    correction: int | None = None,
) -> tuple[Tensor, Tensor]:
    """(variance, mean) over `axis`, as torch.var_mean.

    The divisor is n - ddof; as numpy and `Tensor.var`, ddof defaults to 0. PyTorch's
    `correction=` (its default there is 1) is accepted in place of ddof, and `dim=`/`keepdim=`
    in place of `axis=`/`keepdims=`.
    """
    x = as_tensor(x)
    axis = axis_or_dim("var_mean", axis, dim)
    keepdims = bool(alias("var_mean", keepdims, keepdim, "keepdims", "keepdim", False))
    if ddof is not None and correction is not None:
        raise TypeError("var_mean: give ddof= or correction=, not both")
    d = ddof if ddof is not None else (correction if correction is not None else 0)
    return x.var(axis=axis, keepdims=keepdims, ddof=d), x.mean(axis=axis, keepdims=keepdims)


def std_mean(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    ddof: int | None = None,
    *,
    dim: Any = None,
    keepdim: bool | None = None,
    correction: int | None = None,
) -> tuple[Tensor, Tensor]:
    """(standard deviation, mean) over `axis`, as torch.std_mean (ddof defaults to 0, as numpy)."""
    v, m = var_mean(x, axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction)
    return sqrt_of_variance(v), m


def normalize(x: Any, p: float = 2.0, axis: int = 1, eps: float = 1e-12, *, dim: int | None = None) -> Tensor:
    """x / max(||x||_p, eps) along `axis` (default 1, as torch.nn.functional.normalize)."""
    x = as_tensor(x)
    axis = alias("normalize", axis, dim, "axis", "dim", 1)
    if x.ndim == 0:
        raise ValueError("normalize: needs a tensor with at least one axis, got a 0-d tensor")
    if p == math.inf:
        norm = x.abs().max(axis=axis, keepdims=True)
    else:
        norm = Norm.apply(x, p=p, axis=axis, keepdims=True)
    return x / norm.clip(a_min=eps)


def norm(x: Any, p: float = 2.0, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool | None = None) -> Tensor:
    """The p-norm (sum |x|^p)^(1/p) over `axis` (all axes by default), as
    torch.linalg.vector_norm; p = inf gives max |x|. Its gradient at a zero norm is 0."""
    x = as_tensor(x)
    axis = axis_or_dim("norm", axis, dim)
    keepdims = bool(alias("norm", keepdims, keepdim, "keepdims", "keepdim", False))
    if p == math.inf:
        return x.abs().max(axis=axis, keepdims=keepdims)
    return Norm.apply(x, p=p, axis=axis, keepdims=keepdims)


class MathMixin:
    """Tensor methods for the math ops of this module."""

    __slots__ = ()

    def log2(self) -> Tensor:
        """Base-2 logarithm elementwise."""
        return Log2.apply(self)

    def log10(self) -> Tensor:
        """Base-10 logarithm elementwise."""
        return Log10.apply(self)

    def log1p(self) -> Tensor:
        """ln(1 + x) elementwise, accurate for tiny x."""
        return Log1p.apply(self)

    def exp2(self) -> Tensor:
        """2^x elementwise."""
        return Exp2.apply(self)

    def expm1(self) -> Tensor:
        """e^x - 1 elementwise, accurate for tiny x."""
        return Expm1.apply(self)

    def rsqrt(self) -> Tensor:
        """1 / sqrt(x) elementwise."""
        return Rsqrt.apply(self)

    def erf(self) -> Tensor:
        """The error function elementwise."""
        return Erf.apply(self)

    def tan(self) -> Tensor:
        """tan x elementwise."""
        return Tan.apply(self)

    def asin(self) -> Tensor:
        """arcsin x elementwise (NaN outside [-1, 1])."""
        return Asin.apply(self)

    def acos(self) -> Tensor:
        """arccos x elementwise (NaN outside [-1, 1])."""
        return Acos.apply(self)

    def atan(self) -> Tensor:
        """arctan x elementwise."""
        return Atan.apply(self)

    arcsin, arccos, arctan = asin, acos, atan  # numpy's names

    def sinh(self) -> Tensor:
        """sinh x elementwise."""
        return Sinh.apply(self)

    def cosh(self) -> Tensor:
        """cosh x elementwise."""
        return Cosh.apply(self)

    def asinh(self) -> Tensor:
        """arsinh x elementwise."""
        return Asinh.apply(self)

    def acosh(self) -> Tensor:
        """arcosh x elementwise (NaN below 1)."""
        return Acosh.apply(self)

    def atanh(self) -> Tensor:
        """artanh x elementwise (NaN outside [-1, 1])."""
        return Atanh.apply(self)

    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def atan2(self, other: Any) -> Tensor:
        """atan2(self, other): the angle of the point (other, self)."""
        return Atan2.apply(self, lift(other))

    arctan2 = atan2

    def logaddexp(self, other: Any) -> Tensor:
        """ln(e^self + e^other) elementwise, without overflow."""
        return Logaddexp.apply(self, lift(other))

    def sign(self) -> Tensor:
        """-1, 0 or 1 elementwise; zero gradient."""
        return Sign.apply(self)

    def floor(self) -> Tensor:
        """Round down elementwise; zero gradient (a step function)."""
        return Floor.apply(self)

    def ceil(self) -> Tensor:
        """Round up elementwise; zero gradient (a step function)."""
        return Ceil.apply(self)

    def round(self, decimals: int = 0, out: Any = None) -> Tensor:
        """Round to `decimals` places, halves to even; zero gradient (a step function)."""
        if out is not None:  # np.round(t) passes out=None
            raise TypeError("round: out= is not supported on tensors")
        return Round.apply(self, decimals=decimals)

    def trunc(self) -> Tensor:
        """Round toward zero elementwise; zero gradient (a step function)."""
        return Trunc.apply(self)

    def __mod__(self, other: Any) -> Tensor:
        return Remainder.apply(*promote(self, other))

    def __rmod__(self, other: Any) -> Tensor:
        return Remainder.apply(*promote(other, self))

    def __floordiv__(self, other: Any) -> Tensor:
        return FloorDivide.apply(*promote(self, other))

    def __rfloordiv__(self, other: Any) -> Tensor:
        return FloorDivide.apply(*promote(other, self))

    def remainder(self, other: Any) -> Tensor:
        """self mod other with the sign of other (the `%` operator)."""
        return Remainder.apply(*promote(self, other))

    def fmod(self, other: Any) -> Tensor:
        """self mod other with the sign of self (C's fmod)."""
        return Fmod.apply(*promote(self, other))

    def floor_divide(self, other: Any) -> Tensor:
        """floor(self / other) (the `//` operator); zero gradient."""
        return FloorDivide.apply(*promote(self, other))

    def copysign(self, other: Any) -> Tensor:
        """|self| with the sign of other; other gets no gradient."""
        return Copysign.apply(self, lift(other))

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """self + weight * (end - self)."""
        return Lerp.apply(self, lift(end), lift(weight))

    def isnan(self) -> Tensor:
        """True where NaN: a bool tensor, no gradient."""
        return isnan(self)

    def isinf(self) -> Tensor:
        """True where infinite: a bool tensor, no gradient."""
        return isinf(self)

    def isfinite(self) -> Tensor:
        """True where finite: a bool tensor, no gradient."""
        return isfinite(self)

    def isclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Tensor:
        """|self - other| <= atol + rtol |other|: a bool tensor, no gradient."""
        return isclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def logical_and(self, other: Any) -> Tensor:
        """self and other elementwise: a bool tensor, no gradient."""
        return logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        """self or other elementwise: a bool tensor, no gradient."""
        return logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        """self xor other elementwise: a bool tensor, no gradient."""
        return logical_xor(self, other)

    def logical_not(self) -> Tensor:
        """not self elementwise: a bool tensor, no gradient."""
        return logical_not(self)

    # Masks combine with & | ^ ~ (`(x > 0) & (x < 1)`, `~mask`), as in PyTorch and numpy: logical
    # on bool tensors, bitwise on integer ones; float tensors are refused (a TypeError naming
    # the operator and the dtypes). No gradient: the results are bool or integer.
    def __and__(self, other: Any) -> Tensor:
        return _bool("& (bitwise_and)", np.bitwise_and, self, _data(lift(other)))

    def __rand__(self, other: Any) -> Tensor:
        return _bool("& (bitwise_and)", np.bitwise_and, _data(lift(other)), self)

    def __or__(self, other: Any) -> Tensor:
        return _bool("| (bitwise_or)", np.bitwise_or, self, _data(lift(other)))

    def __ror__(self, other: Any) -> Tensor:
        return _bool("| (bitwise_or)", np.bitwise_or, _data(lift(other)), self)

    def __xor__(self, other: Any) -> Tensor:
        return _bool("^ (bitwise_xor)", np.bitwise_xor, self, _data(lift(other)))

    def __rxor__(self, other: Any) -> Tensor:
        return _bool("^ (bitwise_xor)", np.bitwise_xor, _data(lift(other)), self)

    def __invert__(self) -> Tensor:
        return _bool("~ (bitwise_not)", np.invert, self)

    def norm(self, p: float = 2.0, axis: Any = None, keepdims: bool = False, **torch_args: Any) -> Tensor:
        """The p-norm over `axis` (all axes by default); see `ag.norm`."""
        return norm(self, p, axis, keepdims, **torch_args)

    def var_mean(self, axis: Any = None, keepdims: bool = False, ddof: int | None = None,
                 **torch_args: Any) -> tuple[Tensor, Tensor]:
        """(variance, mean) over `axis` (ddof=0 by default, as numpy; see `ag.var_mean`)."""
        return var_mean(self, axis, keepdims, ddof, **torch_args)

    def std_mean(self, axis: Any = None, keepdims: bool = False, ddof: int | None = None,
                 **torch_args: Any) -> tuple[Tensor, Tensor]:
        """(standard deviation, mean) over `axis` (ddof=0 by default, as numpy)."""
        return std_mean(self, axis, keepdims, ddof, **torch_args)


# -- registry -------------------------------------------------------------------------------------
def _apart_quotients(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    """x and y with x/y at least about 0.2 away from an integer for every broadcast pair (the
    remainder jumps there): |y| = 1.3 (jittered by 1%), x = 1.3 (k + f), f in [0.25, 0.75]."""
    x = 1.3 * (rng.integers(-2, 2, size=shapes[0]) + rng.uniform(0.25, 0.75, size=shapes[0]))
    y = rng.choice([-1.3, 1.3], size=shapes[1]) * rng.uniform(0.99, 1.01, size=shapes[1])
    return [np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)]


def _off_grid(step: float) -> Any:
    """A sampler keeping values at least 0.1 away from multiples of `step` (the jumps of a
    rounding function)."""

    def make(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
        out = []
        for shape in shapes:
            k = rng.integers(-3, 3, size=shape)
            out.append(np.asarray((k + rng.uniform(0.1, 0.9, size=shape)) * step, dtype=np.float64))
        return out

    return make


def _register() -> None:
    unary: list[tuple[str, Any, type, dict[str, Any]]] = [
        ("log2", np.log2, Log2, {"domain": (0.2, 3.0)}),
        ("log10", np.log10, Log10, {"domain": (0.2, 3.0)}),
        ("log1p", np.log1p, Log1p, {"domain": (-0.8, 2.0)}),
        ("exp2", np.exp2, Exp2, {}),
        ("expm1", np.expm1, Expm1, {}),
        ("rsqrt", lambda x: 1 / np.sqrt(x), Rsqrt, {"domain": (0.2, 3.0)}),
        ("erf", np.vectorize(math.erf, otypes=[np.float64]), Erf, {}),
        ("tan", np.tan, Tan, {"domain": (-1.3, 1.3)}),
        ("asin", np.arcsin, Asin, {"domain": (-0.9, 0.9)}),
        ("acos", np.arccos, Acos, {"domain": (-0.9, 0.9)}),
        ("atan", np.arctan, Atan, {}),
        ("sinh", np.sinh, Sinh, {}),
        ("cosh", np.cosh, Cosh, {}),
        ("asinh", np.arcsinh, Asinh, {}),
        ("acosh", np.arccosh, Acosh, {"domain": (1.2, 3.0)}),
        ("atanh", np.arctanh, Atanh, {"domain": (-0.9, 0.9)}),
    ]
    for name, ref, fn, extra in unary:
        register(OpInfo(name=name, call=(lambda n: lambda x: getattr(x, n)())(name), ref=ref,
                        samples=UNARY, function=fn, **extra))
    steps: list[tuple[str, Any, type, dict[str, Any]]] = [
        ("sign", np.sign, Sign, {"avoid": (0.0,)}),
        ("floor", np.floor, Floor, {"make_inputs": _off_grid(1.0)}),
        ("ceil", np.ceil, Ceil, {"make_inputs": _off_grid(1.0)}),
        ("trunc", np.trunc, Trunc, {"make_inputs": _off_grid(1.0)}),
    ]
    for name, ref, fn, extra in steps:
        register(OpInfo(name=name, call=(lambda n: lambda x: getattr(x, n)())(name), ref=ref,
                        samples=UNARY, function=fn, gradgrad=False, **extra))
    # round jumps at half-integers (at multiples of 0.05 with decimals=1): values off that grid.
    register(OpInfo(
        name="round", call=lambda x, **kw: x.round(**kw), ref=lambda x, decimals=0: np.round(x, decimals),
        samples=UNARY, function=Round, gradgrad=False, make_inputs=_off_grid(0.5)))
    binary: list[tuple[str, Any, Any, type, dict[str, Any]]] = [
        ("atan2", atan2, np.arctan2, Atan2, {"avoid": (0.0,)}),
        ("logaddexp", logaddexp, np.logaddexp, Logaddexp, {}),
        ("remainder", lambda x, y: x % y, np.remainder, Remainder, {"make_inputs": _apart_quotients}),
        ("fmod", fmod, np.fmod, Fmod, {"make_inputs": _apart_quotients}),
        ("floor_divide", lambda x, y: x // y, np.floor_divide, FloorDivide,
         {"make_inputs": _apart_quotients, "gradgrad": False}),
        ("copysign", copysign, np.copysign, Copysign, {"avoid": (0.0,)}),
    ]
    for name, call, ref, fn, extra in binary:
        register(OpInfo(name=name, call=call, ref=ref, samples=BINARY, function=fn, **extra))
    register(OpInfo(
        name="lerp", call=lerp, ref=lambda a, b, w: a + w * (b - a), function=Lerp,
        samples=samples(((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()), ((4,), (2, 1), (1, 4)),
                        ((), (), ()))))
    register(OpInfo(
        name="lerp_scalar_weight", call=lambda a, b, weight: lerp(a, b, weight),
        ref=lambda a, b, weight: a + weight * (b - a),
        summary="lerp(start, end, weight) with a number as the weight",
        samples=samples((((2, 3), (3,)), {"weight": 0.3})), function=None))
    stats = samples(((2, 3), {"axis": 1}), ((2, 3, 4), {"axis": (0, -1), "keepdims": True}),
                    ((5,), {"ddof": 1}), ((2, 3), {}))
    pairs: tuple[tuple[str, Any, Any], ...] = (("var_mean", var_mean, np.var), ("std_mean", std_mean, np.std))
    for name, pair, ref in pairs:
        register(OpInfo(
            name=name,
            call=(lambda f: lambda x, **kw: stack(f(x, **kw)))(pair),
            ref=(lambda r: lambda x, **kw: np.stack([r(x, **kw), np.mean(
                x, **{k: v for k, v in kw.items() if k != "ddof"})]))(ref),
            samples=stats, summary=(pair.__doc__ or "").splitlines()[0] + " (tested stacked)"))
    register(OpInfo(
        name="norm", call=lambda x, **kw: x.norm(**kw), ref=_np_norm, function=Norm,
        samples=REDUCE + samples(((2, 3), {"p": 1.0, "axis": 1}), ((4,), {"p": 3.0}),
                                 ((2, 3), {"p": 0.5, "axis": 0, "keepdims": True})), avoid=(0.0,)))
    register(OpInfo(
        name="normalize", call=lambda x, **kw: normalize(x, **kw), ref=_np_normalize,
        samples=samples(((2, 3), {}), ((2, 3, 4), {"axis": -1}), ((4,), {"axis": 0, "p": 1.0}),
                        ((2, 3), {"axis": 0, "p": 3.0})),
        summary=(normalize.__doc__ or "").splitlines()[0], avoid=(0.0,)))


def _np_norm(x: np.ndarray, p: float = 2.0, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.asarray(np.sum(np.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p))


def _np_normalize(x: np.ndarray, p: float = 2.0, axis: int = 1, eps: float = 1e-12) -> np.ndarray:
    norm = np.sum(np.abs(x) ** p, axis=axis, keepdims=True) ** (1.0 / p)
    return x / np.maximum(norm, eps)


_register()
