"""Every error a user can cause names the op and the shapes or dtypes involved.

Each case is (what the user does, the exception type, a regex its message must match). The
regexes spell out the op name and the shapes, so a vaguer message fails the test.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd as ag


def t(*shape: int) -> ag.Tensor:
    return ag.tensor(np.ones(shape))


def g(*shape: int) -> ag.Tensor:
    return ag.tensor(np.ones(shape), requires_grad=True)


BROADCAST = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": ag.maximum,
    "minimum": ag.minimum,
}


@pytest.mark.parametrize("grad", [False, True], ids=["constant", "recorded"])
@pytest.mark.parametrize("name", list(BROADCAST))
def test_broadcast_failure_names_op_and_shapes(name: str, grad: bool) -> None:
    a = g(2, 3) if grad else t(2, 3)
    expected = f"{name}: shapes (2, 3) and (4,) cannot be broadcast together"
    with pytest.raises(ValueError, match=re.escape(expected)) as err:
        BROADCAST[name](a, t(4))
    assert str(err.value) == expected
    with pytest.raises(ValueError, match=re.escape(f"{name}: shapes (4,) and (2, 3) cannot")):
        BROADCAST[name](t(4), a)


def test_broadcast_failure_with_an_array_constant_and_where() -> None:
    with pytest.raises(ValueError, match=re.escape("mul: shapes (2, 3) and (4,) cannot be broadcast")):
        g(2, 3) * np.ones(4)
    with pytest.raises(ValueError, match=re.escape("add: shapes (4,) and (2, 3) cannot")):
        np.ones(4) + g(2, 3)
    with pytest.raises(ValueError,
                       match=re.escape("where: shapes (2, 3), (2, 3) and (4,) cannot be broadcast")):
        ag.where(np.ones((2, 3), dtype=bool), g(2, 3), t(4))
    with pytest.raises(ValueError, match=re.escape("less: shapes (2, 3) and (4,) cannot")):
        _ = g(2, 3) < t(4)


def test_other_numpy_errors_in_binary_ops_name_the_op() -> None:
    with pytest.raises(ValueError, match=r"^pow: Integers to negative integer powers"):
        ag.tensor([2]) ** ag.tensor([-1])
