"""Ops keep their own copy of the caller's masks and indices.

Backward runs later than forward; if an op kept a reference to the caller's mask or index
array, changing that array in between (reusing a buffer, `m[:] = False`) would silently change
the gradient. Each test changes the caller's array after the forward pass and checks that the
gradient still follows the array the forward pass used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag


def _grad(fn: Callable[[ag.Tensor], ag.Tensor], mutate: Callable[[], Any]) -> np.ndarray:
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = fn(x)
    mutate()
    y.backward(np.arange(1.0, 1.0 + y.size).reshape(y.shape))
    assert x.grad is not None
    return x.grad.data


def test_where_keeps_its_mask() -> None:
    m = np.array([True, False, True, False])
    got = _grad(lambda x: ag.where(m, x, 0.0), lambda: m.fill(False))
    np.testing.assert_array_equal(got, [1.0, 0.0, 3.0, 0.0])


def test_where_keeps_a_tensor_mask() -> None:
    m = ag.tensor([True, True, False, False])
    got = _grad(lambda x: ag.where(m, 0.0, x), lambda: m.data.fill(True))
    np.testing.assert_array_equal(got, [0.0, 0.0, 3.0, 4.0])


@pytest.mark.parametrize(
    "kind", ["array", "tensor", "bool-mask", "tuple"], ids=str
)
def test_getitem_keeps_its_index(kind: str) -> None:
    arrays: dict[str, Any] = {
        "array": np.array([0, 0, 2]),
        "tensor": ag.tensor([0, 0, 2]),
        "bool-mask": np.array([True, False, True, False]),
        "tuple": (np.array([0, 0, 2]),),
    }
    idx = arrays[kind]
    want = {"array": [3.0, 0.0, 3.0, 0.0], "tensor": [3.0, 0.0, 3.0, 0.0],
            "bool-mask": [1.0, 0.0, 2.0, 0.0], "tuple": [3.0, 0.0, 3.0, 0.0]}[kind]

    def mutate() -> None:
        target = idx[0] if kind == "tuple" else idx.data if kind == "tensor" else idx
        target[...] = target[::-1].copy() if kind == "bool-mask" else 3

    np.testing.assert_array_equal(_grad(lambda x: x[idx], mutate), want)


def test_index_add_keeps_its_index() -> None:
    idx = np.array([1, 1, 3, 0])
    got = _grad(lambda x: ag.index_add((5,), idx, x), lambda: idx.fill(4))
    # index_add's backward is g[index]: each value gets the gradient at the place it went.
    g = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(got, g[[1, 1, 3, 0]])


def test_second_derivative_keeps_the_index() -> None:
    idx = np.array([0, 0, 3])
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = (x[idx] ** 3).sum()
    (gx,) = ag.grad(y, x, create_graph=True)
    idx.fill(1)
    gx.sum().backward()
    # d/dx sum_k 3 x[idx_k]^2 = 6 x at each selected element, counted per selection.
    np.testing.assert_array_equal(x.grad.data, [2 * 6.0, 0.0, 0.0, 6 * 4.0])


def test_max_unpool_keeps_its_indices() -> None:
    from nn import functional

    x = ag.tensor(np.arange(1.0, 5.0).reshape(1, 1, 2, 2), requires_grad=True)
    idx = np.array([[[[0, 3], [8, 15]]]])
    y = functional.max_unpool2d(x, idx, 2)
    idx[...] = 0
    y.backward(np.arange(16.0).reshape(1, 1, 4, 4))
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 3.0], [8.0, 15.0]]]])
