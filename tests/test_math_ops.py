"""The math ops beyond the registry's checks: the bool-valued tests and logical operators
(no gradient), the operators `%` and `//`, PyTorch's argument names, erf's accuracy and the
documented zero gradients of the rounding functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
from autograd.ops.mathops import erf_array


def test_erf_matches_libm_everywhere() -> None:
    x = np.concatenate([np.linspace(-7, 7, 20001), np.logspace(-300, 1.5, 500),
                        -np.logspace(-300, 1.5, 500)])
    ref = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf_array(x), ref, rtol=1e-15, atol=0)
    special = erf_array(np.array([np.inf, -np.inf, np.nan, 0.0, -0.0]))
    np.testing.assert_array_equal(special[:2], [1.0, -1.0])
    assert np.isnan(special[2])
    assert special[3] == 0.0
    assert np.signbit(special[4])


def test_float32_erf_stays_float32() -> None:
    y = ag.tensor(np.array([0.1, 2.0], dtype=np.float32)).erf()
    assert y.dtype == np.float32


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "logical_not"])
def test_unary_tests_are_bool_without_gradient(name: str) -> None:
    a = np.array([0.0, np.nan, np.inf, -np.inf, 2.5])
    x = ag.tensor(a, requires_grad=True)
    for out in (getattr(ag, name)(x), getattr(x, name)()):
        assert out.dtype == np.bool_
        assert not out.requires_grad
        assert out.grad_fn is None
        np.testing.assert_array_equal(out.data, getattr(np, name)(a))


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_binary_ops(name: str) -> None:
    a = np.array([[0.0, 1.0, 2.0]])
    b = np.array([[0.0], [3.0]])
    out = getattr(ag, name)(ag.tensor(a, requires_grad=True), b)
    assert out.dtype == np.bool_
    assert not out.requires_grad
    np.testing.assert_array_equal(out.data, getattr(np, name)(a, b))
    with pytest.raises(ValueError, match=rf"{name}: shapes \(2,\) and \(3,\)"):
        getattr(ag, name)(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0, 3.0]))


def test_isclose() -> None:
    a = np.array([1.0, 1.0 + 1e-9, 2.0, np.nan])
    b = np.array([1.0, 1.0, 2.1, np.nan])
    np.testing.assert_array_equal(ag.isclose(ag.tensor(a), ag.tensor(b)).data, np.isclose(a, b))
    np.testing.assert_array_equal(ag.tensor(a).isclose(b, equal_nan=True).data,
                                  np.isclose(a, b, equal_nan=True))
    np.testing.assert_array_equal(ag.isclose(ag.tensor(a), b, rtol=0.1).data, np.isclose(a, b, rtol=0.1))


def test_mod_and_floordiv_operators_match_python() -> None:
    a = np.array([-3.5, -1.0, 2.5, 7.0])
    x = ag.tensor(a, requires_grad=True)
    np.testing.assert_array_equal((x % 2).data, [v % 2 for v in a])
    np.testing.assert_array_equal((x % -2).data, [v % -2 for v in a])
    np.testing.assert_array_equal((5.0 % x).data, [5.0 % v for v in a])
    np.testing.assert_array_equal((x // 2).data, [v // 2 for v in a])
    np.testing.assert_array_equal((7.0 // x).data, [7.0 // v for v in a])
    np.testing.assert_array_equal(ag.fmod(x, 2).data, [math.fmod(v, 2) for v in a])
    (x % 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(4))


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
def test_step_functions_pass_back_zero(name: str) -> None:
    x = ag.tensor([-1.5, -0.2, 0.7, 2.4], requires_grad=True)
    (getattr(x, name)() * 3.0).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, np.zeros(4))


def test_floor_divide_passes_back_zero_to_both() -> None:
    x = ag.tensor([3.0, -4.0], requires_grad=True)
    y = ag.tensor([2.0, 3.0], requires_grad=True)
    (x // y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    np.testing.assert_array_equal(y.grad.data, [0.0, 0.0])


def test_round_decimals() -> None:
    a = np.array([1.234, -5.678, 0.125])
    np.testing.assert_array_equal(ag.tensor(a).round(2).data, np.round(a, 2))


def test_var_mean_and_std_mean_torch_names() -> None:
    a = np.arange(12.0).reshape(3, 4) ** 1.5
    x = ag.tensor(a)
    v, m = ag.var_mean(x, dim=1, keepdim=True, correction=1)
    np.testing.assert_allclose(v.data, np.var(a, axis=1, ddof=1, keepdims=True))
    np.testing.assert_allclose(m.data, np.mean(a, axis=1, keepdims=True))
    s, m = x.std_mean(axis=0)
    np.testing.assert_allclose(s.data, np.std(a, axis=0))
    np.testing.assert_allclose(m.data, np.mean(a, axis=0))
    with pytest.raises(TypeError, match="var_mean: give ddof= or correction="):
        ag.var_mean(x, ddof=0, correction=1)
    with pytest.raises(TypeError, match="var_mean: give axis= or dim="):
        ag.var_mean(x, axis=0, dim=1)


def test_normalize_leaves_zero_rows_zero() -> None:
    x = ag.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    y = ag.normalize(x, dim=1)
    np.testing.assert_allclose(y.data, [[0.6, 0.8], [0.0, 0.0]])
    y.sum().backward()
    assert np.isfinite(x.grad.data).all()
    with pytest.raises(ValueError, match="normalize: needs a tensor with at least one axis"):
        ag.normalize(ag.tensor(1.0))


def test_binary_math_errors_name_the_op() -> None:
    with pytest.raises(ValueError, match=r"atan2: shapes \(2,\) and \(3,\) cannot be broadcast"):
        ag.atan2(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"lerp: shapes \(2,\), \(3,\) and \(\)"):
        ag.lerp(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0, 3.0]), 0.5)


def test_numpy_ufuncs_on_tensors_run_as_ops() -> None:
    x = ag.tensor([1.5, -2.3], requires_grad=True)
    for out, ref in [(np.floor(x), np.floor(x.data)), (np.arctan2(x, 2.0), np.arctan2(x.data, 2.0)),
                     (np.remainder(x, 1.0), np.remainder(x.data, 1.0)), (np.sinh(x), np.sinh(x.data))]:
        assert isinstance(out, ag.Tensor)
        assert out.requires_grad
        np.testing.assert_array_equal(out.data, ref)
