"""gradcheck and gradgradcheck: pass on correct code, and name the op and line when it is wrong.

The faulty ops here are deliberately wrong custom Functions: a derivative off by 10%, a
transposition mistake, and a backward that uses `.data` (right values, not differentiable).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import dual
from autograd.gradcheck import GradcheckError
from autograd.testing import assert_gradients_match, check_op


class WrongSin(ag.Function):
    """y = sin x with a backward 10% too large."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * dual.cos(x) * 1.1


class SwappedMatmul(ag.Function):
    """C = A @ B for square matrices, with dA = G^T B^T (a transposition mistake that ones as
    upstream gradient can hide on symmetric problems)."""

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        a, b = ctx.saved_tensors
        return g.T @ b.T, a.T @ g


class DataSquare(ag.Function):
    """y = x^2 whose backward reads `.data`: right first derivative, wrong second."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        value = x.data if isinstance(x, ag.Tensor) else x  # a constant under create_graph
        return g * 2 * value


class GoodMul(ag.Function):
    """z = a * b, written as a user would."""

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        a, b = ctx.saved_tensors
        return g * b, g * a


class BadMul(GoodMul):
    """z = a * b with dz/db = a mistaken for b."""

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        _a, b = ctx.saved_tensors
        return g * b, g * b


def leaf(values: Any, dtype: Any = np.float64) -> ag.Tensor:
    return ag.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def next_line() -> int:
    """The number of the caller's next line (where a test creates the faulty op)."""
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno + 1


# -- passing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_passes_on_correct_functions(dtype: Any, rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal((2, 3)), dtype)
    w = leaf(rng.standard_normal(3), dtype)
    assert ag.gradcheck(lambda x, w: (x @ w).sigmoid().log().sum(), (x, w)) is True
    assert ag.gradcheck(lambda x, w: ((x * w).tanh(), (x - w).exp()), (x, w)) is True
    assert ag.gradgradcheck(lambda x, w: (x * w).tanh().sum(), (x, w)) is True
    assert x.dtype == dtype  # the caller's tensors are left as they were
    assert x.grad is None


def test_large_inputs_use_random_projections(rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal((20, 30)))  # 600 elements: beyond the full-Jacobian size
    assert ag.gradcheck(lambda x: (x.tanh() @ x.T).sum(axis=0), x) is True


def test_constants_and_non_float_inputs_pass_through(rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal(4))
    labels = ag.tensor([0, 1, 1, 0])
    mask = np.array([True, False, True, True])
    assert ag.gradcheck(lambda x, labels, mask, c: (x * labels + x[mask] .sum() * c).sum(),
                        (x, labels, mask, 2.5))


def test_needs_an_input_that_requires_grad() -> None:
    with pytest.raises(ValueError, match="no input requires grad"):
        ag.gradcheck(lambda x: x * 2, ag.tensor([1.0]))


# -- catching and naming a wrong op -------------------------------------------------------------
def test_names_the_wrong_op_and_the_line_small_inputs(rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal((2, 3)))
    w = leaf(rng.standard_normal(3))
    line = next_line()
    f = lambda x, w: WrongSin.apply((x * w).tanh()).sum() + (x * x).sum()  # noqa: E731 - the line
    with pytest.raises(GradcheckError) as err:
        ag.gradcheck(f, (x, w))
    msg = str(err.value)
    assert "gradient is wrong for input 0 (shape (2, 3)), element (0, 0)" in msg
    assert "backward" in msg and "finite differences" in msg  # noqa: PT018 - one report
    assert "The op with the wrong local derivative: wrongsin" in msg
    assert f"test_gradcheck.py:{line}" in msg
    assert "WrongSin.apply((x * w).tanh())" in msg
    assert msg.count("The op with the wrong local derivative") == 1  # mul, tanh, sum are fine
    failure = err.value.failure
    assert failure is not None
    assert failure.mismatch.input == 0
    assert failure.mismatch.element == (0, 0)
    assert [c.label for c in failure.culprits] == ["wrongsin"]
    # The report's numbers are the real ones: analytic is 1.1 times the numeric derivative
    # of the op itself, at the op's own input.
    m = failure.culprits[0].mismatch
    assert m.analytic == pytest.approx(1.1 * m.numeric, rel=1e-6)


def test_names_the_wrong_op_large_inputs(rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal((30, 20)))
    line = next_line()
    f = lambda x: WrongSin.apply(x.tanh()).sum(axis=0)  # noqa: E731 - the line in the report
    with pytest.raises(GradcheckError) as err:
        ag.gradcheck(f, x)
    msg = str(err.value)
    assert "along a random direction" in msg
    assert "The op with the wrong local derivative: wrongsin" in msg
    assert f"test_gradcheck.py:{line}" in msg
    assert err.value.failure is not None
    assert err.value.failure.mismatch.element is None


