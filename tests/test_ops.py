"""Every registered op x every sample: forward vs numpy, gradcheck, gradgradcheck, float32.

The cases come from `ag.OPS`, so a new op is tested as soon as it is registered. Test ids read
`exp-(2,3)` or `sum-(2,3)-axis=0`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd.registry import OpInfo, Sample


def case_id(op: OpInfo, sample: Sample) -> str:
    return re.sub(r",?\s+", ",", f"{op.name}-{sample}").replace("[,", "[")


CASES = [pytest.param(op, s, id=case_id(op, s)) for op in ag.OPS.values() for s in op.samples]
GRADGRAD_CASES = [
    pytest.param(op, s, id=case_id(op, s)) for op in ag.OPS.values() if op.gradgrad for s in op.samples
]


def differentiable(op: OpInfo, arrays: list[Any]) -> list[bool]:
    """Which inputs get requires_grad: those the registry names (all float ones by default)."""
    wanted = range(len(arrays)) if op.differentiable is None else op.differentiable
    return [i in wanted and np.asarray(a).dtype.kind == "f" for i, a in enumerate(arrays)]


def make_tensors(op: OpInfo, arrays: list[Any], dtype: Any = np.float64) -> list[ag.Tensor]:
    out = []
    for a, grad in zip(arrays, differentiable(op, arrays), strict=True):
        a = np.asarray(a)
        out.append(ag.Tensor(a.astype(dtype) if a.dtype.kind == "f" else a, requires_grad=grad))
    return out


def bound(op: OpInfo, sample: Sample) -> Callable[..., ag.Tensor]:
    return lambda *xs: op.call(*xs, **sample.kwargs)


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_forward_matches_numpy(op: OpInfo, sample: Sample, rng: np.random.Generator) -> None:
    arrays = op.inputs(rng, sample)
    before = [np.array(a, copy=True) for a in arrays]
    out = op.call(*make_tensors(op, arrays), **sample.kwargs)
    expected = np.asarray(op.ref(*arrays, **sample.kwargs))
    assert isinstance(out, ag.Tensor)
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    for a, b in zip(arrays, before, strict=True):  # ops never write into their inputs
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_gradcheck(op: OpInfo, sample: Sample, rng: np.random.Generator) -> None:
    tensors = make_tensors(op, op.inputs(rng, sample))
    assert any(t.requires_grad for t in tensors)
    assert ag.gradcheck(bound(op, sample), tensors) is True


@pytest.mark.parametrize(("op", "sample"), GRADGRAD_CASES)
def test_gradgradcheck(op: OpInfo, sample: Sample, rng: np.random.Generator) -> None:
    tensors = make_tensors(op, op.inputs(rng, sample))
    assert ag.gradgradcheck(bound(op, sample), tensors) is True


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_float32_stays_float32(op: OpInfo, sample: Sample, rng: np.random.Generator) -> None:
    arrays = op.inputs(rng, sample)
    x32 = make_tensors(op, arrays, np.float32)
    x64 = make_tensors(op, arrays, np.float64)
    out32 = op.call(*x32, **sample.kwargs)
    out64 = op.call(*x64, **sample.kwargs)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.data, out64.data, rtol=1e-5, atol=1e-5)

    v = rng.standard_normal(out64.shape)
    # The op's own backward, before the engine could cast anything: no float64 sneaks in.
    ctx = out32.grad_fn
    if ctx is not None and op.function is not None:
        local = ctx.backward(ctx, v.astype(np.float32))
        for g in local if isinstance(local, tuple) else (local,):
            if g is not None:
                assert g.dtype == np.float32, f"{op.name}: backward returned {g.dtype}"

    out32.backward(v.astype(np.float32))
    out64.backward(v)
    for t32, t64 in zip(x32, x64, strict=True):
        if t32.requires_grad:
            assert t32.grad is not None
            assert t64.grad is not None
            assert t32.grad.dtype == np.float32
            scale = max(1.0, float(np.abs(t64.grad.data).max()))
            np.testing.assert_allclose(t32.grad.data, t64.grad.data, rtol=1e-4, atol=1e-5 * scale)


# -- constants on either side of a binary op ---------------------------------------------------
# The constant for each op keeps the inputs inside its domain (x in [0.5, 2] for div and pow;
# maximum/minimum inputs stay >= 0.15 away from 0.2).
SCALAR_OPS = {
    "add": 1.5, "sub": 1.5, "mul": 1.5, "div": 3.0, "pow": 1.5, "maximum": 0.2, "minimum": 0.2,
    "where": -0.7,
}
KINDS: dict[str, Callable[[float], Any]] = {
    "float": float,
    "np.float64": np.float64,
    "np.float32": np.float32,
    "int": lambda c: round(c) or 2,
    "np.int64": lambda c: np.int64(round(c) or 2),
}


def _scalar_input(op: OpInfo, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return op.inputs(rng, Sample((shape, shape)))[0]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("name", list(SCALAR_OPS))
def test_scalar_constant_operand(name: str, side: str, kind: str, rng: np.random.Generator) -> None:
    op = ag.OPS[name]
    c = KINDS[kind](SCALAR_OPS[name])
    xa = _scalar_input(op, rng, (2, 3))
    args: Callable[[Any], tuple[Any, Any]] = (lambda x: (c, x)) if side == "left" else (lambda x: (x, c))

    x = ag.tensor(xa, requires_grad=True)
    y = op.call(*args(x))
    np.testing.assert_allclose(y.data, op.ref(*args(xa)), rtol=1e-12, atol=1e-12)
    assert y.dtype == np.float64
    assert y.requires_grad
    assert ag.gradcheck(lambda x: op.call(*args(x)), [x])

    x32 = ag.tensor(xa.astype(np.float32), requires_grad=True)
    y32 = op.call(*args(x32))
    assert y32.dtype == np.float32, f"{name} with a {kind} on the {side} gave {y32.dtype}"
    y32.sum().backward()
    assert x32.grad is not None
    assert x32.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (lambda x: 2.0 - x, lambda a: 2.0 - a),
        (lambda x: x / np.float64(3), lambda a: a / 3.0),
        (lambda x: np.float32(2) * x, lambda a: 2.0 * a),
        (lambda x: np.float64(2) ** x, lambda a: 2.0**a),
        (lambda x: 1 / x, lambda a: 1.0 / a),
        (lambda x: -x + np.int64(3), lambda a: 3.0 - a),
    ],
    ids=["2.0-x", "x/np.float64(3)", "np.float32(2)*x", "np.float64(2)**x", "1/x", "-x+np.int64(3)"],
)
def test_constant_expressions(expr: Callable[[Any], Any], expected: Callable[[Any], Any]) -> None:
    a = np.array([0.5, 1.0, 2.5], dtype=np.float32)
    x = ag.tensor(a, requires_grad=True)
    y = expr(x)
    assert isinstance(y, ag.Tensor)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, expected(a.astype(np.float64)), rtol=1e-6)
    assert ag.gradcheck(expr, [ag.tensor(a.astype(np.float64), requires_grad=True)])
