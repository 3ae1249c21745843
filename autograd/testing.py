"""pytest-friendly helpers for checking your own ops and models.

    from autograd.testing import assert_gradients_match, check_op

    def test_my_model_gradients():
        assert_gradients_match(lambda x, w: model(x, w).sum(), x, w)

    def test_my_op():
        check_op(MyOp, n_inputs=2)      # broadcasting shapes, first and second order

Failures raise `GradcheckError` (an AssertionError) whose message names the input, the element,
both values and the op with the wrong local derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .function import Function
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .registry import BINARY, UNARY, Sample
from .tensor import Tensor


def assert_gradients_match(
    fn: Callable[..., Any],
    *inputs: Any,
    second_order: bool = False,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> None:
    """Assert that fn's gradients (and second derivatives if asked) match finite differences.

    Inputs that are Tensors with requires_grad=True are checked; arrays and numbers are passed
    through as constants.
    """
    gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed)
    if second_order:
        gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed)


def check_op(
    op: type[Function],
    n_inputs: int = 1,
    *,
    shapes: Sequence[Sequence[tuple[int, ...]]] | None = None,
    domain: tuple[float, float] = (-2.0, 2.0),
    second_order: bool = True,
    broadcasting: bool = True,
    seed: int = 0,
    **kwargs: Any,
) -> int:
    """Check a custom `Function` on many input shapes; returns how many cases were checked.

    By default the shapes are a scalar, a vector and a matrix for one input, and for two the
    broadcasting pairs (2,3)+(3,), (2,1)+(1,3), ()+(4,) ... (set `broadcasting=False` for ops
    that need equal shapes). Inputs are drawn uniformly from `domain`; `kwargs` go to apply().
    Each case is gradchecked and, with `second_order`, gradgradchecked.
    """
    if shapes is None:
        if n_inputs == 1:
            cases: list[Sample] = list(UNARY)
        elif n_inputs == 2:
            cases = [s for s in BINARY if broadcasting or s.shapes[0] == s.shapes[1]]
        else:
            cases = [Sample(((3,),) * n_inputs), Sample(((2, 3),) * n_inputs)]
    else:
        cases = [Sample(tuple(tuple(s) for s in case)) for case in shapes]
    rng = np.random.default_rng(seed)
    for case in cases:
        xs = [Tensor(rng.uniform(*domain, size=s), requires_grad=True) for s in case.shapes]

        def fn(*args: Any) -> Any:
            return op.apply(*args, **kwargs)

        try:
            gradcheck(fn, xs, seed=seed)
            if second_order:
                gradgradcheck(fn, xs, seed=seed)
        except GradcheckError as e:
            shapes_txt = " and ".join(str(s) for s in case.shapes)
            message = f"check_op({op.__name__}) with input shapes {shapes_txt}:\n{e}"
            raise GradcheckError(message, e.failure) from None  # keeps .failure for callers
    return len(cases)
