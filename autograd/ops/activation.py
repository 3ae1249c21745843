"""Activation functions beyond relu/sigmoid/tanh: y = f(x) elementwise, as PyTorch's.

Each op is a `Function` with forward and backward side by side and its local derivative written
once, in the first paragraph of its docstring (`dy/dx = ...`). Backward formulas use the helpers
below, which take numpy arrays and Tensors alike, so under ``create_graph`` they are recorded
and second derivatives work. Piecewise functions
(elu, hardswish, hardtanh, prelu) keep the branch mask from forward as a constant.

softmin, relu6 and glu are composites of other ops (registered too, so they are tested the same
way); softplus(beta, threshold) lives in nn.functional, built on the `softplus` op.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dual, function
from ..function import Op
from ..registry import UNARY, OpInfo, register, samples
from .binary import lift
from .operands import alias

if TYPE_CHECKING:
    from ..tensor import Tensor

Array = Any  # a numpy array, or a Tensor when backward records a graph

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_TANH_C = 0.044715
QUICK_GELU_C = 1.702
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _is_tensor(x: Any) -> bool:
    return isinstance(x, function.Tensor)


def _tanh(x: Array) -> Array:
    return x.tanh() if _is_tensor(x) else np.tanh(x)


def _abs(x: Array) -> Array:
    return x.abs() if _is_tensor(x) else np.abs(x)


def _softplus(x: Array) -> Array:
    return x.softplus() if _is_tensor(x) else np.logaddexp(0, x).astype(x.dtype, copy=False)


def _erf_array(x: np.ndarray) -> np.ndarray:
    """erf elementwise on an array, in x's float dtype."""
    try:
        from .mathops import erf_array  # the vectorised erf of the math ops, when present
    except ImportError:
        erf_array = _ERF_SCALAR
    out = np.asarray(erf_array(x), dtype=np.float64)
    return out.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


_ERF_SCALAR = np.vectorize(math.erf, otypes=[np.float64])


def _normal_cdf(x: Array) -> Array:
    """Φ(x) = (1 + erf(x / sqrt 2)) / 2, on arrays or (recorded) Tensors."""
    if _is_tensor(x):
        return NormalCdf.apply(x)
    return 0.5 * (1 + _erf_array(x * _f(x, 1 / math.sqrt(2.0))))


def _exp_neg(x: Array) -> Array:
    """e^min(x, 0): the negative branch of elu and celu, without overflow where x > 0 (that
    branch is masked out there)."""
    return dual.exp(x.clip(a_max=0.0)) if _is_tensor(x) else np.exp(np.minimum(x, 0))


def _f(x: np.ndarray, value: float) -> Any:
    """A constant in x's float dtype (so float32 stays float32)."""
    return np.asarray(value, dtype=x.dtype if x.dtype.kind == "f" else np.float64)


class NormalCdf(Op):
    """y = Φ(x), the standard normal CDF (1 + erf(x / sqrt 2)) / 2.  dy/dx = φ(x) =
    e^(-x^2/2) / sqrt(2π)."""

    @staticmethod
    def forward(ctx: NormalCdf, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return _normal_cdf(x)

    @staticmethod
    def backward(ctx: NormalCdf, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * (INV_SQRT_2PI * dual.exp(-0.5 * x * x))

    @classmethod
    def op_name(cls) -> str:
        return "normal_cdf"


class Gelu(Op):
    """y = x Φ(x), Φ the standard normal CDF (approximate="tanh": 0.5 x (1 + tanh(sqrt(2/π)
    (x + 0.044715 x^3)))).  dy/dx = Φ(x) + x φ(x) (tanh: the derivative of that formula)."""

    @staticmethod
    def forward(ctx: Gelu, x: np.ndarray, approximate: str = "none") -> np.ndarray:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        ctx.saved_tensors = (x,)
        if approximate == "tanh":
            return 0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_C * x**3)))
        return x * _normal_cdf(x)

    @staticmethod
    def backward(ctx: Gelu, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        if ctx.kwargs["approximate"] == "tanh":
            t = _tanh(SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x))
            du = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_C * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        cdf = _normal_cdf(x)
        pdf = INV_SQRT_2PI * dual.exp(-0.5 * x * x)
        return g * (cdf + x * pdf)


