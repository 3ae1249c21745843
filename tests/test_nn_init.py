"""nn.init: PyTorch's formulas for bounds and standard deviations, and reproducible draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
from nn import init


def test_fans_as_pytorch() -> None:
    assert init.calculate_fan_in_and_fan_out(ag.zeros(3, 4)) == (4, 3)
    assert init.calculate_fan_in_and_fan_out(ag.zeros(8, 2, 3, 3)) == (18, 72)
    with pytest.raises(
        ValueError,
        match=r"init: fan in and fan out need a weight with "
        r"at least 2 dimensions.*got shape \(5,\)",
    ):
        init.xavier_uniform_(ag.zeros(5))


def test_gains() -> None:
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3), rel=1e-15)
    with pytest.raises(ValueError, match="calculate_gain: unknown nonlinearity 'gelu'"):
        init.calculate_gain("gelu")


# (initializer, kwargs, expected (kind, bound or std)) for a (200, 300) weight
BIG = (200, 300)
CASES = [
    ("uniform_", {"a": -2.0, "b": 3.0}, ("range", -2.0, 3.0)),
    ("normal_", {"mean": 1.0, "std": 0.5}, ("normal", 1.0, 0.5)),
    ("xavier_uniform_", {}, ("uniform", math.sqrt(6 / 500))),
    ("xavier_uniform_", {"gain": 2.0}, ("uniform", 2 * math.sqrt(6 / 500))),
    ("xavier_normal_", {}, ("normal", 0.0, math.sqrt(2 / 500))),
    ("kaiming_uniform_", {}, ("uniform", math.sqrt(6 / 300))),  # a = 0: gain sqrt(2)
    ("kaiming_uniform_", {"a": math.sqrt(5)}, ("uniform", 1 / math.sqrt(300))),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}, ("uniform", math.sqrt(6 / 200))),
    ("kaiming_normal_", {"nonlinearity": "relu"}, ("normal", 0.0, math.sqrt(2 / 300))),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), CASES, ids=[c[0] + str(c[1]) for c in CASES])
def test_random_initializers(name: str, kwargs: dict, expected: tuple) -> None:
    w = ag.zeros(*BIG)
    assert getattr(init, name)(w, rng=0, **kwargs) is w
    x = w.data
    kind = expected[0]
    if kind == "range":
        assert x.min() >= expected[1]
        assert x.max() < expected[2]
        assert x.min() < expected[1] + 0.01
        assert x.max() > expected[2] - 0.01
    elif kind == "uniform":
        bound = expected[1]
        assert np.abs(x).max() <= bound
        assert np.abs(x).max() > 0.999 * bound
        assert x.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    else:
        assert x.mean() == pytest.approx(expected[1], abs=0.01 * expected[2] + 1e-3)
        assert x.std() == pytest.approx(expected[2], rel=0.01)
    # The same seed gives the same values; the global generator is used by default.
    again = getattr(init, name)(ag.zeros(*BIG), rng=np.random.default_rng(0), **kwargs)
    np.testing.assert_array_equal(again.data, x)
    ag.manual_seed(0)
    np.testing.assert_array_equal(getattr(init, name)(ag.zeros(*BIG), **kwargs).data, x)


def test_constant_initializers_and_aliases() -> None:
    w = ag.zeros(2, 3, dtype=np.float32)
    init.ones_(w)
    assert w.dtype == np.float32
    assert (w.data == 1).all()
    init.zeros_(w)
    assert (w.data == 0).all()
    init.constant_(w, 0.25)
    assert (w.data == 0.25).all()
    assert init.glorot_uniform_ is init.xavier_uniform_ is init.xavier_uniform
    assert init.he_normal_ is init.kaiming_normal_ is init.he_normal
    assert init.zeros is init.zeros_
    assert init.uniform is init.uniform_
    with pytest.raises(ValueError, match="init: mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_uniform_(w, mode="fan_avg")
    with pytest.raises(TypeError, match=r"init\.zeros_: expected a Tensor, got ndarray"):
        init.zeros_(np.zeros(3))  # type: ignore[arg-type]


def test_initializing_a_parameter_is_allowed_and_tracked() -> None:
    p = ag.tensor(np.zeros((2, 2)), requires_grad=True)  # like a Parameter
    out = (p * p).sum()
    init.normal_(p, rng=0)  # outside no_grad: init switches recording off itself
    assert not (p.data == 0).all()
    with pytest.raises(ag.AutogradError, match="modified in place"):
        out.backward()
