"""sort, argsort and topk with axis=None: the flattened tensor, as numpy."""

from __future__ import annotations

import numpy as np

import autograd as ag


def test_sort_argsort_topk_axis_none_flatten_as_numpy() -> None:
    rng = np.random.default_rng(3)
    a = rng.permutation(12).reshape(3, 4).astype(np.float64)
    x = ag.tensor(a, requires_grad=True)
    values, indices = ag.sort(x, axis=None)
    np.testing.assert_array_equal(values.data, np.sort(a, axis=None))
    np.testing.assert_array_equal(indices.data, np.argsort(a, axis=None, kind="stable"))
    np.testing.assert_array_equal(ag.argsort(x, axis=None).data, np.argsort(a, axis=None, kind="stable"))
    top, where = ag.topk(x, 3, axis=None)
    np.testing.assert_array_equal(top.data, np.sort(a, axis=None)[::-1][:3])
    g = rng.normal(size=3)
    (top * ag.tensor(g)).sum().backward()
    expected = np.zeros(12)
    expected[where.data] = g
    np.testing.assert_array_equal(x.grad, expected.reshape(3, 4))
