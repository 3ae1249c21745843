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
