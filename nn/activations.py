"""Activation modules, and activations by name for `Neuron`, `Layer` and `MLP`.

Each module wraps the function of the same name in `nn.functional`; none has parameters.

>>> import autograd as ag, nn
>>> nn.Sigmoid()(ag.tensor([0.0, 0.0]))
tensor([0.5, 0.5])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Tensor, get_default_dtype

from . import functional
from .module import Module, Parameter

# The names `activation=` accepts. "identity" (or None, or "linear") means no activation.
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": functional.sigmoid,
    "tanh": functional.tanh,
    "relu": functional.relu,
    "leaky_relu": functional.leaky_relu,
    "gelu": functional.gelu,
    "silu": functional.silu,
    "elu": functional.elu,
    "selu": functional.selu,
    "mish": functional.mish,
    "softplus": functional.softplus,
    "softmax": functional.softmax,
    "log_softmax": functional.log_softmax,
    "identity": functional.identity,
    "linear": functional.identity,
}

Activation = str | Callable[[Tensor], Tensor] | None


def check_activation(where: str, activation: Activation) -> str | Callable[[Tensor], Tensor]:
    """`activation` as stored by a layer: a known name, or a callable (a Module, a function)."""
    if activation is None:
        return "identity"
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"{where}: unknown activation {activation!r}; expected one of "
                + ", ".join(repr(k) for k in ACTIVATIONS)
                + ", None, or a callable such as nn.LeakyReLU(0.2)"
            )
        return activation
    if callable(activation):
        return activation
    raise TypeError(
        f"{where}: activation must be a name, None or a callable, got {type(activation).__name__}"
    )


def apply_activation(activation: str | Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Run a stored activation (see `check_activation`) on x."""
    fn = ACTIVATIONS[activation] if isinstance(activation, str) else activation
    return fn(x)


class Identity(Module):
    """y = x."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class Sigmoid(Module):
    """y = 1 / (1 + e^-x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return functional.sigmoid(x)


class Tanh(Module):
    """y = tanh x elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return functional.tanh(x)


class ReLU(Module):
    """y = max(x, 0) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return functional.relu(x)


class LeakyReLU(Module):
    """y = x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return functional.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """y = softmax(x) along `axis` (each slice sums to 1)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = int(axis)

    def forward(self, x: Tensor) -> Tensor:
        return functional.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """y = log_softmax(x) along `axis` (pair it with nll_loss)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = int(axis)

    def forward(self, x: Tensor) -> Tensor:
        return functional.log_softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class _Elementwise(Module):
    """An activation without parameters or arguments: calls `fn` (set by each subclass)."""

    fn: Callable[[Tensor], Tensor]

    def forward(self, x: Tensor) -> Tensor:
        return type(self).fn(x)


class GELU(Module):
    """y = x Φ(x) (approximate="tanh": the tanh formula)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return functional.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_Elementwise):
    """y = x sigmoid(x)."""

    fn = staticmethod(functional.silu)


class QuickGELU(_Elementwise):
    """y = x sigmoid(1.702 x)."""

    fn = staticmethod(functional.quick_gelu)


class SELU(_Elementwise):
    """y = scale * elu(x, alpha) with the self-normalising constants."""

    fn = staticmethod(functional.selu)


class Mish(_Elementwise):
    """y = x tanh(softplus(x))."""

    fn = staticmethod(functional.mish)


class Hardswish(_Elementwise):
    """y = x relu6(x + 3) / 6."""

    fn = staticmethod(functional.hardswish)


class Hardsigmoid(_Elementwise):
    """y = relu6(x + 3) / 6."""

    fn = staticmethod(functional.hardsigmoid)


class ReLU6(_Elementwise):
    """y = min(max(x, 0), 6)."""

    fn = staticmethod(functional.relu6)


class LogSigmoid(_Elementwise):
    """y = log sigmoid(x)."""

    fn = staticmethod(functional.logsigmoid)


class Softsign(_Elementwise):
    """y = x / (1 + |x|)."""

    fn = staticmethod(functional.softsign)


class ELU(Module):
    """y = x where x > 0, else alpha (e^x - 1)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return functional.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(Module):
    """y = x where x > 0, else alpha (e^(x/alpha) - 1)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return functional.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Hardtanh(Module):
    """y = x clipped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        super().__init__()
        self.min_val, self.max_val = float(min_val), float(max_val)

    def forward(self, x: Tensor) -> Tensor:
        return functional.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Softplus(Module):
    """y = log(1 + e^(beta x)) / beta (x itself where beta x > threshold)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, x: Tensor) -> Tensor:
        return functional.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmin(Module):
    """y = softmax(-x) along `axis` (`dim` is PyTorch's name for it)."""

    def __init__(self, axis: int = -1, dim: int | None = None) -> None:
        super().__init__()
        self.axis = int(axis if dim is None else dim)

    def forward(self, x: Tensor) -> Tensor:
        return functional.softmin(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class GLU(Module):
    """y = a sigmoid(b) for the halves a, b of x along `axis` (PyTorch's default is -1 too)."""

    def __init__(self, axis: int = -1, dim: int | None = None) -> None:
        super().__init__()
        self.axis = int(axis if dim is None else dim)

    def forward(self, x: Tensor) -> Tensor:
        return functional.glu(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class PReLU(Module):
    """y = x where x > 0, else a x, with learned slopes a: one shared (num_parameters=1) or one
    per channel (axis 1 of the input). Its parameter is `weight`, of shape (num_parameters,),
    initialised to `init`, as torch.nn.PReLU."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        if num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be >= 1, got {num_parameters}")
        self.slopes = int(num_parameters)  # (Module.num_parameters() counts parameters)
        self.weight = Parameter(np.full(self.slopes, float(init),
                                        dtype=get_default_dtype() if dtype is None else dtype))

    def forward(self, x: Tensor) -> Tensor:
        return functional.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.slopes}"


def describe(activation: str | Callable[[Tensor], Tensor]) -> str | None:
    """How a layer's repr shows its activation (None for a Module: it is printed as a child)."""
    if isinstance(activation, str):
        return repr(activation)
    if isinstance(activation, Module):
        return None
    return str(getattr(activation, "__name__", type(activation).__name__))