class Silu(Op):
    """y = x s(x), s the sigmoid (swish).  dy/dx = s(x) (1 + x (1 - s(x)))."""

    @staticmethod
    def forward(ctx: Silu, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return x * dual.sigmoid(x)

    @staticmethod
    def backward(ctx: Silu, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        s = dual.sigmoid(x)
        return g * (s * (1 + x * (1 - s)))


class QuickGelu(Op):
    """y = x s(1.702 x) (a sigmoid approximation of gelu).  dy/dx = s + 1.702 x s (1 - s)."""

    @staticmethod
    def forward(ctx: QuickGelu, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return x * dual.sigmoid(QUICK_GELU_C * x)

    @staticmethod
    def backward(ctx: QuickGelu, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        s = dual.sigmoid(QUICK_GELU_C * x)
        return g * (s + QUICK_GELU_C * x * s * (1 - s))

    @classmethod
    def op_name(cls) -> str:
        return "quick_gelu"


class Elu(Op):
    """y = x where x > 0, else alpha (e^x - 1).  dy/dx = 1, else alpha e^x."""

    @staticmethod
    def forward(ctx: Elu, x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
        ctx.saved_tensors = (x,)
        ctx.pos = x > 0
        return np.where(ctx.pos, x, _f(x, alpha) * np.expm1(np.minimum(x, 0)))

    @staticmethod
    def backward(ctx: Elu, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * dual.where(ctx.pos, 1.0, ctx.kwargs["alpha"] * _exp_neg(x))


class Selu(Op):
    """y = scale (x where x > 0, else alpha (e^x - 1)), alpha = 1.6733, scale = 1.0507.
    dy/dx = scale, else scale alpha e^x."""

    @staticmethod
    def forward(ctx: Selu, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        ctx.pos = x > 0
        return _f(x, SELU_SCALE) * np.where(ctx.pos, x, _f(x, SELU_ALPHA) * np.expm1(np.minimum(x, 0)))

    @staticmethod
    def backward(ctx: Selu, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * dual.where(ctx.pos, SELU_SCALE, (SELU_SCALE * SELU_ALPHA) * _exp_neg(x))


class Celu(Op):
    """y = x where x > 0, else alpha (e^(x/alpha) - 1).  dy/dx = 1, else e^(x/alpha)."""

    @staticmethod
    def forward(ctx: Celu, x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
        if alpha == 0:
            raise ValueError("celu: alpha must not be 0")
        ctx.saved_tensors = (x,)
        ctx.pos = x > 0
        return np.where(ctx.pos, x, _f(x, alpha) * np.expm1(np.minimum(x, 0) / _f(x, alpha)))

    @staticmethod
    def backward(ctx: Celu, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * dual.where(ctx.pos, 1.0, _exp_neg(x * (1.0 / ctx.kwargs["alpha"])))


class Mish(Op):
    """y = x tanh(softplus(x)).  dy/dx = t + x (1 - t^2) s(x), t = tanh(softplus(x))."""

    @staticmethod
    def forward(ctx: Mish, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return x * np.tanh(_softplus(x))

    @staticmethod
    def backward(ctx: Mish, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        t = _tanh(_softplus(x))
        return g * (t + x * (1 - t * t) * dual.sigmoid(x))


class Hardswish(Op):
    """y = x min(max(x + 3, 0), 6) / 6.  dy/dx = 0 below -3, 1 above 3, (2x + 3)/6 between."""

    @staticmethod
    def forward(ctx: Hardswish, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        ctx.mid = (x > -3) & (x < 3)
        ctx.high = (x >= 3).astype(x.dtype)
        return x * np.clip(x + 3, 0, 6) / _f(x, 6.0)

    @staticmethod
    def backward(ctx: Hardswish, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * dual.where(ctx.mid, (2 * x + 3) * (1.0 / 6.0), ctx.high)


class Hardsigmoid(Op):
    """y = min(max(x + 3, 0), 6) / 6.  dy/dx = 1/6 for -3 < x < 3, else 0."""

    @staticmethod
    def forward(ctx: Hardsigmoid, x: np.ndarray) -> np.ndarray:
        ctx.slope = ((x > -3) & (x < 3)) * _f(x, 1.0 / 6.0)
        return np.clip(x + 3, 0, 6) / _f(x, 6.0)

    @staticmethod
    def backward(ctx: Hardsigmoid, g: Array) -> Array:
        return g * ctx.slope


class Hardtanh(Op):
    """y = min(max(x, min_val), max_val).  dy/dx = 1 for min_val < x < max_val, else 0."""

    @staticmethod
    def forward(ctx: Hardtanh, x: np.ndarray, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
        if min_val > max_val:
            raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
        ctx.inside = (x > min_val) & (x < max_val)
        return np.clip(x, _f(x, min_val), _f(x, max_val))

    @staticmethod
    def backward(ctx: Hardtanh, g: Array) -> Array:
        return g * ctx.inside


class LogSigmoid(Op):
    """y = log s(x) = min(x, 0) - log(1 + e^-|x|) (stable).  dy/dx = 1 - s(x) = s(-x)."""

    @staticmethod
    def forward(ctx: LogSigmoid, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx: LogSigmoid, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * dual.sigmoid(-x)

    @classmethod
    def op_name(cls) -> str:
        return "logsigmoid"


class Softsign(Op):
    """y = x / (1 + |x|).  dy/dx = 1 / (1 + |x|)^2."""

    @staticmethod
    def forward(ctx: Softsign, x: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x,)
        return x / (1 + np.abs(x))

    @staticmethod
    def backward(ctx: Softsign, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        d = 1 + _abs(x)
        return g / (d * d)


class Prelu(Op):
    """y = x where x > 0, else a x, with a learned slope a (broadcast: one per channel).
    dy/dx = 1, else a;  dy/da = 0, else x."""

    @staticmethod
    def forward(ctx: Prelu, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        ctx.saved_tensors = (x, a)
        ctx.pos = x > 0
        return np.where(ctx.pos, x, a * x)

    @staticmethod
    def backward(ctx: Prelu, g: Array) -> tuple[Array, Array]:
        x, a = ctx.saved_tensors
        nx, na = ctx.needs_input_grad
        gx = g * dual.where(ctx.pos, 1.0, a) if nx else None
        ga = g * dual.where(ctx.pos, 0.0, x) if na else None
        return gx, ga


# -- entry points -----------------------------------------------------------------------------
def _t(x: Any) -> Tensor:
    t = lift(x)
    return t if _is_tensor(t) else function.Tensor(t)


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """x Φ(x), Φ the standard normal CDF; approximate="tanh" uses the tanh formula."""
    return Gelu.apply(_t(x), approximate=approximate)


def normal_cdf(x: Any) -> Tensor:
    """Φ(x), the standard normal CDF (PyTorch's torch.special.ndtr)."""
    return NormalCdf.apply(_t(x))


def silu(x: Any) -> Tensor:
    """x sigmoid(x) (also called swish)."""
    return Silu.apply(_t(x))


def quick_gelu(x: Any) -> Tensor:
    """x sigmoid(1.702 x), a fast approximation of gelu."""
    return QuickGelu.apply(_t(x))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else alpha (e^x - 1)."""
    return Elu.apply(_t(x), alpha=float(alpha))


def selu(x: Any) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants (alpha 1.6733, scale 1.0507)."""
    return Selu.apply(_t(x))


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else alpha (e^(x/alpha) - 1)."""
    return Celu.apply(_t(x), alpha=float(alpha))


def mish(x: Any) -> Tensor:
    """x tanh(softplus(x))."""
    return Mish.apply(_t(x))


def hardswish(x: Any) -> Tensor:
    """x relu6(x + 3) / 6."""
    return Hardswish.apply(_t(x))


def hardsigmoid(x: Any) -> Tensor:
    """relu6(x + 3) / 6."""
    return Hardsigmoid.apply(_t(x))


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val]; gradient 1 strictly inside, else 0 (as PyTorch)."""
    return Hardtanh.apply(_t(x), min_val=float(min_val), max_val=float(max_val))


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(x, 0.0, 6.0)


def logsigmoid(x: Any) -> Tensor:
    """log sigmoid(x), stable for any x."""
    return LogSigmoid.apply(_t(x))


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|)."""
    return Softsign.apply(_t(x))


def softmin(x: Any, axis: int = -1) -> Tensor:
    """softmax(-x) along `axis`: weights that favour the smallest values."""
    return (-_t(x)).softmax(axis=axis)


def prelu(x: Any, weight: Any) -> Tensor:
    """x where x > 0, else weight * x; weight has one slope per channel (axis 1) or just one.

    x: (N, C, ...), weight: (C,) or (1,); a 0-d or 1-d x takes a single slope, as PyTorch."""
    x, w = _t(x), _t(weight)
    channels = x.shape[1] if x.ndim >= 2 else 1  # as PyTorch: a 1-d input has no channel axis
    if w.ndim != 1 or w.shape[0] not in (1, channels):
        raise ValueError(
            f"prelu: weight of shape {w.shape} does not fit an input of shape {x.shape}: expected "
            f"(1,) or one slope per channel ({channels},)"
        )
    if w.shape[0] != 1 and x.ndim >= 2:
        w = w.reshape((w.shape[0],) + (1,) * (x.ndim - 2))  # slopes along axis 1
    elif w.shape[0] == 1:
        w = w.reshape(())
    return Prelu.apply(x, w)


def glu(x: Any, axis: int = -1) -> Tensor:
    """a sigmoid(b), where a and b are the two halves of x along `axis` (its size must be even)."""
    x = _t(x)
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim or x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} of a tensor of shape {x.shape} must exist and have an "
                         "even size")
    a, b = x.split(2, axis=axis)
    return a * b.sigmoid()


class ActivationMixin:
    """Tensor methods for the activations (x.gelu(), x.silu(), ...)."""

    __slots__ = ()

    def gelu(self, approximate: str = "none") -> Tensor:
        """x Φ(x); approximate="tanh" uses the tanh formula."""
        return gelu(self, approximate)

    def silu(self) -> Tensor:
        """x sigmoid(x)."""
        return silu(self)

    def elu(self, alpha: float = 1.0) -> Tensor:
        """x where x > 0, else alpha (e^x - 1)."""
        return elu(self, alpha)

    def selu(self) -> Tensor:
        """scale * elu(x, alpha), the self-normalising constants."""
        return selu(self)

    def celu(self, alpha: float = 1.0) -> Tensor:
        """x where x > 0, else alpha (e^(x/alpha) - 1)."""
        return celu(self, alpha)

    def mish(self) -> Tensor:
        """x tanh(softplus(x))."""
        return mish(self)

    def hardswish(self) -> Tensor:
        """x relu6(x + 3) / 6."""
        return hardswish(self)

    def hardsigmoid(self) -> Tensor:
        """relu6(x + 3) / 6."""
        return hardsigmoid(self)

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
        """x clipped to [min_val, max_val]."""
        return hardtanh(self, min_val, max_val)

    def relu6(self) -> Tensor:
        """min(max(x, 0), 6)."""
        return relu6(self)

    def logsigmoid(self) -> Tensor:
        """log sigmoid(x), stable."""
        return logsigmoid(self)

    def softsign(self) -> Tensor:
        """x / (1 + |x|)."""
        return softsign(self)

    def softmin(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """softmax(-x) along axis (or PyTorch's `dim`)."""
        return softmin(self, axis if dim is None else alias("softmin", axis, dim, "axis", "dim", -1))

    def prelu(self, weight: Any) -> Tensor:
        """x where x > 0, else weight * x (one slope per channel)."""
        return prelu(self, weight)

    def glu(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """a sigmoid(b) for the two halves a, b of x along axis (or PyTorch's `dim`)."""
        return glu(self, axis if dim is None else alias("glu", axis, dim, "axis", "dim", -1))


# -- references and registration --------------------------------------------------------------
def _ref_erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _ref_elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def _ref_prelu(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w.reshape(()) if w.shape == (1,) else w.reshape((-1,) + (1,) * (x.ndim - 2))
    return np.where(x > 0, x, w * x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _register() -> None:
    wide = UNARY + samples(((3, 4),))
    unary: list[tuple[str, Any, Any, type | None, dict[str, Any]]] = [
        ("gelu", lambda x, **kw: x.gelu(**kw), lambda x, approximate="none": (
            0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_C * x**3))) if approximate == "tanh"
            else 0.5 * x * (1 + _ref_erf(x / math.sqrt(2)))),
         Gelu, {"samples": wide + samples(((2, 3), {"approximate": "tanh"}),
                                          ((4,), {"approximate": "tanh"}))}),
        ("normal_cdf", normal_cdf, lambda x: 0.5 * (1 + _ref_erf(x / math.sqrt(2))), NormalCdf,
         {"domain": (-4.0, 4.0)}),
        ("silu", lambda x: x.silu(), lambda x: x * _sigmoid(x), Silu, {}),
        ("quick_gelu", quick_gelu, lambda x: x * _sigmoid(1.702 * x), QuickGelu, {}),
        ("elu", lambda x, **kw: x.elu(**kw), _ref_elu, Elu,
         {"avoid": (0.0,), "samples": wide + samples(((2, 3), {"alpha": 0.5}))}),
        ("selu", lambda x: x.selu(), lambda x: SELU_SCALE * _ref_elu(x, SELU_ALPHA), Selu, {"avoid": (0.0,)}),
        ("celu", lambda x, **kw: x.celu(**kw),
         lambda x, alpha=1.0: np.where(x > 0, x, alpha * (np.exp(x / alpha) - 1)), Celu,
         {"avoid": (0.0,), "samples": wide + samples(((2, 3), {"alpha": 2.0}))}),
        ("mish", lambda x: x.mish(), lambda x: x * np.tanh(np.log1p(np.exp(x))), Mish, {}),
        ("hardswish", lambda x: x.hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6, Hardswish,
         {"domain": (-4.5, 4.5), "avoid": (-3.0, 3.0)}),
        ("hardsigmoid", lambda x: x.hardsigmoid(), lambda x: np.clip(x + 3, 0, 6) / 6, Hardsigmoid,
         {"domain": (-4.5, 4.5), "avoid": (-3.0, 3.0)}),
        ("hardtanh", lambda x, **kw: x.hardtanh(**kw),
         lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val), Hardtanh,
         {"avoid": (-1.0, 1.0, -0.5, 1.5),
          "samples": wide + samples(((2, 3), {"min_val": -0.5, "max_val": 1.5}))}),
        ("relu6", lambda x: x.relu6(), lambda x: np.clip(x, 0, 6), None,
         {"domain": (-2.0, 8.0), "avoid": (0.0, 6.0),
          "summary": "y = min(max(x, 0), 6), i.e. hardtanh(x, 0, 6)."}),
        ("logsigmoid", lambda x: x.logsigmoid(), lambda x: -np.log1p(np.exp(-x)), LogSigmoid,
         {"domain": (-6.0, 6.0)}),
        ("softsign", lambda x: x.softsign(), lambda x: x / (1 + np.abs(x)), Softsign, {"avoid": (0.0,)}),
        ("softmin", lambda x, **kw: x.softmin(**kw),
         lambda x, axis=-1: np.exp(-x) / np.exp(-x).sum(axis=axis, keepdims=True), None,
         {"samples": samples(((4,), {}), ((2, 3), {"axis": 0}), ((2, 3, 4), {"axis": -1})),
          "summary": "y = softmax(-x) along axis (a composite)."}),
        ("glu", lambda x, **kw: x.glu(**kw),
         lambda x, axis=-1: np.split(x, 2, axis)[0] * _sigmoid(np.split(x, 2, axis)[1]), None,
         {"samples": samples(((4,), {}), ((2, 6), {}), ((4, 3), {"axis": 0}), ((2, 4, 2), {"axis": 1})),
          "summary": "y = a * sigmoid(b) for the two halves a, b of x along axis (a composite)."}),
    ]
    for name, call, ref, fn, extra in unary:
        extra = dict(extra)
        register(OpInfo(name=name, call=call, ref=ref, samples=extra.pop("samples", wide), function=fn,
                        **extra))
    register(OpInfo(
        name="prelu",
        call=lambda x, w: x.prelu(w),
        ref=_ref_prelu,
        samples=samples(((2, 3, 4), (3,)), ((4, 3), (3,)), ((2, 3), (1,)), ((2, 2, 3, 3), (2,))),
        function=Prelu,
        avoid=(0.0,),
    ))


_register()