def test_catches_a_transposition_mistake(rng: np.random.Generator) -> None:
    a = leaf(rng.standard_normal((3, 3)))
    b = leaf(rng.standard_normal((3, 3)))
    with pytest.raises(GradcheckError, match="The op with the wrong local derivative: swappedmatmul, "
                                             "input 0"):
        ag.gradcheck(lambda a, b: SwappedMatmul.apply(a, b), (a, b))


def test_float32_inputs_are_checked_in_float64_and_the_report_says_so() -> None:
    x = leaf([0.3, -1.2, 2.0], np.float32)
    with pytest.raises(GradcheckError) as err:
        ag.gradcheck(lambda x: WrongSin.apply(x), x)
    assert "float32 inputs were checked in float64" in str(err.value)
    assert x.dtype == np.float32


def test_raise_exception_false_returns_false(rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal(3))
    assert ag.gradcheck(lambda x: WrongSin.apply(x), x, raise_exception=False) is False
    assert ag.gradgradcheck(lambda x: DataSquare.apply(x), x, raise_exception=False) is False
    assert ag.gradcheck(lambda x: x.sin(), x, raise_exception=False) is True


def test_a_constant_taken_through_data_has_no_culprit(rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal(3))
    with pytest.raises(GradcheckError) as err:
        ag.gradcheck(lambda x: x * ag.tensor(x.data), x)  # every op is right; the wiring is not
    msg = str(err.value)
    assert "Every recorded op checks out" in msg and ".data" in msg  # noqa: PT018 - one report
    assert err.value.failure is not None
    assert err.value.failure.culprits == []


def test_gradgradcheck_catches_a_non_differentiable_backward(rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal((2, 3)))
    assert ag.gradcheck(lambda x: DataSquare.apply(x).sum(), x)  # first order is right
    line = next_line()
    f = lambda x: (DataSquare.apply(x) * 3).sum()  # noqa: E731 - the line in the report
    with pytest.raises(GradcheckError) as err:
        ag.gradgradcheck(f, x)
    msg = str(err.value)
    assert "second derivative (gradient of the gradient) is wrong" in msg
    assert "The op with the wrong local derivative: datasquare" in msg
    assert f"test_gradcheck.py:{line}" in msg
    assert err.value.failure is not None
    assert [c.label for c in err.value.failure.culprits] == ["datasquare"]


def test_gradcheck_error_is_an_assertion_error() -> None:
    assert issubclass(GradcheckError, AssertionError)


# -- autograd.testing ---------------------------------------------------------------------------
def test_assert_gradients_match(rng: np.random.Generator) -> None:
    x = leaf(rng.standard_normal((3, 2)))
    w = leaf(rng.standard_normal(2))
    assert_gradients_match(lambda x, w: (x @ w).tanh().sum(), x, w, second_order=True)
    with pytest.raises(AssertionError, match="wrongsin"):
        assert_gradients_match(lambda x, w: WrongSin.apply(x @ w), x, w)
    assert_gradients_match(lambda x: DataSquare.apply(x), x)  # first order only: passes
    with pytest.raises(AssertionError, match="datasquare"):
        assert_gradients_match(lambda x: DataSquare.apply(x), x, second_order=True)


def test_check_op_sweeps_broadcasting_shapes() -> None:
    assert check_op(GoodMul, n_inputs=2) == len(ag.registry.BINARY)
    assert check_op(GoodMul, n_inputs=2, broadcasting=False) == 3
    assert check_op(ag.ops.elementwise.Tanh) == len(ag.registry.UNARY)
    assert check_op(GoodMul, shapes=[((2, 1), (3,)), ((), (2, 2))]) == 2
    assert check_op(WrongSin, second_order=False, shapes=[((0,),)]) == 1  # empty: nothing wrong


def test_check_op_fails_clearly_for_a_wrong_op() -> None:
    with pytest.raises(AssertionError) as err:
        check_op(BadMul, n_inputs=2)
    msg = str(err.value)
    assert msg.startswith("check_op(BadMul) with input shapes () and ():")
    assert "wrong for input 1" in msg
    assert "The op with the wrong local derivative: badmul, input 1" in msg
    assert isinstance(err.value, GradcheckError)
    assert err.value.failure is not None  # the structured report survives the re-wording
    assert [c.label for c in err.value.failure.culprits] == ["badmul"]
    with pytest.raises(AssertionError, match=r"(?s)check_op\(DataSquare\).*second derivative"):
        check_op(DataSquare)


