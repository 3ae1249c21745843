"""Activation modules, and activations by name for `Neuron`, `Layer` and `MLP`.

Each module wraps the function of the same name in `nn.functional`; none has parameters.

>>> import autograd as ag, nn
>>> nn.Sigmoid()(ag.tensor([0.0, 0.0]))
tensor([0.5, 0.5])
"""

from __future__ import annotations

from collections.abc import Callable

from autograd import Tensor

from . import functional
from .module import Module

# The names `activation=` accepts. "identity" (or None, or "linear") means no activation.
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": functional.sigmoid,
    "tanh": functional.tanh,
    "relu": functional.relu,
    "leaky_relu": functional.leaky_relu,
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


def describe(activation: str | Callable[[Tensor], Tensor]) -> str | None:
    """How a layer's repr shows its activation (None for a Module: it is printed as a child)."""
    if isinstance(activation, str):
        return repr(activation)
    if isinstance(activation, Module):
        return None
    return str(getattr(activation, "__name__", type(activation).__name__))
