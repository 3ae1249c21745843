"""Weight initializers, with PyTorch's names and formulas.

Each one fills a tensor in place and returns it. Every random draw comes from `rng`: an
`np.random.Generator`, an int seed, or None for the library's generator (reset by
`ag.manual_seed(n)`), so runs are reproducible.

For a weight of shape (out, in, *k) the fans are those of PyTorch:
fan_in = in * prod(k), fan_out = out * prod(k).

>>> import autograd as ag
>>> from nn import init
>>> w = ag.zeros(3, 4)
>>> init.xavier_uniform_(w, rng=0) is w
True
>>> bool((abs(w.data) <= (6 / (4 + 3)) ** 0.5).all())
True
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.random import resolve

Rng = np.random.Generator | int | None
T = TypeVar("T", bound=Tensor)  # initializers return what they were given (a Parameter stays one)


def _fill(tensor: T, values: Any, where: str) -> T:
    """Write `values` into `tensor` in place (keeping its dtype) and return it."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.{where}: expected a Tensor, got {type(tensor).__name__}")
    with ag.no_grad():  # a leaf that requires grad may only change outside recording
        tensor[...] = values
    return tensor


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *k): in * prod(k), out * prod(k)."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"init: fan in and fan out need a weight with at least 2 dimensions (out, in), "
            f"got shape {shape}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through `nonlinearity`.

    linear, sigmoid, identity: 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu with slope a (default 0.01): sqrt(2 / (1 + a^2)); selu: 3/4.
    """
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected linear, identity, "
        "sigmoid, tanh, relu, leaky_relu or selu"
    )


def uniform_(tensor: T, a: float = 0.0, b: float = 1.0, rng: Rng = None) -> T:
    """Fill with draws from U(a, b)."""
    return _fill(tensor, resolve(rng).uniform(a, b, size=tensor.shape), "uniform_")


def normal_(tensor: T, mean: float = 0.0, std: float = 1.0, rng: Rng = None) -> T:
    """Fill with draws from N(mean, std^2)."""
    return _fill(tensor, resolve(rng).normal(mean, std, size=tensor.shape), "normal_")


def constant_(tensor: T, value: float) -> T:
    """Fill with `value`."""
    return _fill(tensor, value, "constant_")


def zeros_(tensor: T) -> T:
    """Fill with 0."""
    return _fill(tensor, 0, "zeros_")


def ones_(tensor: T) -> T:
    """Fill with 1."""
    return _fill(tensor, 1, "ones_")


def xavier_uniform_(tensor: T, gain: float = 1.0, rng: Rng = None) -> T:
    """Glorot & Bengio (2010): U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, resolve(rng).uniform(-bound, bound, size=tensor.shape), "xavier_uniform_")


def xavier_normal_(tensor: T, gain: float = 1.0, rng: Rng = None) -> T:
    """Glorot & Bengio (2010): N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, resolve(rng).normal(0.0, std, size=tensor.shape), "xavier_normal_")


def kaiming_uniform_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: Rng = None,
) -> T:
    """He et al. (2015): U(-bound, bound) with bound = gain * sqrt(3 / fan).

    gain = calculate_gain(nonlinearity, a); fan is fan_in or fan_out (`mode`). With a = sqrt(5)
    (what `Linear` uses, as PyTorch) the bound is 1 / sqrt(fan_in).
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return _fill(tensor, resolve(rng).uniform(-bound, bound, size=tensor.shape), "kaiming_uniform_")


def kaiming_normal_(
    tensor: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: Rng = None,
) -> T:
    """He et al. (2015): N(0, std^2) with std = gain / sqrt(fan)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return _fill(tensor, resolve(rng).normal(0.0, std, size=tensor.shape), "kaiming_normal_")


# Other common names for the same initializers.
glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_

# Names without the trailing underscore (PyTorch's in-place marker), for those who prefer them.
uniform = uniform_
normal = normal_
constant = constant_
zeros = zeros_
ones = ones_
xavier_uniform = glorot_uniform = xavier_uniform_
xavier_normal = glorot_normal = xavier_normal_
kaiming_uniform = he_uniform = kaiming_uniform_
kaiming_normal = he_normal = kaiming_normal_