def test_check_op_passes_keyword_arguments() -> None:
    assert check_op(ag.ops.elementwise.LeakyRelu, negative_slope=0.3, domain=(0.1, 2.0)) == 3


# -- settings, NaN finite differences and kinks ---------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"eps": 0}, "eps must be a finite number > 0, got 0"),
        ({"eps": -1e-6}, "eps must be a finite number > 0, got -1e-06"),
        ({"eps": float("nan")}, "eps must be a finite number > 0, got nan"),
        ({"eps": "1e-6"}, "eps must be a finite number > 0, got '1e-6'"),
        ({"atol": float("nan")}, "atol must be a finite number >= 0, got nan"),
        ({"rtol": -1}, "rtol must be a finite number >= 0, got -1"),
        ({"rtol": float("inf")}, "rtol must be a finite number >= 0, got inf"),
        ({"atol": True}, "atol must be a finite number >= 0, got True"),
    ],
)
def test_bad_settings_are_refused(kw: dict, message: str) -> None:
    x = leaf([1.0, 2.0])
    for check in (ag.gradcheck, ag.gradgradcheck):
        with pytest.raises(ValueError, match=f"{check.__name__}: {message}"):
            check(lambda x: (x * x).sum(), x, **kw)
    with pytest.raises(ValueError, match=message):
        assert_gradients_match(lambda x: (x * x).sum(), x, **kw)


@pytest.mark.parametrize(
    ("fn", "first", "side"),
    [
        (lambda x: x.log().sum(), "log", "at the point"),  # log(0) = -inf, log(-eps) = NaN
        (lambda x: (x.sqrt() * 2).sum(), "sqrt", "at input 0 - eps"),  # sqrt(-eps) = NaN
    ],
    ids=["log", "sqrt"],
)
def test_nan_finite_differences_are_reported_as_such(fn: Any, first: str, side: str) -> None:
    x = leaf([0.0, 1.0])
    with pytest.raises(GradcheckError) as err:
        ag.gradcheck(fn, x)
    msg = str(err.value)
    assert "finite differences of the gradient are nan at input 0 (shape (2,)), element (0,)" in msg
    assert "so its gradient cannot be checked here" in msg
    assert f"The first op whose output is not finite ({side}): {first}." in msg
    assert "wrong" not in msg  # no op is blamed: not log, not sqrt, not the innocent sum
    failure = err.value.failure
    assert failure is not None
    assert failure.culprits == []


def test_an_op_is_not_blamed_for_nan_on_its_own_inputs(rng: np.random.Generator) -> None:
    # WrongSin is wrong; the sum after log(0) = -inf sees NaN differences of its own and must not
    # be blamed for them.
    x = leaf([0.0, 0.5, 1.0])
    with pytest.raises(GradcheckError) as err:
        ag.gradcheck(lambda x: WrongSin.apply(x).sum() + x.abs().log().sum(), x)
    failure = err.value.failure
    assert failure is not None
    assert [c.label for c in failure.culprits] == ["wrongsin"]


@pytest.mark.parametrize(
    ("fn", "op", "slopes"),
    [
        (lambda x: x.relu().sum(), "relu", "0 on one side and 1 on the other"),
        (lambda x: (x.leaky_relu(0.1) * 3).sum(), "leaky_relu", "0.3 on one side and 3 on the other"),
        (lambda x: x.clip(-1.0, 0.0).sum(), "clip", "1 on one side and 0 on the other"),
    ],
    ids=["relu", "leaky_relu", "clip"],
)
def test_a_kink_is_reported_as_not_differentiable(fn: Any, op: str, slopes: str) -> None:
    x = leaf([0.0, 1.5])
    with pytest.raises(GradcheckError) as err:
        ag.gradcheck(fn, x)
    msg = str(err.value)
    assert msg.startswith("gradcheck: the function is not differentiable at this point: input 0")
    assert slopes in msg
    assert f"The op at its kink: {op}" in msg
    assert "input 0 element (0,) (slopes" in msg
    assert "wrong local derivative" not in msg


def test_strong_curvature_is_not_taken_for_a_kink() -> None:
    class WrongExp(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
            ctx.save_for_backward(np.exp(x))
            return np.exp(x)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (e,) = ctx.saved_tensors
            return g * e * 1.01

    x = leaf([3.0])
    with pytest.raises(GradcheckError) as err:
        ag.gradcheck(lambda x: WrongExp.apply(x * 4.0).sum(), x)  # f'' = 16 e^12: large
    msg = str(err.value)
    assert "The op with the wrong local derivative: wrongexp" in msg
    assert "not differentiable" not in msg
