"""Core behaviours found while building `nn` that look wrong; each test fails until fixed.

`strict=True`: once the core is fixed the test passes, the xfail turns into a failure, and
the marker should be removed.
"""

from __future__ import annotations

import numpy as np

import autograd as ag


def test_relu_of_negative_numbers_is_positive_zero() -> None:
    out = ag.tensor([-1.0, -2.5, 3.0]).relu()
    assert not np.signbit(out.data).any()
    assert repr(out) == "tensor([0., 0., 3.])"
